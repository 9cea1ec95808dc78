"""Reception mode (受付) for an in-person day: a large row per participant, one tap for 出席 (or back to
未記録), live counts, and what changed since a page's version so two desks see each other's marks.

Marks go through :func:`elearn.cohorts.attendance.record_attendance` with the state the row showed,
so a desk that has not seen a colleague's later mark yet is refused instead of overwriting it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from ..cohorts.attendance import (NOT_RECORDED_VALUE, AttendanceError, changed_since, day_version,
                                  record_attendance)
from ..dates import local_datetime
from ..extensions import db
from ..models import (ATTENDED_VALUES, NOT_RECORDED, Attendance, AttendanceChange, AttendanceMethod, AttendanceStatus,
                      CohortDay, Enrolment, User)
from ..queries import Page, contains, paginate, search_text
from .attendance import day_counts

PER_PAGE = 500
#: How often an open reception page asks for changes.
POLL_SECONDS = 3
#: What the search box matches, on the server (``?q=``) and as one types (each row's ``data-search``):
#: a column added here (ふりがな) is searched both ways.
SEARCH_COLUMNS = (User.display_name, User.organisation, User.email)
#: What a tap at the desk may record: 出席, or back to 未記録 (取消).
TAP_STATES = (AttendanceStatus.PRESENT.value, NOT_RECORDED_VALUE)
KNOWN_STATES = {status.value for status in AttendanceStatus} | {NOT_RECORDED_VALUE}


@dataclass
class ReceptionRow:
    """One participant as the reception page shows them (and sends them to the page's script)."""

    user_id: int
    name: str
    organisation: str
    search: str
    state: str
    recorded_at: datetime | None = None
    recorder: str | None = None
    method: str | None = None
    #: The participant's latest change id on the day: a page never replaces a row by an older answer.
    version: int = 0

    @property
    def attended(self) -> bool:
        return self.state in ATTENDED_VALUES

    @property
    def label(self) -> str:
        return NOT_RECORDED if self.state == NOT_RECORDED_VALUE else AttendanceStatus(self.state).label

    @property
    def note(self) -> str:
        """When, by whom and how the state was recorded: 「10:03 山田 太郎・受付」."""
        if self.recorded_at is None:
            return ""
        parts = [f"{local_datetime(self.recorded_at):%H:%M}", self.recorder or ""]
        text = " ".join(part for part in parts if part)
        return f"{text}・{AttendanceMethod(self.method).label}" if self.method else text

    def as_json(self) -> dict:
        return {"user_id": self.user_id, "state": self.state, "label": self.label, "note": self.note,
                "attended": self.attended, "version": self.version}


def _statement(day: CohortDay):
    recorder = db.aliased(User)
    searched = [column.label(f"search_{n}") for n, column in enumerate(SEARCH_COLUMNS)]
    version = (select(func.max(AttendanceChange.id))
               .where(AttendanceChange.day_id == day.id, AttendanceChange.user_id == User.id).scalar_subquery())
    return (select(User.id, User.display_name, User.organisation, Attendance.status, Attendance.recorded_at,
                   recorder.display_name, Attendance.method, version, *searched)
            .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
            .outerjoin(Attendance, and_(Attendance.user_id == User.id, Attendance.day_id == day.id))
            .outerjoin(recorder, recorder.id == Attendance.recorded_by_id)
            .where(Enrolment.cohort_id == day.cohort_id))


def _row(values) -> ReceptionRow:
    user_id, name, organisation, status, recorded_at, recorder, method, version, *searched = values
    return ReceptionRow(user_id, name, organisation or "", " ".join(value or "" for value in searched),
                        status or NOT_RECORDED_VALUE, recorded_at, recorder, method, version or 0)


def reception_page(day: CohortDay, query: str = "", page: int = 1) -> Page:
    """The day's participants by name, optionally searched, as :class:`ReceptionRow` (two queries)."""
    statement = _statement(day)
    query = search_text(query)
    if query:
        statement = statement.where(contains(SEARCH_COLUMNS, query))
    result = paginate(statement.order_by(User.display_name, User.id), page, PER_PAGE, rows=True)
    result.items = [_row(values) for values in result.items]
    return result


def reception_rows(day: CohortDay, user_ids: list[int]) -> list[ReceptionRow]:
    """The rows of these participants of the day (one query)."""
    if not user_ids:
        return []
    statement = _statement(day).where(User.id.in_(user_ids)).order_by(User.id)
    return [_row(values) for values in db.session.execute(statement)]


def reception_counts(day: CohortDay) -> dict[str, int]:
    """出席 (everyone who came: 出席・遅刻・早退) and 予定 (every participant), with each state's count."""
    counts = day_counts(day)
    return counts | {"attended": sum(counts[value] for value in ATTENDED_VALUES),
                     "expected": sum(counts.values())}


def changes(day: CohortDay, since: int) -> dict:
    """What a page at version ``since`` has not seen: the rows changed after it, the counts, the new
    version. The version is read first, so nothing committed before it is missed."""
    version = day_version(day)
    if since > version:  # a version this day never had: send everything logged
        since = 0
    rows = reception_rows(day, changed_since(day, since, version)) if since < version else []
    return {"version": version, "rows": [row.as_json() for row in rows], "counts": reception_counts(day)}


@dataclass
class Mark:
    """What a tap did: ``saved``, ``same`` (the row already had that state) or ``conflict`` (someone
    recorded the participant after this page showed them; nothing was changed), and the row now."""

    result: str
    row: ReceptionRow

    @property
    def message(self) -> str:
        if self.result == "saved":
            return f"{self.row.name} さん：{self.row.label}"
        if self.result == "same":
            return f"{self.row.name} さんは、すでに「{self.row.label}」です。"
        return (f"{self.row.name} さんは、ほかの担当者（または本人のQR受付）が先に「{self.row.label}」と記録していたため、"
                "変更していません。表示を更新しました。確かめてから、もう一度操作してください。")


def mark(day: CohortDay, user_id: int, status: str, was: str, recorder: User) -> Mark:
    """Record a tap at the desk for one participant, refused when the row showed an outdated state.

    Raises :class:`AttendanceError` for an unknown state, a day that has not come or an archived
    cohort; the caller commits.
    """
    if status not in TAP_STATES or was not in KNOWN_STATES:
        raise AttendanceError("出席の状態を選び直してください。")
    written = record_attendance(day, {user_id: status}, recorder, expected={user_id: was},
                                method=AttendanceMethod.DESK)
    db.session.flush()
    row = reception_rows(day, [user_id])[0]
    return Mark("conflict" if written.refused else "saved" if written.changed else "same", row)
