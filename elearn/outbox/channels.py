"""Channels: who delivers an outbox item of a given ``channel`` name, and the two kinds of failure."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any


class DeliveryError(Exception):
    """A failed delivery; ``reply`` is what the other side said (kept in the log, never a token)."""

    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


class TemporaryError(DeliveryError):
    """May work later (SMTP 4xx, connection refused, timeout): the item is retried with backoff."""


class PermanentError(DeliveryError):
    """Will never work (SMTP 5xx): the item fails at once."""


@dataclass(frozen=True)
class Message:
    """What a channel's send function receives for one claimed item."""

    id: int
    channel: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempt: int
    user_id: int | None = None
    cohort_id: int | None = None


SendFunction = Callable[[Message], "str | None"]


def _keep(payload: dict[str, Any]) -> dict[str, Any] | None:
    return payload


@dataclass(frozen=True)
class Channel:
    """A named way out: ``send`` per message, or ``open`` yielding one send function per batch."""

    name: str
    send: SendFunction | None = None
    open: Callable[[], AbstractContextManager[SendFunction]] | None = None
    redact: Callable[[dict[str, Any]], dict[str, Any] | None] = field(default=_keep)
    batch_size: int = 50

    def connection(self) -> AbstractContextManager[SendFunction]:
        """The send function for one batch, inside whatever connection the channel keeps."""
        if self.open is not None:
            return self.open()
        if self.send is None:
            raise ValueError(f"channel {self.name!r} has neither send nor open")
        return _plain(self.send)


@contextmanager
def _plain(send: SendFunction) -> Iterator[SendFunction]:
    yield send


_CHANNELS: dict[str, Channel] = {}


def register(new: Channel) -> Channel:
    """Make ``new`` the channel for its name (registering again replaces it: tests swap senders)."""
    _CHANNELS[new.name] = new
    return new


def channel(name: str) -> Channel:
    """The registered channel called ``name`` (KeyError when none is)."""
    return _CHANNELS[name]


def registered() -> list[str]:
    """Names of the registered channels."""
    return sorted(_CHANNELS)
