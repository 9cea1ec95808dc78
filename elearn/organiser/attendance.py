"""Attendance on a cohort's in-person days: 出席 / 遅刻 / 早退 / 欠席, or 未記録 until someone records it.

One page per day; a save writes only the rows whose state was changed on the form, each with who
recorded it and when. A day that has not come yet cannot be recorded.
"""
from __future__ import annotations

from sqlalchemy import and_, func, select

from ..dates import today
from ..extensions import db
from ..models import Attendance, AttendanceStatus, CohortDay, Enrolment, User, utcnow
from ..queries import Page, paginate, person_matches, person_order

PER_PAGE = 200
#: The form's value for 未記録 (taking a record back).
NOT_RECORDED_VALUE = "none"
CHOICES = [(status.value, status.label) for status in AttendanceStatus] + [(NOT_RECORDED_VALUE, "未記録")]


class AttendanceError(ValueError):
    """Attendance that cannot be recorded (the message is for the organiser)."""


def day_has_come(day: CohortDay) -> bool:
    """Attendance can be recorded from the day itself on (Japan time), never before."""
    return day.day <= today()


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
    return paginate(statement.order_by(*person_order()), page, PER_PAGE, rows=True)


def day_counts(day: CohortDay) -> dict[str, int]:
    """Participants per state on ``day``, 未記録 included (two queries)."""
    counts = dict(db.session.execute(select(Attendance.status, func.count()).where(Attendance.day_id == day.id)
                                     .group_by(Attendance.status)).all())
    enrolled = db.session.scalar(select(func.count()).select_from(Enrolment)
                                 .where(Enrolment.cohort_id == day.cohort_id)) or 0
    shown = {status.value: counts.get(status.value, 0) for status in AttendanceStatus}
    shown[NOT_RECORDED_VALUE] = max(0, enrolled - sum(shown.values()))
    return shown


def parse_states(form, shown: list[int]) -> dict[int, str]:
    """``{user_id: state}`` for the participants whose ``status-<user id>`` was changed on the form.

    A row left as it was shown (``was-<user id>``) is no change, so saving a page never overwrites
    what another organiser recorded meanwhile for someone this page did not touch. Unknown values
    are refused.
    """
    allowed = {value for value, _ in CHOICES}
    states = {}
    for user_id in shown:
        value = form.get(f"status-{user_id}")
        if value is None or value == form.get(f"was-{user_id}"):
            continue
        if value not in allowed:
            raise AttendanceError("出席の状態を選び直してください。")
        states[user_id] = value
    return states


def record_attendance(day: CohortDay, states: dict[int, str], recorder: User) -> int:
    """Save the states given for enrolled participants; only changed rows get the recorder and time,
    未記録 removes a record. Returns how many participants changed."""
    if not day_has_come(day):
        raise AttendanceError("まだ来ていない日の出席は記録できません。当日になってから記録してください。")
    ids = sorted(states)
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.cohort_id == day.cohort_id, Enrolment.user_id.in_(ids or [0]))))
    existing = {row.user_id: row for row in db.session.scalars(select(Attendance).where(
        Attendance.day_id == day.id, Attendance.user_id.in_(sorted(enrolled) or [0])))}
    now, changed = utcnow(), 0
    for user_id in sorted(enrolled):
        value, row = states[user_id], existing.get(user_id)
        if value == NOT_RECORDED_VALUE:
            if row is None:
                continue
            db.session.delete(row)
        elif row is None:
            db.session.add(Attendance(day_id=day.id, user_id=user_id, status=value, recorded_by_id=recorder.id,
                                      recorded_at=now))
        elif row.status != value:
            row.status, row.recorded_by_id, row.recorded_at = value, recorder.id, now
        else:
            continue
        changed += 1
    return changed
