"""Learners' progress per module and every quiz attempt."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .content import Module, Quiz
from .user import User


class ProgressStatus(str, enum.Enum):
    """Where a learner is with one module. Code compares members; people read :attr:`label`."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @classmethod
    def of(cls, progress: Progress | None) -> ProgressStatus:
        """The status a progress row (or its absence) stands for."""
        if progress is None:
            return cls.NOT_STARTED
        return progress.status


STATUS_LABELS = {ProgressStatus.NOT_STARTED: "未着手", ProgressStatus.IN_PROGRESS: "学習中",
                 ProgressStatus.COMPLETED: "修了"}


class Progress(db.Model):
    """One row per learner and module: when it was first opened and when it was completed."""

    __tablename__ = "progress"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        # Covers the organiser dashboard's per-participant aggregates (index-only on PostgreSQL).
        Index("ix_progress_user_module_completed", "user_id", "module_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_score: Mapped[int | None] = mapped_column()

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()

    @property
    def status(self) -> ProgressStatus:
        return ProgressStatus.COMPLETED if self.completed_at else ProgressStatus.IN_PROGRESS


class QuizAttempt(db.Model):
    """A submitted quiz: the answers as given, the score (percent) and whether it passed.

    ``nonce`` comes from the form the learner was shown; it is unique, so a double submit or a
    replayed form can never record a second attempt.
    """

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[int] = mapped_column()
    passed: Mapped[bool] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    quiz: Mapped[Quiz] = relationship()
