"""Who may do what, defined in one place and used by views through decorators or one call."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort
from flask_login import current_user, login_required
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from .dates import today
from .extensions import db
from .models import (BoardPost, BoardThread, CaseSheet, Cohort, CohortDay, Enrolment, GroupMember, GroupPlan, Role,
                     User, cohort_organisers)


def is_admin(user: User) -> bool:
    """Admins may do everything an organiser and a moderator may, and manage accounts."""
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


def link_targets(actor: User):
    """An SQL condition on :class:`User`: the accounts ``actor`` may issue set-password links for.

    Admins for anyone (every link is logged). An organiser only for learner accounts that have never
    had a password and were created by a roster import or the participant form of one of *their*
    cohorts: enrolling an existing account into a cohort gives its organisers no power over it. The
    one home of the rule: :func:`can_issue_link_for`, the participants page and the links CSV use it.
    """
    if is_admin(actor):
        return true()
    if not is_organiser(actor):
        return false()
    return and_(User.role == Role.LEARNER.value, User.password_hash.is_(None),
                User.created_for_cohort_id.in_(
                    select(cohort_organisers.c.cohort_id).where(cohort_organisers.c.user_id == actor.id)))


def can_issue_link_for(actor: User, target: User) -> bool:
    """Whether ``actor`` may issue a set-password link for ``target`` (see :func:`link_targets`)."""
    return bool(db.session.scalar(select(exists().where(User.id == target.id, link_targets(actor)))))


def link_target_ids(actor: User, user_ids: list[int]) -> set[int]:
    """Those of ``user_ids`` that ``actor`` may issue links for (one query)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(User.id).where(User.id.in_(user_ids), link_targets(actor))))


def can_view_certificate(user: User, cohort: Cohort, holder: User) -> bool:
    """The holder themself and the cohort's organisers (and admins)."""
    return user.is_authenticated and (user.id == holder.id or is_organiser_of(user, cohort))


def sheet_shared_with_enrolment():
    """An SQL condition on a :class:`CaseSheet` and an :class:`Enrolment` of its author: the sheet is
    shared with that cohort's organisers.

    A sheet is shared with the organisers of the cohorts its author was in when sharing it (sharing
    again includes later ones); enrolling someone into a cohort does not open their earlier sheets
    to its organisers.
    """
    return and_(CaseSheet.user_id == Enrolment.user_id, CaseSheet.shared_at.is_not(None),
                CaseSheet.shared_at >= Enrolment.enrolled_at)


def sheet_shared_with_group(viewer_id: int):
    """An SQL condition on a :class:`CaseSheet`: its author also shared it with their group, and
    ``viewer_id`` is in that group on an in-person day, while the cohort runs.

    The group must be locked (participants see groups only then), the cohort not archived and
    between its opening and the later of its closing and that day (Japan time); the author must have
    been enrolled in that cohort when sharing with the group, as for organisers.
    """
    return exists().where(
        CaseSheet.shared_at.is_not(None), CaseSheet.group_shared_at.is_not(None),
        *_running_group_of(CaseSheet.user_id, viewer_id),
        CaseSheet.group_shared_at >= Enrolment.enrolled_at)


def _running_group_of(author_id, viewer_id=None) -> list:
    """Conditions: ``viewer_id`` (or anyone else) is in ``author_id``'s locked group of a running cohort."""
    author, viewer = aliased(GroupMember), aliased(GroupMember)
    now = today()
    return [
        author.user_id == author_id, *([viewer.user_id == viewer_id] if viewer_id is not None else []),
        viewer.user_id != author.user_id, viewer.day_id == author.day_id, viewer.number == author.number,
        GroupPlan.day_id == author.day_id, GroupPlan.locked_at.is_not(None),
        CohortDay.id == author.day_id, Cohort.id == CohortDay.cohort_id, Cohort.archived.is_(False),
        Cohort.opens_on <= now, or_(Cohort.closes_on >= now, CohortDay.day >= now),
        Enrolment.cohort_id == Cohort.id, Enrolment.user_id == author_id]


def sheet_share_readers(author_id: int) -> tuple[bool, bool]:
    """Whether sharing a sheet now lets anyone read it: (an organiser of a cohort the author is in,
    another member of the author's group). Sharing is offered only where someone would read it."""
    organisers = exists().where(Enrolment.user_id == author_id, cohort_organisers.c.cohort_id == Enrolment.cohort_id)
    return (bool(db.session.scalar(select(organisers))),
            bool(db.session.scalar(select(exists().where(*_running_group_of(author_id))))))


def can_view_sheet(user: User, sheet: CaseSheet) -> bool:
    """A 事例検討シート is private to its author; once shared, admins and the organisers it is shared
    with (:func:`sheet_shared_with_enrolment`) may read it too, and, when the author also shared it
    with their group, that group's members while the cohort runs (:func:`sheet_shared_with_group`).
    Withdrawing the share withdraws every such access."""
    if not user.is_authenticated:
        return False
    if sheet.user_id == user.id:
        return True
    if sheet.shared_at is None:
        return False
    if is_admin(user):
        return True
    if is_organiser(user) and db.session.scalar(select(exists().where(
            CaseSheet.id == sheet.id, sheet_shared_with_enrolment(),
            Enrolment.cohort_id == cohort_organisers.c.cohort_id, cohort_organisers.c.user_id == user.id))):
        return True
    return sheet.group_shared_at is not None and bool(db.session.scalar(select(exists().where(
        CaseSheet.id == sheet.id, sheet_shared_with_group(user.id)))))


def can_moderate(user: User) -> bool:
    """Moderators and admins run the board's moderation queue."""
    return user.is_authenticated and user.role in (Role.MODERATOR.value, Role.ADMIN.value)


def can_reveal_author(user: User) -> bool:
    """Only admins may look up who wrote an anonymous post (and every look-up is logged)."""
    return is_admin(user)


def is_post_author(user: User, post: BoardPost) -> bool:
    """Whether ``user`` wrote ``post`` (known only to code: never shown for anonymous posts)."""
    return user.is_authenticated and post.author_id is not None and post.author_id == user.id


def can_read_thread(user: User, thread: BoardThread) -> bool:
    """A hidden thread is readable only by moderators and by its own author."""
    if thread.deleted_at is not None:
        return False
    return thread.hidden_at is None or can_moderate(user) or (
        user.is_authenticated and thread.author_id is not None and thread.author_id == user.id)


def can_reply(user: User, thread: BoardThread) -> bool:
    """Anyone signed in, while the thread is open, shown and not deleted."""
    return (user.is_authenticated and not thread.locked and thread.hidden_at is None
            and thread.deleted_at is None)


def can_edit_post(user: User, post: BoardPost) -> bool:
    """Only the author, while the post is shown and its thread is not locked."""
    return (is_post_author(user, post) and post.deleted_at is None and post.hidden_at is None
            and not post.thread.locked)


def can_delete_post(user: User, post: BoardPost) -> bool:
    """Only the author; always possible, so people can take back what they wrote."""
    return is_post_author(user, post) and post.deleted_at is None


def can_react(user: User, post: BoardPost) -> bool:
    """「わかります」 goes to someone else's shown post."""
    return (user.is_authenticated and not is_post_author(user, post) and post.deleted_at is None
            and post.hidden_at is None)


def can_report(user: User, post: BoardPost) -> bool:
    """Anyone may report someone else's shown post."""
    return can_react(user, post)


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
moderator_required = require(can_moderate)


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


def init_app(app: Flask) -> None:
    """Templates ask the same predicates by name: ``{% if is_organiser(current_user) %}``."""
    app.jinja_env.globals.update(is_admin=is_admin, is_organiser=is_organiser, can_moderate=can_moderate,
                                 can_reveal_author=can_reveal_author)
