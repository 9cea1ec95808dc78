"""Mail preferences, per-cohort reminder settings and in-app board notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class MailPreference(db.Model):
    """A user's choices about optional mail (reminders, the board digest); no row means the defaults."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reminders: Mapped[bool] = mapped_column(default=True)
    board_digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CohortReminder(db.Model):
    """Automatic reminders of a cohort: days before 受講期間の終了, and the day before each 集合研修日."""

    __tablename__ = "cohort_reminders"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    #: Comma-separated days before the closing date, e.g. "7,1".
    days_before_close: Mapped[str] = mapped_column(String(40), default="7,1")
    day_before_in_person: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def close_offsets(self) -> list[int]:
        """The days before closing as numbers, largest first."""
        return sorted({int(part) for part in self.days_before_close.split(",") if part.strip().isdigit()},
                      reverse=True)


class Notification(db.Model):
    """Unread activity on a user's own board threads and posts: a kind, a thread and a count only
    (never text, a title, an author or whether a post is anonymous)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: "reply" (a reply in my thread or to my post) or "reaction" (わかります on my post).
    kind: Mapped[str] = mapped_column(String(12))
    thread_id: Mapped[int] = mapped_column(ForeignKey("board_threads.id", ondelete="CASCADE"), index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
