"""Security events in the application log: access refused, failed logins, lockouts, and credential
actions on someone else's account.

Records say who (an account id, never a name or an email), what, on which route, from which
address and when (the log's timestamp); never what anyone wrote or typed. They go to the
``elearn.security`` logger through the standard :mod:`logging` module (stderr by default, so
gunicorn's error log keeps them); an operator may route that logger elsewhere.
"""
from __future__ import annotations

import logging

from flask import Flask, has_request_context, request
from flask_login import current_user

logger = logging.getLogger("elearn.security")


def _actor() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return f"user={current_user.id} role={current_user.role}"
    return "user=anonymous"


def _where() -> str:
    if not has_request_context():
        return "route=cli"
    return f"method={request.method} route={request.endpoint or '-'} path={request.path} ip={request.remote_addr}"


def record(event: str, **details) -> None:
    """Log one security event with the acting user and the request; ``details`` are ids and codes only."""
    extra = "".join(f" {key}={value}" for key, value in details.items())
    logger.warning("%s %s %s%s", event, _actor(), _where(), extra)


def access_denied(status: int) -> None:
    """A request refused with 401 or 403."""
    record("access_denied", status=status)


def login_failed(account_id: int | None) -> None:
    """A wrong password, an unknown email or a deactivated account (the email itself is not logged)."""
    record("login_failed", account=account_id if account_id is not None else "unknown")


def login_locked(account_id: int | None) -> None:
    """Login attempts over a limit (per account or per address)."""
    record("login_locked", account=account_id if account_id is not None else "unknown")


def init_app(app: Flask) -> None:
    """Give the ``elearn`` loggers a stderr handler unless the deployment configured one."""
    parent = logging.getLogger("elearn")
    if not parent.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        parent.addHandler(handler)
    if parent.level == logging.NOTSET:
        parent.setLevel(logging.INFO)
