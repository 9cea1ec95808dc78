"""Recording attendance on a cohort's in-person days: the one write every page uses.

The attendance page, the reception desk and the participant's own QR check-in all call
:func:`record_attendance`, so the rules hold for each of them:

- a day that has not come (Japan time) cannot be recorded, nor can an archived cohort;
- only enrolled participants are recorded; 未記録 means no row at all;
- a write says what the row showed (``expected``): when someone else recorded that participant
  since, the write is refused for that row, so an earlier view never overwrites a later mark;
- every change is logged in ``attendance_changes``, whose ids are the day's versions that reception
  pages poll for.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..dates import today
from ..extensions import db
from ..models import Attendance, AttendanceChange, AttendanceMethod, CohortDay, Enrolment, User, utcnow

#: The value for 未記録 (no record) wherever a state is sent or shown.
NOT_RECORDED_VALUE = "none"


class AttendanceError(ValueError):
    """Attendance that cannot be recorded (the message is for the person recording)."""


@dataclass
class Recorded:
    """What a write did: how many participants changed, and whose rows were refused because someone
    else recorded them after the writer's page showed them."""

    changed: int = 0
    refused: list[int] = field(default_factory=list)


def day_has_come(day: CohortDay) -> bool:
    """Attendance can be recorded from the day itself on (Japan time), never before."""
    return day.day <= today()


def _lock_day(day: CohortDay) -> None:
    """Serialise the writes to one day: PostgreSQL locks the day's row until commit (SQLite's writes
    are serialised already), so a day's check and write cannot interleave with another's and its
    change ids are committed in order."""
    db.session.execute(select(CohortDay.id).where(CohortDay.id == day.id).with_for_update())


def state_value(row: Attendance | None) -> str:
    """The state a row stands for: its status, or 未記録 without a row."""
    return row.status if row is not None else NOT_RECORDED_VALUE


def record_attendance(day: CohortDay, states: dict[int, str], recorder: User, *,
                      expected: dict[int, str] | None = None,
                      method: AttendanceMethod = AttendanceMethod.PAGE) -> Recorded:
    """Save the states given for enrolled participants; 未記録 removes a record.

    Only changed rows get the recorder, the time and ``method``, and a line in the change log. A
    participant in ``expected`` whose current state is no longer the one given there (someone else
    recorded them meanwhile) is left alone and listed in ``refused``; asking for the state a row
    already has is no change and no conflict.
    """
    if day.cohort.archived:
        raise AttendanceError("アーカイブした研修の出席は変更できません。")
    if not day_has_come(day):
        raise AttendanceError("まだ来ていない日の出席は記録できません。当日になってから記録してください。")
    _lock_day(day)
    ids = sorted(states)
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.cohort_id == day.cohort_id, Enrolment.user_id.in_(ids or [0]))))
    existing = {row.user_id: row for row in db.session.scalars(
        select(Attendance).where(Attendance.day_id == day.id, Attendance.user_id.in_(sorted(enrolled) or [0]))
        .execution_options(populate_existing=True))}
    now, result = utcnow(), Recorded()
    for user_id in sorted(enrolled):
        value, row = states[user_id], existing.get(user_id)
        current = state_value(row)
        if value == current:
            continue
        if expected is not None and user_id in expected and expected[user_id] != current:
            result.refused.append(user_id)
            continue
        if value == NOT_RECORDED_VALUE:
            db.session.delete(row)
        elif row is None:
            db.session.add(Attendance(day_id=day.id, user_id=user_id, status=value, recorded_by_id=recorder.id,
                                      recorded_at=now, method=method.value))
        else:
            row.status, row.recorded_by_id, row.recorded_at, row.method = value, recorder.id, now, method.value
        db.session.add(AttendanceChange(day_id=day.id, user_id=user_id, method=method.value, recorded_at=now,
                                        status=None if value == NOT_RECORDED_VALUE else value,
                                        recorded_by_id=recorder.id))
        result.changed += 1
    return result


def day_version(day: CohortDay) -> int:
    """The day's latest change id (0 before any): a page that read it, then the states, has seen
    every change up to it."""
    return db.session.scalar(select(func.max(AttendanceChange.id)).where(AttendanceChange.day_id == day.id)) or 0


def changed_since(day: CohortDay, version: int, until: int) -> list[int]:
    """The participants whose attendance on ``day`` changed after ``version`` (up to ``until``)."""
    return list(db.session.scalars(
        select(AttendanceChange.user_id).where(AttendanceChange.day_id == day.id, AttendanceChange.id > version,
                                               AttendanceChange.id <= until)
        .group_by(AttendanceChange.user_id).order_by(AttendanceChange.user_id)))
