"""The mail log: what was queued and how it went (kind, recipient, status, times, server reply; the
body and any token are gone once a mail is sent). Admins see every mail, organisers their cohort's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..models import Enrolment, OutboxItem
from ..queries import Page, paginate
from .queue import KIND_LABELS

STATUS_LABELS = {"queued": "送信待ち", "sending": "送信待ち", "sent": "送信済み", "failed": "失敗"}
#: Kinds whose recipients would tell something: the survey reminder goes only to those who have not
#: answered the anonymous survey, so its rows are never listed (only counted in the status figures).
UNLISTED_KINDS = ("reminder_survey",)


@dataclass(frozen=True)
class Delivery:
    """How one mail went, for a participants list: 送信待ち / 送信済み（日時） / 失敗（理由）."""

    status: str
    sent_at: datetime | None
    reply: str | None
    attempts: int

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def latest_deliveries(kind: str, cohort_id: int, user_ids: list[int]) -> dict[int, Delivery]:
    """The newest mail of ``kind`` in the cohort for each of ``user_ids`` (one query)."""
    if not user_ids:
        return {}
    newest = (select(func.max(OutboxItem.id)).where(OutboxItem.channel == "mail", OutboxItem.kind == kind,
                                                    OutboxItem.cohort_id == cohort_id,
                                                    OutboxItem.user_id.in_(user_ids))
              .group_by(OutboxItem.user_id))
    rows = db.session.execute(select(OutboxItem.user_id, OutboxItem.status, OutboxItem.sent_at, OutboxItem.last_reply,
                                     OutboxItem.attempts).where(OutboxItem.id.in_(newest)))
    return {row.user_id: Delivery(row.status, row.sent_at, row.last_reply, row.attempts) for row in rows}


def log_page(page: int, cohort_id: int | None = None, status: str | None = None, per_page: int = 50) -> Page:
    """Mails newest first, optionally of one cohort and one status."""
    statement = select(OutboxItem).where(OutboxItem.channel == "mail", OutboxItem.kind.not_in(UNLISTED_KINDS))
    if cohort_id is not None:  # the cohort's mails to people still enrolled in it
        statement = statement.where(OutboxItem.cohort_id == cohort_id, OutboxItem.user_id.in_(
            select(Enrolment.user_id).where(Enrolment.cohort_id == cohort_id)))
    if status == "queued":
        statement = statement.where(OutboxItem.status.in_(("queued", "sending")))
    elif status in ("sent", "failed"):
        statement = statement.where(OutboxItem.status == status)
    return paginate(statement.order_by(OutboxItem.id.desc()), page, per_page)


def status_counts(cohort_id: int | None = None) -> dict[str, int]:
    """How many mails are 送信待ち, 送信済み and 失敗."""
    statement = select(OutboxItem.status, func.count()).where(OutboxItem.channel == "mail").group_by(OutboxItem.status)
    if cohort_id is not None:
        statement = statement.where(OutboxItem.cohort_id == cohort_id)
    counts = {"queued": 0, "sent": 0, "failed": 0}
    for status, count in db.session.execute(statement):
        counts["queued" if status == "sending" else status] += count
    return counts


__all__ = ["Delivery", "KIND_LABELS", "STATUS_LABELS", "UNLISTED_KINDS", "latest_deliveries", "log_page", "status_counts"]
