"""Cohorts (a training run), their participants, attendance, certificates and roster imports."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .content import CURRICULA, Module
from .user import User

#: Curricula a cohort can run (hints and cases are open to everyone, outside cohorts).
COHORT_CURRICULA = {key: CURRICULA[key] for key in ("initial", "followup")}

cohort_organisers = Table(
    "cohort_organisers", db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

cohort_modules = Table(
    "cohort_modules", db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("module_id", ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    # Participants who completed the module, kept by elearn.cohorts.counts (checked by `elearn counts check`).
    Column("completions", Integer, nullable=False, default=0, server_default="0"),
)


class Cohort(db.Model):
    """One training run: an on-demand window, in-person days, capacity and required modules."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    curriculum: Mapped[str] = mapped_column(String(20))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column()
    archived: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    days: Mapped[list[CohortDay]] = relationship(
        back_populates="cohort", order_by="CohortDay.day", cascade="all, delete-orphan", passive_deletes=True
    )
    organisers: Mapped[list[User]] = relationship(secondary=cohort_organisers, order_by=User.sort_name)
    required_modules: Mapped[list[Module]] = relationship(
        secondary=cohort_modules, order_by=(Module.curriculum, Module.position)
    )
    enrolments: WriteOnlyMapped[Enrolment] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def curriculum_label(self) -> str:
        return CURRICULA.get(self.curriculum, self.curriculum)

    @property
    def place(self) -> str:
        """会場 as shown to people: the venue, オンライン, or both."""
        parts = [self.venue] if self.venue else []
        if self.online:
            parts.append("オンライン")
        return "・".join(parts)


class CohortDay(db.Model):
    """An in-person (or live online) day of a cohort, on which attendance is taken."""

    __tablename__ = "cohort_days"
    __table_args__ = (UniqueConstraint("cohort_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)

    cohort: Mapped[Cohort] = relationship(back_populates="days")


class Enrolment(db.Model):
    """A participant of a cohort (one row per cohort and user)."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Current required modules completed and the last such completion, kept by elearn.cohorts.counts.
    modules_done: Mapped[int] = mapped_column(default=0, server_default="0")
    last_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AttendanceStatus(str, enum.Enum):
    """What was recorded for a participant on an in-person day; no record at all is 未記録."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]

    @property
    def attended(self) -> bool:
        """出席・遅刻・早退 count as having attended the day; 欠席 does not."""
        return self is not AttendanceStatus.ABSENT


ATTENDANCE_LABELS = {AttendanceStatus.PRESENT: "出席", AttendanceStatus.LATE: "遅刻",
                     AttendanceStatus.LEFT_EARLY: "早退", AttendanceStatus.ABSENT: "欠席"}
NOT_RECORDED = "未記録"
#: The stored values that count as having attended.
ATTENDED_VALUES = tuple(status.value for status in AttendanceStatus if status.attended)


class Attendance(db.Model):
    """What was recorded for a participant on a cohort day, and who recorded it when.

    A participant without a row is 未記録 (not yet recorded), never absent.
    """

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("day_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("cohort_days.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # an AttendanceStatus value
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: How this record was made (an AttendanceMethod value): the attendance page, the reception desk,
    #: or the participant's own QR check-in (then ``recorded_by`` is the participant).
    method: Mapped[str] = mapped_column(String(8), default="page", server_default="page")

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def state(self) -> AttendanceStatus:
        return AttendanceStatus(self.status)

    @property
    def attended(self) -> bool:
        return self.state.attended

    @property
    def method_label(self) -> str:
        return AttendanceMethod(self.method).label


class AttendanceMethod(str, enum.Enum):
    """Where an attendance record was made."""

    PAGE = "page"
    DESK = "desk"
    QR = "qr"

    @property
    def label(self) -> str:
        return {"page": "出席ページ", "desk": "受付", "qr": "QR（本人）"}[self.value]


class AttendanceChange(db.Model):
    """Every attendance write, in order: the state a participant was given on a day (None: taken back to
    未記録), how, by whom and when.

    The id is the day's version for reception pages polling for changes (deletions included), and the
    rows are the log of self check-ins even after an organiser corrected them. Writes to one day are
    serialised (the day's row is locked), so a day's ids are committed in order.
    """

    __tablename__ = "attendance_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("cohort_days.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str | None] = mapped_column(String(12))
    method: Mapped[str] = mapped_column(String(8))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(db.Model):
    """修了証: issued once per participant and cohort; ``code`` is the unguessable verification code.

    The holder's name and the cohort's name are kept as printed, so a later rename does not change
    what ``/verify/<code>`` confirms. A revoked certificate no longer verifies.
    """

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    holder_name: Mapped[str] = mapped_column(String(100))
    cohort_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()


class RosterImport(db.Model):
    """A parsed roster kept server-side between preview and confirmation (never re-read from the client).

    ``rows`` holds every parsed row with its problems and planned action; after confirmation
    ``new_user_ids`` lists the accounts the import created (for their set-password links).
    """

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(200), default="")
    encoding: Mapped[str] = mapped_column(String(20), default="")
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    linked_count: Mapped[int] = mapped_column(default=0)
