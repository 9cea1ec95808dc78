"""Who may do what, defined in one place and used by views through decorators or one call."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role, User


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN.value


def is_organiser(user: User) -> bool:
    """Organisers and admins run trainings."""
    return user.is_authenticated and user.role in (Role.ORGANISER.value, Role.ADMIN.value)


def can_issue_link_for(actor: User, target: User) -> bool:
    """Admins for anyone; organisers for learners (cohort-scoped once cohorts exist)."""
    if is_admin(actor):
        return True
    return is_organiser(actor) and target.role == Role.LEARNER.value


def can_view_sheet(user: User, sheet) -> bool:
    """A 事例検討シート is private to its author (cohort organisers see shared ones on the cohort page)."""
    return user.is_authenticated and sheet.user_id == user.id


def require(predicate):
    """A view decorator: log in first, then 403 unless ``predicate(current_user)``."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


organiser_required = require(is_organiser)
admin_required = require(is_admin)
