"""事例検討シート: a learner's own worksheet for a case study."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .content import Module
from .user import User

#: The sheet's fields in the order they are shown, with their Japanese labels.
SHEET_FIELDS = {
    "issues": "気づいた課題",
    "assessment": "見立て",
    "partners": "連携先・役割分担",
    "next_step": "次の一手",
    "own_area": "自分の地域なら",
}


class CaseSheet(db.Model):
    """One sheet per learner and case; private unless ``shared_at`` is set (shared with organisers)."""

    __tablename__ = "case_sheets"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    issues: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    own_area: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Also shared with the author's group on an in-person day (only while ``shared_at`` is set);
    #: see elearn.permissions.sheet_shared_with_group.
    group_shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()

    @property
    def shared(self) -> bool:
        return self.shared_at is not None

    @property
    def group_shared(self) -> bool:
        return self.shared_at is not None and self.group_shared_at is not None
