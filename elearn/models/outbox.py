"""The outbox: messages to other systems (mail, xAPI statements …), each a row written in the same
transaction as what caused it, then delivered by a worker (elearn.outbox)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

#: queued: waiting (maybe for a retry); sending: claimed by a worker until ``claimed_until``;
#: sent: delivered; failed: given up (a permanent error or too many attempts).
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


class OutboxItem(db.Model):
    """One message for one channel; ``payload`` (JSON) is what the channel's sender needs."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "channel", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which registered channel delivers it ("mail", "xapi" …).
    channel: Mapped[str] = mapped_column(String(20))
    #: What it is within the channel ("invitation", "password_reset", "reminder_close" …).
    kind: Mapped[str] = mapped_column(String(40))
    #: Where it goes (a mail address, an endpoint), for the log; never secret.
    recipient: Mapped[str] = mapped_column(String(254), default="")
    #: A short description for the log (a mail's subject); never secret.
    summary: Mapped[str] = mapped_column(String(200), default="")
    #: What the sender needs, as JSON; dropped or redacted once the item is sent or failed.
    payload: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    #: Unique when given: a second enqueue with the same key is skipped (idempotent reminders).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A claim's lease: past it, a worker that crashed while sending loses the item to another.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last answer of the other side (an SMTP reply, an error), for the log; never a token.
    last_reply: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<OutboxItem {self.id} {self.channel}/{self.kind} {self.status}>"
