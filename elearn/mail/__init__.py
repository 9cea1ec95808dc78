"""Mail on top of the outbox: queue a mail in the caller's transaction, sent later by ``elearn mail send``.

``queue_mail(kind, user, subject, text)`` adds one outbox item of channel ``mail``; the body is kept
only until the mail is sent or has failed (it may hold a set-password link), then dropped. Backends
(smtp/smtps/file) are chosen by ELEARN_MAIL_URL (elearn.mail.settings, elearn.mail.backends).
"""
from __future__ import annotations

from ..outbox import Channel, register
from .backends import open_backend
from .queue import KIND_LABELS, OPTIONAL_KINDS, queue_mail, render_mail
from .settings import mail_configured

CHANNEL = "mail"


def _drop_body(payload: dict) -> None:
    """Nothing of a mail stays after it is sent or failed: recipient and subject live in their columns."""
    return None


register(Channel(CHANNEL, open=open_backend, redact=_drop_body, batch_size=50))

__all__ = ["CHANNEL", "KIND_LABELS", "OPTIONAL_KINDS", "mail_configured", "queue_mail", "render_mail"]

from flask import Blueprint  # noqa: E402

bp = Blueprint("mail", __name__, url_prefix="/mail")

from . import routes  # noqa: E402,F401
