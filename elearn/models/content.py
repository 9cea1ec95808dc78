"""Imported content: modules, scenes and cases, and their quizzes (rendered once at import)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

CURRICULA = {
    "initial": "初任者研修",
    "followup": "フォローアップ研修",
    "hints": "支援のヒント",
    "cases": "事例",
}


class Module(db.Model):
    """One learning unit: a curriculum module, a scene (支援のヒント) or a case study.

    ``slug`` is the content id from the file; progress and attempts point at the row, and the row
    is updated in place on re-import, so learners keep their records when content is edited.
    """

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # module | scene | case
    curriculum: Mapped[str] = mapped_column(String(20), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(default=0)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body_html: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(300), default="")
    retired: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    quiz: Mapped[Quiz | None] = relationship(back_populates="module", uselist=False)

    @property
    def curriculum_label(self) -> str:
        return CURRICULA.get(self.curriculum, self.curriculum)


class Quiz(db.Model):
    """A quiz with its questions as imported (correct answers included: never sent to a client)."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), unique=True)
    pass_mark: Mapped[int] = mapped_column(default=80)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(300), default="")
    retired: Mapped[bool] = mapped_column(default=False)

    module: Mapped[Module] = relationship(back_populates="quiz")
