"""A learner's cohorts as they see them: deadlines, in-person days and required-module progress."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..dates import today
from ..extensions import db
from ..models import ATTENDED_VALUES, Attendance, Cohort, CohortDay, Enrolment, Progress, cohort_modules
from .rules import Eligibility, current_required_counts, modules_complete


@dataclass
class LearnerCohort:
    """A cohort as its participant sees it on the dashboard and the certificates page."""

    id: int
    name: str
    curriculum: str
    curriculum_label: str
    opens_on: date
    closes_on: date
    place: str
    days: list[date]
    required: int
    completed: int
    attended: int
    today: date

    @property
    def days_left(self) -> int:
        """Days until the on-demand deadline (0 on the day, negative after it)."""
        return (self.closes_on - self.today).days

    @property
    def next_day(self) -> date | None:
        """The next in-person day from today on, if any."""
        return next((d for d in self.days if d >= self.today), None)

    @property
    def complete(self) -> bool:
        """Every required module is done."""
        return modules_complete(self.completed, self.required)

    @property
    def certificate_ready(self) -> bool:
        """The 修了証 rule holds: modules done and 出席 on every in-person day."""
        to_come = sum(1 for day in self.days if day > self.today)
        return Eligibility(self.required, self.completed, len(self.days), self.attended, to_come).eligible


def cohorts_for_learner(user_id: int) -> list[LearnerCohort]:
    """The learner's active (not archived) cohorts, nearest deadline first, with their required-module
    counts, how many of those the learner completed and the days they attended (four queries)."""
    cohorts = list(db.session.scalars(
        select(Cohort).join(Enrolment).where(Enrolment.user_id == user_id, Cohort.archived.is_(False))
        .options(selectinload(Cohort.days)).order_by(Cohort.closes_on, Cohort.id)))
    if not cohorts:
        return []
    counts = current_required_counts([c.id for c in cohorts])
    required = dict(db.session.execute(counts).all())
    done = dict(db.session.execute(
        counts.join(Progress, Progress.module_id == cohort_modules.c.module_id)
        .where(Progress.user_id == user_id, Progress.completed_at.is_not(None))).all())
    attended = dict(db.session.execute(
        select(CohortDay.cohort_id, func.count()).join(Attendance, Attendance.day_id == CohortDay.id)
        .where(CohortDay.cohort_id.in_([c.id for c in cohorts]), Attendance.user_id == user_id,
               Attendance.status.in_(ATTENDED_VALUES))
        .group_by(CohortDay.cohort_id)).all())
    now = today()
    return [LearnerCohort(c.id, c.name, c.curriculum, c.curriculum_label, c.opens_on, c.closes_on, c.place,
                          [d.day for d in c.days], required.get(c.id, 0), done.get(c.id, 0), attended.get(c.id, 0),
                          now)
            for c in cohorts]
