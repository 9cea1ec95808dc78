"""A queued mail's payload turned into a standard ``email.message.EmailMessage`` (no hand-built MIME)."""
from __future__ import annotations

import hashlib
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app

from ..models import utcnow
from ..outbox import Message
from .settings import sender_address, sender_domain


def message_id(outbox_id: int) -> str:
    """A Message-ID stable across retries of one outbox item (receivers can spot a resend)."""
    site = (current_app.config.get("BASE_URL") or "").encode()
    tag = hashlib.sha256(site + f"/outbox/{outbox_id}".encode()).hexdigest()[:16]
    return f"<elearn.{outbox_id}.{tag}@{sender_domain()}>"


def compose(message: Message) -> EmailMessage:
    """The mail for a claimed outbox item: UTF-8 plain text, encoded headers, Message-ID and Date."""
    payload = message.payload
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = sender_address()
    mail["To"] = payload["to"]
    mail["Subject"] = payload["subject"]
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = message_id(message.id) if message.id else make_msgid(domain=sender_domain())
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to these
    if payload.get("unsubscribe"):
        # RFC 8058 one-click unsubscribe: the mail client POSTs List-Unsubscribe=One-Click to the URL.
        mail["List-Unsubscribe"] = f"<{payload['unsubscribe']}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(payload["text"], subtype="plain", charset="utf-8")
    return mail
