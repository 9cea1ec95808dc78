"""The rules of a cohort: which modules count, when a participant has completed them, who is behind,
and who has earned the 修了証.

- Required modules are the cohort's chosen modules that are still current: a module retired from
  the content after the cohort was set up stops counting.
- A participant has completed the modules when there is at least one required module and they
  completed every one of them.
- Expected pace is even through the on-demand window; a participant is behind when they completed
  fewer modules than expected by today (from the deadline on, everything is expected).
- The certificate needs the modules completed and, once every in-person day has come, attendance
  (出席, 遅刻 or 早退) recorded on each of them (a cohort without in-person days needs the modules
  only). A day that has not come cannot be recorded, so a certificate never states attendance on a
  day still ahead.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import load_only

from ..dates import today
from ..extensions import db
from ..models import ATTENDED_VALUES, Attendance, Cohort, CohortDay, Module, Progress, cohort_modules


def required_modules(cohort: Cohort) -> list[Module]:
    """The cohort's required modules that are still current, in curriculum order (one query; their
    stored HTML is not read)."""
    return list(db.session.scalars(
        select(Module).options(load_only(Module.id, Module.slug, Module.kind, Module.curriculum, Module.position,
                                         Module.title, Module.minutes, Module.retired))
        .join(cohort_modules, cohort_modules.c.module_id == Module.id)
        .where(cohort_modules.c.cohort_id == cohort.id, Module.retired.is_(False))
        .order_by(Module.curriculum, Module.position)))


def current_required_counts(cohort_ids: list[int]):
    """A select of (cohort_id, number of current required modules), for grouping per cohort."""
    return (select(cohort_modules.c.cohort_id, func.count())
            .join(Module, Module.id == cohort_modules.c.module_id)
            .where(cohort_modules.c.cohort_id.in_(cohort_ids or [0]), Module.retired.is_(False))
            .group_by(cohort_modules.c.cohort_id))


def modules_complete(completed: int, required: int) -> bool:
    """Whether ``completed`` of ``required`` modules is done (nothing is complete without a requirement)."""
    return required > 0 and completed >= required


def modules_complete_sql(completed, required: int):
    """:func:`modules_complete` as an SQL condition on a count column."""
    return and_(completed >= required, literal(required) > 0)


def expected_done(cohort: Cohort, required: int, on: date) -> int:
    """Modules a participant should have completed by ``on`` at an even pace through the window.

    Nobody is behind before the window opens; from the deadline on, everything is expected.
    """
    if on < cohort.opens_on:
        return 0
    if on >= cohort.closes_on:
        return required
    elapsed = (on - cohort.opens_on).days + 1
    length = (cohort.closes_on - cohort.opens_on).days + 1
    return min(required, math.floor(required * elapsed / length))


@dataclass
class Eligibility:
    """How far a participant is from the certificate."""

    required: int
    completed: int
    days: int
    attended: int
    days_to_come: int = 0

    @property
    def modules_done(self) -> bool:
        return modules_complete(self.completed, self.required)

    @property
    def attendance_done(self) -> bool:
        return self.days_to_come == 0 and self.attended >= self.days

    @property
    def eligible(self) -> bool:
        return self.modules_done and self.attendance_done


def eligibility(cohort: Cohort, user_id: int, required_ids: list[int] | None = None) -> Eligibility:
    """Completed required modules and attended days of one participant (two or three queries)."""
    if required_ids is None:
        required_ids = [m.id for m in required_modules(cohort)]
    completed = db.session.scalar(select(func.count()).select_from(Progress).where(
        Progress.user_id == user_id, Progress.module_id.in_(required_ids),
        Progress.completed_at.is_not(None))) if required_ids else 0
    days, attended, to_come = db.session.execute(
        select(func.count(CohortDay.id), func.count(Attendance.id),
               func.count(CohortDay.id).filter(CohortDay.day > today()))
        .select_from(CohortDay)
        .outerjoin(Attendance, (Attendance.day_id == CohortDay.id) & (Attendance.user_id == user_id)
                   & Attendance.status.in_(ATTENDED_VALUES))
        .where(CohortDay.cohort_id == cohort.id)).one()
    return Eligibility(len(required_ids), completed, days, attended, to_come)
