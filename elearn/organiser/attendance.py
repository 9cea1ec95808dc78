"""Attendance on a cohort's in-person days: one page per day, saved in one POST, with who and when."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from ..extensions import db
from ..models import Attendance, CohortDay, Enrolment, User, utcnow
from ..queries import Page, paginate, person_matches

PER_PAGE = 200


def attendance_page(day: CohortDay, query: str = "", page: int = 1) -> Page:
    """Participants (by name, optionally searched) with their attendance row for ``day`` and its recorder."""
    recorder = db.aliased(User)
    statement = (select(User.id, User.display_name, User.organisation, Attendance, recorder.display_name)
                 .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
                 .outerjoin(Attendance, and_(Attendance.user_id == User.id, Attendance.day_id == day.id))
                 .outerjoin(recorder, recorder.id == Attendance.recorded_by_id)
                 .where(Enrolment.cohort_id == day.cohort_id))
    matching = person_matches(query)
    if matching is not None:
        statement = statement.where(matching)
    return paginate(statement.order_by(User.display_name, User.id), page, PER_PAGE, rows=True)


def day_counts(day: CohortDay) -> tuple[int, int]:
    """(present, recorded) on ``day``."""
    present, recorded = db.session.execute(
        select(func.count(Attendance.id).filter(Attendance.present.is_(True)), func.count(Attendance.id))
        .where(Attendance.day_id == day.id)).one()
    return present, recorded


def record_attendance(day: CohortDay, shown: list[int], present: set[int], recorder: User) -> int:
    """Save attendance for the participants that were on the form: checked means present, unchecked
    absent. Only changed or new rows get the recorder and time. Returns how many rows changed."""
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.cohort_id == day.cohort_id, Enrolment.user_id.in_(shown or [0]))))
    existing = {row.user_id: row for row in db.session.scalars(select(Attendance).where(
        Attendance.day_id == day.id, Attendance.user_id.in_(sorted(enrolled) or [0])))}
    now, changed = utcnow(), 0
    for user_id in sorted(enrolled):
        value = user_id in present
        row = existing.get(user_id)
        if row is None:
            db.session.add(Attendance(day_id=day.id, user_id=user_id, present=value,
                                      recorded_by_id=recorder.id, recorded_at=now))
        elif row.present != value:
            row.present, row.recorded_by_id, row.recorded_at = value, recorder.id, now
        else:
            continue
        changed += 1
    return changed
