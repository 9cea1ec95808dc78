"""Who may do what, defined in one place and used by views through decorators or one call."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from .extensions import db
from .models import Cohort, Enrolment, Role, User, cohort_organisers


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN.value


def is_organiser(user: User) -> bool:
    """Organisers and admins run trainings."""
    return user.is_authenticated and user.role in (Role.ORGANISER.value, Role.ADMIN.value)


def is_organiser_of(user: User, cohort: Cohort) -> bool:
    """Admins run every cohort; an organiser only the cohorts assigned to them."""
    if is_admin(user):
        return True
    if not is_organiser(user):
        return False
    return bool(db.session.scalar(select(exists().where(
        cohort_organisers.c.cohort_id == cohort.id, cohort_organisers.c.user_id == user.id))))


def organises_participant(actor: User, target: User) -> bool:
    """True when ``target`` is enrolled in a cohort assigned to ``actor``."""
    return bool(db.session.scalar(select(exists().where(
        Enrolment.user_id == target.id,
        Enrolment.cohort_id == cohort_organisers.c.cohort_id,
        cohort_organisers.c.user_id == actor.id))))


def can_issue_link_for(actor: User, target: User) -> bool:
    """Admins for anyone; organisers for learners enrolled in one of their cohorts."""
    if is_admin(actor):
        return True
    return is_organiser(actor) and target.role == Role.LEARNER.value and organises_participant(actor, target)


def can_view_certificate(user: User, cohort: Cohort, holder: User) -> bool:
    """The holder themself and the cohort's organisers (and admins)."""
    return user.is_authenticated and (user.id == holder.id or is_organiser_of(user, cohort))


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


def cohort_organiser_required(view):
    """Like ``organiser_required``, then 404 for an unknown cohort and 403 unless it is assigned to the
    user; the view receives the loaded ``cohort`` in place of ``cohort_id``."""
    @wraps(view)
    @organiser_required
    def wrapped(cohort_id: int, **kwargs):
        cohort = db.get_or_404(Cohort, cohort_id)
        if not is_organiser_of(current_user, cohort):
            abort(403)
        return view(cohort, **kwargs)
    return wrapped
