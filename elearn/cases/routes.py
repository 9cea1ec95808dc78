"""Case studies: list, case page (with quiz and 事例検討シート), sheet saving, sharing and printing."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..content.snapshot import cached_item, current_items
from ..events import emit, sheet_saved, sheet_shared
from ..extensions import db
from ..forms import EmptyForm
from ..learning.pages import register_item_page, render_item_page
from ..learning.services import progress_by_module
from ..models import SHEET_FIELDS, CaseSheet, ProgressStatus
from ..permissions import can_view_sheet, sheet_share_readers
from . import bp
from .forms import SHEET_HINTS, SheetForm
from .services import save_sheet, set_group_shared, set_shared, sheet_for


def _case_or_404(case_id: str):
    case = cached_item(case_id)
    if case is None or case.curriculum != "cases":
        abort(404)
    return case


def render_case_page(case, *, sheet_form=None, **quiz):
    """A case page: facts, narrative, questions, the learner's sheet (``sheet_form`` keeps rejected
    input) and the quiz."""
    sheet = sheet_for(current_user.id, case.id)
    organisers_read, group_reads = sheet_share_readers(current_user.id) if sheet else (False, False)
    return render_item_page(
        case, "cases/case.html", case=case, sheet=sheet, can_share=organisers_read, can_share_group=group_reads,
        sheet_form=sheet_form or SheetForm(formdata=None, obj=sheet), sheet_fields=SHEET_FIELDS,
        sheet_hints=SHEET_HINTS, share_form=EmptyForm(formdata=None), **quiz)


register_item_page("cases", render_case_page)


@bp.get("/")
@login_required
def index():
    """Every case study with the learner's status."""
    cases = current_items("cases")
    progress = progress_by_module(current_user.id, [c.id for c in cases])
    return render_template("cases/index.html", rows=[(c, ProgressStatus.of(progress.get(c.id))) for c in cases])


@bp.get("/<case_id>")
@login_required
def case(case_id: str):
    """One case: facts, narrative, questions, the learner's sheet and the quiz."""
    return render_case_page(_case_or_404(case_id))


@bp.post("/<case_id>/sheet")
@login_required
def save(case_id: str):
    """Save the learner's sheet as a draft (editable any time)."""
    case = _case_or_404(case_id)
    form = SheetForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_case_page(case, sheet_form=form, status=400)
    if form.is_empty() and sheet_for(current_user.id, case.id) is None:
        return _back_to_sheet(case, "空のシートは保存されません。どれか1つの欄に書いてから保存してください。", "error")
    sheet = save_sheet(current_user.id, case, form.values())
    db.session.flush()
    emit(sheet_saved, user_id=current_user.id, item=case, sheet=sheet)
    db.session.commit()
    return _back_to_sheet(case, "事例検討シートを保存しました。")


def _back_to_sheet(case, message: str, kind: str = "success"):
    """Back to the case page at the sheet, with ``message`` shown next to it (not at the top)."""
    flash(message, f"sheet:{kind}")
    return redirect(url_for("cases.case", case_id=case.slug) + "#sheet-status")


def _own_sheet(case_id: str):
    """The case and the learner's own sheet for a one-click POST (400 without CSRF, 404 without a sheet)."""
    case = _case_or_404(case_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    sheet = sheet_for(current_user.id, case.id)
    if sheet is None:
        abort(404)
    return case, sheet


@bp.post("/<case_id>/sheet/share")
@login_required
def share(case_id: str):
    """Share the sheet with the organisers of the learner's cohorts, or withdraw sharing."""
    case, sheet = _own_sheet(case_id)
    if not sheet.shared and not sheet_share_readers(current_user.id)[0]:
        return _back_to_sheet(case, "共有できる研修担当者がいません（研修に登録されると共有できます）。", "error")
    set_shared(sheet, not sheet.shared)
    emit(sheet_shared, user_id=current_user.id, item=case, sheet=sheet, shared=sheet.shared, group=False)
    db.session.commit()
    return _back_to_sheet(case, "研修担当者と共有しました。" if sheet.shared else "共有を取り消しました。")


@bp.post("/<case_id>/sheet/share-group")
@login_required
def share_group(case_id: str):
    """Also share a shared sheet with the learner's group on in-person days, or stop."""
    case, sheet = _own_sheet(case_id)
    if not sheet.shared:
        return _back_to_sheet(case, "グループと共有するには、先に研修担当者と共有してください。", "error")
    if not sheet.group_shared and not sheet_share_readers(current_user.id)[1]:
        return _back_to_sheet(case, "共有できるグループがありません（集合研修のグループが決まると共有できます）。", "error")
    set_group_shared(sheet, not sheet.group_shared)
    emit(sheet_shared, user_id=current_user.id, item=case, sheet=sheet, shared=sheet.group_shared, group=True)
    db.session.commit()
    return _back_to_sheet(case, "グループのメンバーとも共有しました。" if sheet.group_shared
                          else "グループとの共有を取り消しました。")


@bp.get("/sheets/<int:sheet_id>")
@login_required
def sheet(sheet_id: int):
    """A sheet on its own, for printing; 404 for anyone who may not read it."""
    row = db.session.get(CaseSheet, sheet_id)
    if row is None or not can_view_sheet(current_user, row):
        abort(404)
    return render_template("cases/sheet.html", sheet=row, case=row.module, sheet_fields=SHEET_FIELDS)
