"""ELEARN_MAIL_URL and ELEARN_MAIL_FROM, read once per use from the app's config."""
from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

SCHEMES = ("smtp", "smtps", "file")


class MailUrlError(ValueError):
    """ELEARN_MAIL_URL cannot be understood."""


@dataclass(frozen=True)
class MailSettings:
    """Where and how mail is sent."""

    scheme: str
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = ""
    #: smtp: "auto" (STARTTLS whenever offered) or "required" (refuse to send without it).
    starttls: str = "auto"
    #: A CA bundle to trust instead of the system's (a relay with an internal certificate).
    cafile: str | None = None
    path: Path | None = None

    def describe(self) -> str:
        """The setting without its password, for logs and pages."""
        if self.scheme == "file":
            return f"file://{self.path}"
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_mail_url(url: str) -> MailSettings:
    """``smtp://[user:pass@]host[:port][?starttls=required&cafile=…]``, ``smtps://…`` or ``file:///path``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise MailUrlError(f"ELEARN_MAIL_URL: unknown scheme {parts.scheme!r} (smtp, smtps or file)")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "file":
        if not parts.path:
            raise MailUrlError("ELEARN_MAIL_URL: file:///path needs a folder")
        return MailSettings("file", path=Path(unquote(parts.path)))
    if not parts.hostname:
        raise MailUrlError("ELEARN_MAIL_URL: no host")
    starttls = query.get("starttls", "auto")
    if starttls not in ("auto", "required"):
        raise MailUrlError("ELEARN_MAIL_URL: starttls must be auto or required")
    return MailSettings(parts.scheme, host=parts.hostname, port=parts.port or (465 if parts.scheme == "smtps" else 25),
                        username=unquote(parts.username or ""), password=unquote(parts.password or ""),
                        starttls=starttls, cafile=query.get("cafile"))


def mail_configured() -> bool:
    """Whether mail can be sent (ELEARN_MAIL_URL is set); pages say so when it is not."""
    return bool(current_app.config.get("MAIL_URL"))


def mail_settings() -> MailSettings:
    """The parsed ELEARN_MAIL_URL (MailUrlError when unset or wrong)."""
    url = current_app.config.get("MAIL_URL") or ""
    if not url:
        raise MailUrlError("ELEARN_MAIL_URL is not set")
    return parse_mail_url(url)


def sender_address() -> str:
    """ELEARN_MAIL_FROM, else no-reply@ the host of ELEARN_BASE_URL (or localhost)."""
    configured = current_app.config.get("MAIL_FROM") or ""
    if configured:
        return configured
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or "localhost"
    return str(Address("ひきこもり支援者研修 事務局", addr_spec=f"no-reply@{host}"))


def sender_domain() -> str:
    """The domain of the From address (for Message-ID)."""
    return parseaddr(sender_address())[1].rpartition("@")[2] or "localhost"
