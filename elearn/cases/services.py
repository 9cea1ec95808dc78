"""事例検討シート: saving drafts, sharing with cohort organisers, and who may read a sheet."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import SHEET_FIELDS, CaseSheet, Module, utcnow


def sheet_for(user_id: int, module_id: int) -> CaseSheet | None:
    return db.session.scalar(select(CaseSheet).where(CaseSheet.user_id == user_id,
                                                     CaseSheet.module_id == module_id))


def save_sheet(user_id: int, case: Module, values: dict[str, str]) -> CaseSheet:
    """Create or update the learner's sheet for ``case`` (caller commits)."""
    sheet = sheet_for(user_id, case.id)
    if sheet is None:
        sheet = CaseSheet(user_id=user_id, module_id=case.id)
        db.session.add(sheet)
    for name in SHEET_FIELDS:
        setattr(sheet, name, values.get(name, "").strip())
    sheet.updated_at = utcnow()
    return sheet


def set_shared(sheet: CaseSheet, shared: bool) -> None:
    """Share the sheet with the organisers of the learner's cohorts, or withdraw it (from the group too)."""
    sheet.shared_at = utcnow() if shared else None
    if not shared:
        sheet.group_shared_at = None


def set_group_shared(sheet: CaseSheet, shared: bool) -> None:
    """Also share an already shared sheet with the author's group on in-person days, or stop."""
    sheet.group_shared_at = utcnow() if shared and sheet.shared_at is not None else None
