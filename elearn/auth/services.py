"""Login sessions and one-time set-password links, kept server-side so they can be revoked."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, flash, g, has_request_context, request
from sqlalchemy import bindparam, delete, select, update

from .. import audit, security_events
from ..database import write_transaction
from ..extensions import db
from ..layout import badge_column, remember_badge
from ..models import Role, SetPasswordLink, User, UserSession, utcnow
from ..passwords import hash_password

IDLE_SIGNED_OUT = "{minutes}分間操作がなかったので、安全のためログアウトしました。もう一度ログインしてください。"


def token_digest(token: str) -> str:
    """Tokens are stored hashed: a leaked database does not log anyone in."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """Create a login session for ``user`` and return its raw token (kept in the signed cookie)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(token_hash=token_digest(token), user=user, created_at=now, last_seen_at=now,
                               expires_at=now + current_app.permanent_session_lifetime))
    user.session_token = token
    return token


def idle_timeout(user: User) -> timedelta:
    """How long ``user``'s session may go without a request: learners get longer than staff."""
    key = "IDLE_TIMEOUT_LEARNER" if user.role == Role.LEARNER.value else "IDLE_TIMEOUT_STAFF"
    return current_app.config[key]


def passive(view):
    """Mark a view that pages call by themselves (a reception page polling for changes): its requests
    are not activity, so a page left open still ends its session after the idle timeout."""
    view.passive_request = True
    return view


def _passive_request() -> bool:
    if not has_request_context() or request.endpoint is None:
        return False
    return getattr(current_app.view_functions.get(request.endpoint), "passive_request", False)


@cache
def _session_statement():
    """The session's user, the session row and the layout's badge count: one statement, built once."""
    return (select(User, UserSession.id, UserSession.last_seen_at, badge_column(User.id))
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("digest"), UserSession.expires_at > bindparam("now"),
                   User.active.is_(True)))


def load_session_user(token: str) -> User | None:
    """The active user whose session has ``token`` and is neither expired nor idle too long, or None.

    One query per request, which also reads the navigation badge's count (:func:`.layout.badge_column`).
    A session idle past :func:`idle_timeout` is deleted and the user is told why (``g.signed_out_idle``
    is set for the login redirect); an active one has ``last_seen_at`` moved forward at most once per
    ``SESSION_TOUCH_SECONDS``, except by :func:`passive` views. Both writes go through
    :func:`write_transaction`, so a GET on SQLite never upgrades its read transaction.
    """
    now = utcnow()
    row = db.session.execute(_session_statement(), {"digest": token_digest(token), "now": now}).first()
    if row is None:
        return None
    user, session_id, last_seen_at, badge = row
    remember_badge(badge)
    idle = now - last_seen_at
    limit = idle_timeout(user)
    if idle > limit:
        with write_transaction():
            db.session.execute(delete(UserSession).where(UserSession.id == session_id))
        g.signed_out_idle = True
        flash(IDLE_SIGNED_OUT.format(minutes=int(limit.total_seconds() // 60)), "info")
        return None
    if idle > timedelta(seconds=current_app.config["SESSION_TOUCH_SECONDS"]) and not _passive_request():
        with write_transaction():
            db.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    """Delete the session with ``token``: the cookie that carried it stops working."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


def end_all_sessions(user: User) -> None:
    """Log ``user`` out everywhere (after a password change, reset or deactivation)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def set_password(user: User, password: str) -> None:
    """Store a new password hash and end every existing session of the user."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def issue_set_password_link(user: User, issued_by: User | None, lifetime: timedelta | None = None) -> str:
    """Create a one-time link token for ``user``; earlier unused links for the user stop working.

    ``lifetime`` defaults to SET_PASSWORD_LINK_LIFETIME (a self-service reset passes one hour)."""
    now = utcnow()
    db.session.execute(
        delete(SetPasswordLink).where(SetPasswordLink.user_id == user.id, SetPasswordLink.used_at.is_(None))
    )
    token = secrets.token_urlsafe(32)
    lifetime = lifetime or current_app.config["SET_PASSWORD_LINK_LIFETIME"]
    db.session.add(SetPasswordLink(token_hash=token_digest(token), user=user,
                                   created_by_id=issued_by.id if issued_by else None,
                                   created_at=now, expires_at=now + lifetime))
    audit.record("set_password_link_issued", user, actor=issued_by)
    return token


def find_set_password_link(token: str) -> SetPasswordLink | None:
    """The unused, unexpired link with ``token``, or None."""
    link = db.session.scalar(select(SetPasswordLink).where(SetPasswordLink.token_hash == token_digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow() or not link.user.active:
        return None
    return link


def use_set_password_link(link: SetPasswordLink, password: str) -> bool:
    """Spend ``link`` on ``password``; False if another request spent it first."""
    claimed = db.session.execute(
        SetPasswordLink.__table__.update()
        .where(SetPasswordLink.id == link.id, SetPasswordLink.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        return False
    set_password(link.user, password)
    security_events.record("password_set_by_link", account=link.user_id, link=link.id)
    return True
