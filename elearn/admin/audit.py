"""The audit log page: filters (action, who, target, dates) and the same selection as CSV."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import Select, select

from .. import audit
from ..database import write_transaction
from ..dates import JST
from ..extensions import db
from ..models import AUDIT_ACTIONS, AuditEntry
from ..organiser.exports import CSV_MIMETYPE, csv_chunks, download
from ..permissions import admin_required
from ..queries import paginate
from . import bp

PER_PAGE = 50
CSV_HEADER = ["日時", "操作", "操作した人（ID）", "役割", "対象", "対象ID", "詳細", "IPアドレス", "画面"]


@dataclass
class AuditFilters:
    """The page's filters as given; ``errors`` say in Japanese what could not be read."""

    action: str = ""
    actor: int | None = None
    target: int | None = None
    since: date | None = None
    until: date | None = None
    errors: list[str] | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        result = cls(errors=[])
        result.action = args.get("action", "")
        if result.action and result.action not in AUDIT_ACTIONS:
            result.errors.append("操作の種類を一覧から選んでください。")
            result.action = ""
        for name, label in (("actor", "操作した人のID"), ("target", "対象のID")):
            value = args.get(name, "").strip()
            if value:
                if value.isdigit() and len(value) < 10:
                    setattr(result, name, int(value))
                else:
                    result.errors.append(f"{label}は数字で入力してください。")
        for name, label in (("since", "開始日"), ("until", "終了日")):
            value = args.get(name, "").strip()
            if value:
                try:
                    setattr(result, name, date.fromisoformat(value))
                except ValueError:
                    result.errors.append(f"{label}は 2026-04-01 の形で入力してください。")
        return result

    def statement(self) -> Select:
        statement = select(AuditEntry).order_by(AuditEntry.id.desc())
        if self.action:
            statement = statement.where(AuditEntry.action == self.action)
        if self.actor is not None:
            statement = statement.where(AuditEntry.actor_id == self.actor)
        if self.target is not None:
            statement = statement.where(AuditEntry.target_id == self.target)
        if self.since:
            statement = statement.where(AuditEntry.created_at >= datetime.combine(self.since, time(), JST))
        if self.until:
            statement = statement.where(
                AuditEntry.created_at < datetime.combine(self.until + timedelta(days=1), time(), JST))
        return statement

    def args(self) -> dict:
        return {key: value for key, value in (
            ("action", self.action), ("actor", self.actor), ("target", self.target),
            ("since", self.since.isoformat() if self.since else None),
            ("until", self.until.isoformat() if self.until else None)) if value not in (None, "")}


def details_text(entry: AuditEntry) -> str:
    return " ".join(f"{key}={value}" for key, value in (entry.details or {}).items())


@bp.get("/audit")
@admin_required
def audit_log():
    """The audit log, newest first, filtered."""
    filters = AuditFilters.from_args(request.args)
    page = paginate(filters.statement(), request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("admin/audit.html", page=page, filters=filters, actions=AUDIT_ACTIONS,
                           details_text=details_text)


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    """The filtered audit log as CSV (UTF-8 with BOM); exporting it is itself logged."""
    filters = AuditFilters.from_args(request.args)
    with write_transaction():
        audit.record("audit_exported", target_type="audit", filters=filters.args())

    def rows():
        for entry in db.session.scalars(filters.statement().execution_options(yield_per=500)):
            yield [entry.created_at, entry.action_label, entry.actor_id, entry.actor_role, entry.target_type,
                   entry.target_id, details_text(entry), entry.ip, entry.route]
    return download(csv_chunks(CSV_HEADER, rows()), "監査ログ.csv", "audit-log.csv", CSV_MIMETYPE)
