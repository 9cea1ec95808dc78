"""One-click unsubscribe (RFC 8058) and the person's mail preferences."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..models import MailPreference
from ..urls import external_url

SALT = "elearn.mail.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_url(user_id: int) -> str:
    """The absolute one-click unsubscribe URL for ``user_id`` (signed; no expiry, it only stops mail)."""
    return external_url("mail.unsubscribe", token=_serializer().dumps(user_id))


def unsubscribe_user_id(token: str) -> int | None:
    """The user id in a valid unsubscribe token, or None."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def preference(user_id: int) -> MailPreference:
    """The user's preferences, creating the row with the defaults when there is none (caller commits)."""
    row = db.session.get(MailPreference, user_id)
    if row is None:
        row = MailPreference(user_id=user_id, reminders=True, board_digest=False)
        db.session.add(row)
    return row
