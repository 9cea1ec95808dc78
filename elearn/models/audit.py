"""The audit log: security-relevant actions, who did them, when, to what and from where.

Append-only for the application: updating or deleting an entry through the ORM raises. The one
exception is retention (``elearn retention run``), which removes entries older than the audit
period with a bulk DELETE and records that it did.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

#: What each action is called on the admin page.
AUDIT_ACTIONS = {
    "role_changed": "役割の変更",
    "account_deactivated": "アカウント停止",
    "account_reactivated": "アカウント再開",
    "set_password_link_issued": "パスワード設定用リンクの発行",
    "author_revealed": "投稿者の確認",
    "personal_data_exported": "個人データの書き出し",
    "cohort_export": "研修データの書き出し",
    "certificate_revoked": "修了証の取り消し",
    "cohort_organisers_changed": "研修担当の変更",
    "account_deleted": "アカウント削除",
    "retention_run": "保存期間の適用",
    "backup_made": "バックアップ",
    "backup_restored": "バックアップからの復元",
    "audit_exported": "監査ログの書き出し",
}


class AuditEntry(db.Model):
    """One action. ``actor_id`` and ``target_id`` are plain ids (no foreign key) so an entry outlives the
    accounts it names; ``details`` hold ids and codes only, never anything a person wrote."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20), default="")
    target_id: Mapped[int | None] = mapped_column(index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")
    route: Mapped[str] = mapped_column(String(100), default="")

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)


class AppendOnlyError(RuntimeError):
    """An audit entry may not be changed or deleted by the application."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AppendOnlyError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AppendOnlyError("audit entries are append-only")
