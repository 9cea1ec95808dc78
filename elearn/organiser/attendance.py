"""Attendance on a cohort's in-person days: 出席 / 遅刻 / 早退 / 欠席, or 未記録 until someone records it.

One page per day; a save writes only the rows whose state was changed on the form, each with who
recorded it and when, and never a row someone else recorded after the page was shown. A day that
has not come yet cannot be recorded. The write itself is :func:`elearn.cohorts.attendance.record_attendance`,
shared with reception mode and QR check-in.
"""
from __future__ import annotations

from sqlalchemy import and_, func, select

from ..cohorts.attendance import NOT_RECORDED_VALUE, AttendanceError, Recorded
from ..extensions import db
from ..models import Attendance, AttendanceChange, AttendanceMethod, AttendanceStatus, CohortDay, Enrolment, User
from ..queries import Page, paginate, person_matches, person_order

PER_PAGE = 200
CHOICES = [(status.value, status.label) for status in AttendanceStatus] + [(NOT_RECORDED_VALUE, "未記録")]


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


def shown_states(form, user_ids) -> dict[int, str]:
    """``{user_id: state}`` as the form showed each row (``was-<user id>``), for the write to check."""
    return {user_id: form[f"was-{user_id}"] for user_id in user_ids if f"was-{user_id}" in form}


def saved_message(result: Recorded) -> str:
    """The flash after a save: how many changed, and how many were left because someone else recorded them."""
    message = f"出席を保存しました（{result.changed}人分を更新）。"
    if result.refused:
        message += (f"{len(result.refused)}人分は、このページを開いた後にほかの担当者（または本人のQR受付）が"
                    "記録していたため変更していません。表示を確認してください。")
    return message


def self_checkins(day: CohortDay) -> list:
    """Every QR self check-in on ``day``, oldest first, as (when, name): the log stays when an
    organiser corrects the record afterwards."""
    return db.session.execute(
        select(AttendanceChange.recorded_at, User.display_name).join(User, User.id == AttendanceChange.user_id)
        .where(AttendanceChange.day_id == day.id, AttendanceChange.method == AttendanceMethod.QR.value)
        .order_by(AttendanceChange.id)).all()
