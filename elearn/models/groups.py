"""Groups for group work on a cohort's in-person day: the day's settings and who is in which group."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .user import User

#: The group sizes an organiser starts from.
DEFAULT_SMALLEST, DEFAULT_LARGEST = 5, 7


class GroupPlan(db.Model):
    """A day's grouping: the sizes asked for, the seed of the last proposal, and whether it is locked.

    Participants see their group only once it is locked; a locked grouping cannot be changed until
    it is unlocked.
    """

    __tablename__ = "group_plans"

    day_id: Mapped[int] = mapped_column(ForeignKey("cohort_days.id", ondelete="CASCADE"), primary_key=True)
    smallest: Mapped[int] = mapped_column(default=DEFAULT_SMALLEST)
    largest: Mapped[int] = mapped_column(default=DEFAULT_LARGEST)
    seed: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    locked_by: Mapped[User | None] = relationship()

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class GroupMember(db.Model):
    """A participant's group (numbered from 1) on one day: at most one group per person and day."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("day_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("cohort_days.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()

    user: Mapped[User] = relationship()
