"""Stored completion counts: per participant (``enrolments.modules_done``, ``last_done_at``) and per
required module (``cohort_modules.completions``), so the organiser dashboard reads them instead of
aggregating a cohort's progress.

Kept exact in the transaction that changes them:
- a completion (:func:`record_completion`, called by the quiz in the completing transaction) adds one;
- anything else that changes what is counted — a participant enrolled or removed, a cohort's required
  modules changed, a module retired or restored, progress written through the ORM — marks the cohort
  (or the participant), and the session recomputes what is marked from progress just before it
  commits (:func:`init_app` wires the session events). Core bulk inserts bypass this: call
  :func:`refresh_counts` after them (bench/extra.py does).
:func:`count_problems` compares the stored counts with progress (``elearn counts check``).
"""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, case, event, func, inspect, select, update
from sqlalchemy.orm import Session

from ..database import execute
from ..extensions import db
from ..models import Cohort, Enrolment, Module, Progress, cohort_modules

PENDING = "elearn.count_cohorts"
PENDING_USERS = "elearn.count_users"


def _done_current_required(enrolment=Enrolment):
    """Correlated select parts: the participant's completed, current required modules of its cohort."""
    return (select(func.count(), func.max(Progress.completed_at))
            .select_from(Progress)
            .join(cohort_modules, cohort_modules.c.module_id == Progress.module_id)
            .join(Module, Module.id == cohort_modules.c.module_id)
            .where(cohort_modules.c.cohort_id == enrolment.cohort_id, Progress.user_id == enrolment.user_id,
                   Progress.completed_at.is_not(None), Module.retired.is_(False)))


def _completions_of_module():
    """Correlated count: the cohort's participants who completed the cohort_modules row's module."""
    return (select(func.count()).select_from(Progress)
            .join(Enrolment, Enrolment.user_id == Progress.user_id)
            .where(Enrolment.cohort_id == cohort_modules.c.cohort_id,
                   Progress.module_id == cohort_modules.c.module_id, Progress.completed_at.is_not(None))
            .scalar_subquery())


def refresh_counts(cohort_ids) -> None:
    """Recompute the stored counts of ``cohort_ids`` from progress (two UPDATE statements)."""
    ids = sorted(set(cohort_ids))
    if not ids:
        return
    done = _done_current_required()
    db.session.execute(update(Enrolment).where(Enrolment.cohort_id.in_(ids)).values(
        modules_done=done.with_only_columns(func.count()).scalar_subquery(),
        last_done_at=done.with_only_columns(func.max(Progress.completed_at)).scalar_subquery()),
        execution_options={"synchronize_session": False})
    db.session.execute(update(cohort_modules).where(cohort_modules.c.cohort_id.in_(ids))
                       .values(completions=_completions_of_module()))


def refresh_participants(user_ids) -> None:
    """Recompute the stored counts of ``user_ids``'s enrolments and of their cohorts' modules."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    done = _done_current_required()
    db.session.execute(update(Enrolment).where(Enrolment.user_id.in_(ids)).values(
        modules_done=done.with_only_columns(func.count()).scalar_subquery(),
        last_done_at=done.with_only_columns(func.max(Progress.completed_at)).scalar_subquery()),
        execution_options={"synchronize_session": False})
    cohorts = select(Enrolment.cohort_id).where(Enrolment.user_id.in_(ids))
    db.session.execute(update(cohort_modules).where(cohort_modules.c.cohort_id.in_(cohorts))
                       .values(completions=_completions_of_module()))


def record_completion(user_id: int, module_id: int, at: datetime) -> None:
    """``user_id`` has just completed ``module_id``: add it to the counts of every cohort requiring it.

    Call only for a completion that did not exist before, in the transaction that stores it.
    """
    parameters = {"user": user_id, "module": module_id, "at": at}
    for statement in _completion_updates():
        execute(statement, parameters)


@cache
def _completion_updates():
    """The two UPDATEs of :func:`record_completion`, built once (it runs on every first pass)."""
    user, module, at = bindparam("user"), bindparam("module"), bindparam("at", type_=Enrolment.last_done_at.type)
    requiring = select(cohort_modules.c.cohort_id).join(Module, Module.id == cohort_modules.c.module_id).where(
        cohort_modules.c.module_id == module, Module.retired.is_(False))
    enrolled = select(Enrolment.cohort_id).where(Enrolment.user_id == user)
    enrolments = Enrolment.__table__
    return (update(enrolments).where(enrolments.c.user_id == user, enrolments.c.cohort_id.in_(requiring))
            .values(modules_done=enrolments.c.modules_done + 1, last_done_at=_later(at)),
            update(cohort_modules).where(cohort_modules.c.module_id == module, cohort_modules.c.cohort_id.in_(enrolled))
            .values(completions=cohort_modules.c.completions + 1))


def _later(at: datetime):
    """``last_done_at`` moved to ``at`` unless it is already later."""
    return case((and_(Enrolment.last_done_at.is_not(None), Enrolment.last_done_at > at), Enrolment.last_done_at),
                else_=at)


def count_problems() -> list[str]:
    """Stored counts that disagree with progress, one line each (an empty list when all agree)."""
    problems = []
    expected = _done_current_required().with_only_columns(func.count()).scalar_subquery()
    for cohort_id, user_id, stored, actual in db.session.execute(
            select(Enrolment.cohort_id, Enrolment.user_id, Enrolment.modules_done, expected)
            .where(Enrolment.modules_done != expected).order_by(Enrolment.cohort_id, Enrolment.user_id)):
        problems.append(f"cohort {cohort_id} user {user_id}: modules_done {stored}, progress says {actual}")
    actual = _completions_of_module()
    for cohort_id, module_id, stored, counted in db.session.execute(
            select(cohort_modules.c.cohort_id, cohort_modules.c.module_id, cohort_modules.c.completions, actual)
            .where(cohort_modules.c.completions != actual)
            .order_by(cohort_modules.c.cohort_id, cohort_modules.c.module_id)):
        problems.append(f"cohort {cohort_id} module {module_id}: completions {stored}, progress says {counted}")
    return problems


def all_cohort_ids() -> list[int]:
    """Every cohort's id (for a full recount)."""
    return list(db.session.scalars(select(Cohort.id)))


# --- keeping counts exact on changes other than completions ------------------------------------


def _mark(session: Session, cohort_ids) -> None:
    session.info.setdefault(PENDING, set()).update(i for i in cohort_ids if i is not None)


def _after_flush(session: Session, _context) -> None:
    """Note the cohorts whose counted set changed in this flush (enrolments, required modules, retirement)."""
    changed: set[int] = set()
    retired_modules: list[int] = []
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, Enrolment):
            changed.add(obj.cohort_id)
    for obj in session.dirty:
        if isinstance(obj, Cohort) and inspect(obj).attrs.required_modules.history.has_changes():
            changed.add(obj.id)
        elif isinstance(obj, Module) and inspect(obj).attrs.retired.history.has_changes():
            retired_modules.append(obj.id)
    for obj in session.new:
        if isinstance(obj, Cohort):
            changed.add(obj.id)
    users = {obj.user_id for obj in session.new | session.deleted
             if isinstance(obj, Progress) and obj.completed_at is not None}
    users.update(obj.user_id for obj in session.dirty
                 if isinstance(obj, Progress) and inspect(obj).attrs.completed_at.history.has_changes())
    if users:  # progress written through the ORM (the quiz writes in SQL and calls record_completion)
        session.info.setdefault(PENDING_USERS, set()).update(users)
    if retired_modules:
        changed.update(session.scalars(select(cohort_modules.c.cohort_id).where(
            cohort_modules.c.module_id.in_(retired_modules))))
    if changed:
        _mark(session, changed)


def _before_commit(session: Session) -> None:
    """Recompute what is marked in the committing transaction (commit flushes after this hook: flush first)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    if not (session.info.get(PENDING) or session.info.get(PENDING_USERS)):
        return
    refresh_counts(session.info.pop(PENDING, set()))
    refresh_participants(session.info.pop(PENDING_USERS, set()))


def _forget(session: Session, *_args) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(PENDING_USERS, None)


def init_app(app) -> None:
    """Wire the session events once (they apply to every session of the app's ``db``)."""
    target = db.session
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
        event.listen(target, "before_commit", _before_commit)
        event.listen(target, "after_rollback", _forget)
