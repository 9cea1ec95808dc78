"""Where mail goes: SMTP (STARTTLS whenever offered), SMTPS (implicit TLS) or a folder of .eml files.

Each backend is the mail channel's ``open``: one connection per batch, yielding the send function,
with the server's answers mapped to the outbox's TemporaryError (4xx, refused, timeout) and
PermanentError (5xx).
"""
from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app

from ..models import utcnow
from ..outbox import Message, PermanentError, TemporaryError
from .compose import compose
from .settings import MailSettings, MailUrlError, mail_settings


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip()[:500]


def _failure(code: int, text: bytes | str) -> TemporaryError | PermanentError:
    """4xx may work later; 5xx never will."""
    cls = PermanentError if 500 <= code < 600 else TemporaryError
    return cls(_reply(code, text))


def _tls_context(settings: MailSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.cafile)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    timeout = current_app.config.get("MAIL_TIMEOUT_SECONDS", 30)
    if settings.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                                context=_tls_context(settings))
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    client.ehlo()
    if settings.scheme == "smtp":
        if client.has_extn("starttls"):
            client.starttls(context=_tls_context(settings))
            client.ehlo()
        elif settings.starttls == "required":
            client.close()
            raise TemporaryError("サーバーが STARTTLS を提供しないため送信しません（starttls=required）")
    if settings.username:
        client.login(settings.username, settings.password)
    return client


def _smtp_send(client: smtplib.SMTP, mail: EmailMessage) -> str:
    recipient = parseaddr(mail["To"])[1]
    try:
        refused = client.send_message(mail, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _failure(code, text) from None
    except smtplib.SMTPSenderRefused as exc:
        raise _failure(exc.smtp_code, exc.smtp_error) from None
    except smtplib.SMTPDataError as exc:
        raise _failure(exc.smtp_code, exc.smtp_error) from None
    except smtplib.SMTPResponseException as exc:
        raise _failure(exc.smtp_code, exc.smtp_error) from None
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise TemporaryError(f"接続が切れました: {type(exc).__name__}") from None
    if refused:
        code, text = next(iter(refused.values()))
        raise _failure(code, text)
    return "250 受け付けられました"


@contextmanager
def open_smtp(settings: MailSettings) -> Iterator:
    """One SMTP session for a batch; connection problems retry the batch."""
    try:
        client = _connect(settings)
    except smtplib.SMTPAuthenticationError as exc:
        raise TemporaryError("認証に失敗しました: " + _reply(exc.smtp_code, exc.smtp_error)) from None
    except smtplib.SMTPResponseException as exc:
        raise TemporaryError(_reply(exc.smtp_code, exc.smtp_error)) from None
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise TemporaryError(f"TLS の確立に失敗しました: {type(exc).__name__}") from None
    except (socket.timeout, TimeoutError):
        raise TemporaryError("接続がタイムアウトしました") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryError(f"接続できません: {type(exc).__name__}") from None

    def send(message: Message) -> str:
        return _smtp_send(client, compose(message))

    try:
        yield send
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


@contextmanager
def open_folder(settings: MailSettings) -> Iterator:
    """Write each mail as ``<folder>/<UTC time>-<outbox id>.eml`` (a demo or a test)."""
    folder = settings.path
    folder.mkdir(parents=True, exist_ok=True)

    def send(message: Message) -> str:
        target = folder / f"{utcnow():%Y%m%dT%H%M%S}-{message.id:08d}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(compose(message).as_bytes())
        partial.replace(target)
        return f"ファイルに保存しました: {target.name}"

    yield send


def open_backend():
    """The mail channel's connection for one batch, by ELEARN_MAIL_URL's scheme."""
    try:
        settings = mail_settings()
    except MailUrlError as exc:
        raise TemporaryError(str(exc)) from None
    return open_folder(settings) if settings.scheme == "file" else open_smtp(settings)
