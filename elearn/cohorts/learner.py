"""A learner's cohorts as they see them: deadlines, in-person days and required-module progress."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..dates import today
from ..extensions import db
from ..models import ATTENDED_VALUES, Attendance, Cohort, CohortDay, Enrolment, Module, cohort_modules
from .rules import Eligibility, modules_complete


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
    counts, how many of those the learner completed (stored on the enrolment, elearn.cohorts.counts)
    and the days they attended (two queries: cohorts with their counts, then their days)."""
    required = (select(func.count()).select_from(cohort_modules).join(Module, Module.id == cohort_modules.c.module_id)
                .where(cohort_modules.c.cohort_id == Cohort.id, Module.retired.is_(False)).scalar_subquery())
    attended = (select(func.count()).select_from(Attendance).join(CohortDay, CohortDay.id == Attendance.day_id)
                .where(CohortDay.cohort_id == Cohort.id, Attendance.user_id == user_id,
                       Attendance.status.in_(ATTENDED_VALUES)).scalar_subquery())
    rows = db.session.execute(
        select(Cohort, required, Enrolment.modules_done, attended).join(Enrolment)
        .where(Enrolment.user_id == user_id, Cohort.archived.is_(False)).order_by(Cohort.closes_on, Cohort.id)).all()
    if not rows:
        return []
    days: dict[int, list[date]] = {}
    for cohort_id, day in db.session.execute(select(CohortDay.cohort_id, CohortDay.day).where(
            CohortDay.cohort_id.in_([c.id for c, *_ in rows])).order_by(CohortDay.day)):
        days.setdefault(cohort_id, []).append(day)
    now = today()
    return [LearnerCohort(c.id, c.name, c.curriculum, c.curriculum_label, c.opens_on, c.closes_on, c.place,
                          days.get(c.id, []), needed, done, present, now)
            for c, needed, done, present in rows]
