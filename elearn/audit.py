"""Record an action in the audit log, in the caller's transaction (the caller commits).

Every area records here (it sits beside :mod:`.database`, below every area). An entry is written
only if the action is: both go in one commit. It also goes to the ``elearn.security`` log line.
"""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from . import security_events
from .extensions import db
from .models import AuditEntry, User


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.role
    return None, "cli" if not has_request_context() else "anonymous"


def record(action: str, target: User | None = None, *, target_type: str = "", target_id: int | None = None,
           actor: User | None = None, **details) -> AuditEntry:
    """Add an entry for ``action`` on ``target`` (a user) or ``target_type``/``target_id``; details are ids and codes."""
    actor_id, actor_role = (actor.id, actor.role) if actor is not None else _actor()
    if target is not None:
        target_type, target_id = "user", target.id
    entry = AuditEntry(actor_id=actor_id, actor_role=actor_role, action=action, target_type=target_type,
                       target_id=target_id, details=details,
                       ip=(request.remote_addr or "")[:45] if has_request_context() else "",
                       route=(request.endpoint or "")[:100] if has_request_context() else "cli")
    db.session.add(entry)
    log_details = {"target": target_id} if target_type == "user" else (
        {"target_type": target_type, "target": target_id} if target_type else {})
    security_events.record(action, **log_details, **details)
    return entry
