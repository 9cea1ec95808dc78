"""The worker: claim due items once across all workers, deliver them, record each outcome."""
from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ..database import write_transaction
from ..extensions import db
from ..models import OutboxItem, utcnow
from .channels import Channel, Message, PermanentError, TemporaryError, channel, registered

log = logging.getLogger(__name__)

DEFAULTS = {"OUTBOX_LEASE_SECONDS": 300, "OUTBOX_RETRY_SECONDS": 60, "OUTBOX_RETRY_MAX_SECONDS": 3600,
            "OUTBOX_MAX_ATTEMPTS": 10}


def _setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


def worker_name() -> str:
    """This process, as written in ``claimed_by``: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


@dataclass
class Report:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __iadd__(self, other: Report) -> Report:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        return self

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def backoff(attempt: int) -> timedelta:
    """How long to wait after the ``attempt``-th failed attempt (1, 2, 4 … × the base, capped)."""
    seconds = _setting("OUTBOX_RETRY_SECONDS") * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=min(seconds, _setting("OUTBOX_RETRY_MAX_SECONDS")))


def _due(name: str, now: datetime):
    return and_(OutboxItem.channel == name, or_(
        and_(OutboxItem.status == "queued", OutboxItem.next_attempt_at <= now),
        and_(OutboxItem.status == "sending", OutboxItem.claimed_until < now),  # a crashed worker's lease
    ))


def claim(name: str, limit: int, worker: str, now: datetime | None = None) -> list[Message]:
    """Claim up to ``limit`` due items of channel ``name`` for ``worker`` and commit the claim.

    PostgreSQL skips rows another worker has locked (FOR UPDATE SKIP LOCKED); SQLite's transaction
    begins IMMEDIATE, so a second claimer waits for the first and then sees the rows as claimed.
    """
    now = now or utcnow()
    until = now + timedelta(seconds=_setting("OUTBOX_LEASE_SECONDS"))
    with write_transaction():
        ids = db.session.scalars(
            select(OutboxItem.id).where(_due(name, now)).order_by(OutboxItem.next_attempt_at, OutboxItem.id)
            .limit(limit).with_for_update(skip_locked=True)
        ).all()
        if not ids:
            return []
        db.session.execute(
            update(OutboxItem).where(OutboxItem.id.in_(ids))
            .values(status="sending", claimed_by=worker, claimed_until=until, last_attempt_at=now,
                    attempts=OutboxItem.attempts + 1).execution_options(synchronize_session=False))
        rows = db.session.execute(
            select(OutboxItem.id, OutboxItem.kind, OutboxItem.recipient, OutboxItem.payload, OutboxItem.attempts,
                   OutboxItem.user_id, OutboxItem.cohort_id)
            .where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id)).all()
    return [Message(id=r.id, channel=name, kind=r.kind, recipient=r.recipient, payload=json.loads(r.payload or "{}"),
                    attempt=r.attempts, user_id=r.user_id, cohort_id=r.cohort_id) for r in rows]


def _finish(ch: Channel, message: Message, worker: str, outcome: str, reply: str | None) -> str:
    """Record one outcome (sent, retry or failed) if ``worker`` still holds the claim; returns the outcome."""
    now = utcnow()
    reply = (reply or "")[:2000] or None
    values: dict = {"claimed_by": None, "claimed_until": None, "last_reply": reply}
    if outcome == "retry" and message.attempt >= _setting("OUTBOX_MAX_ATTEMPTS"):
        outcome = "failed"
        values["last_reply"] = f"再試行の上限（{message.attempt}回）に達しました: {reply or ''}"[:2000]
    if outcome == "retry":
        values |= {"status": "queued", "next_attempt_at": now + backoff(message.attempt)}
    else:
        redacted = ch.redact(message.payload)
        values |= {"status": outcome, "payload": None if redacted is None else json.dumps(redacted, ensure_ascii=False)}
        if outcome == "sent":
            values["sent_at"] = now
    with write_transaction():
        done = db.session.execute(
            update(OutboxItem).where(OutboxItem.id == message.id, OutboxItem.claimed_by == worker,
                                     OutboxItem.status == "sending").values(**values)
            .execution_options(synchronize_session=False)).rowcount
    if not done:
        log.warning("outbox item %s: claim lost before its outcome (%s) was recorded", message.id, outcome)
    return outcome


_COUNTED = {"sent": "sent", "retry": "retried", "failed": "failed"}


def _deliver(ch: Channel, messages: list[Message], worker: str) -> Report:
    report = Report()
    pending = list(messages)

    def count(outcome: str) -> None:
        field = _COUNTED[outcome]
        setattr(report, field, getattr(report, field) + 1)

    try:
        with ch.connection() as send:
            while pending:
                message = pending[0]
                try:
                    outcome, reply = "sent", send(message)
                except PermanentError as exc:
                    outcome, reply = "failed", exc.reply
                except TemporaryError as exc:
                    outcome, reply = "retry", exc.reply
                pending.pop(0)
                count(_finish(ch, message, worker, outcome, reply))
    except (TemporaryError, PermanentError) as exc:  # the connection itself failed: retry what is left
        for message in pending:
            count(_finish(ch, message, worker, "retry", exc.reply))
    except Exception as exc:  # noqa: BLE001 - anything unexpected is temporary; the message is not logged
        log.exception("outbox channel %s failed", ch.name)
        for message in pending:
            count(_finish(ch, message, worker, "retry", type(exc).__name__))
    return report


def send_due(name: str | None = None, worker: str | None = None, limit: int | None = None) -> Report:
    """Deliver every item due now on channel ``name`` (all registered channels when None).

    Only items due when the pass began: an item retried during the pass waits for the next one.
    """
    worker = worker or worker_name()
    report = Report()
    started = utcnow()
    for current in [name] if name else registered():
        ch = channel(current)
        done = 0
        while limit is None or done < limit:
            batch = ch.batch_size if limit is None else min(ch.batch_size, limit - done)
            messages = claim(current, batch, worker, now=started)
            if not messages:
                break
            report += _deliver(ch, messages, worker)
            done += len(messages)
    return report


def run(name: str | None = None, loop: bool = False, interval: float = 5.0,
        stop: Callable[[], bool] = lambda: False, echo: Callable[[Report], None] | None = None) -> Report:
    """Send what is due; with ``loop``, keep doing so every ``interval`` seconds until ``stop()``."""
    total = Report()
    while True:
        report = send_due(name)
        total += report
        if echo and report.total:
            echo(report)
        if not loop or stop():
            return total
        time.sleep(interval)
