"""A cohort's completion dashboard, exports, attendance pages and shared case sheets."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..cohorts.attendance import NOT_RECORDED_VALUE, AttendanceError, day_has_come, record_attendance
from ..cohorts.rules import required_modules
from ..database import write_transaction
from ..dates import today
from ..extensions import db
from ..forms import EmptyForm
from ..models import SHEET_FIELDS, Cohort, CohortDay
from ..permissions import cohort_organiser_required
from ..queries import search_text
from . import bp
from .attendance import (CHOICES, PER_PAGE, attendance_page, day_counts, parse_states, saved_message, self_checkins,
                         shown_states)
from .charts import cumulative_line, module_bars
from .dashboard import (FILTERS, SORTS, cohort_aggregates, completions_by_day, matrix_page, shared_sheets,
                        summary)
from .exports import CSV_MIMETYPE, XLSX_MIMETYPE, completion_export, csv_chunks, download, roster_export, xlsx_chunks

MAX_IDS = PER_PAGE  # participants on one attendance page


def _choice(name: str, allowed, default: str) -> str:
    value = request.args.get(name, default)
    return value if value in allowed else default


@bp.get("/cohorts/<int:cohort_id>")
@cohort_organiser_required
def cohort(cohort: Cohort):
    """完了状況: summary, charts, the participants × required modules matrix and shared case sheets."""
    modules = required_modules(cohort)
    module_ids = [m.id for m in modules]
    view = {"show": _choice("show", FILTERS, "all"), "sort": _choice("sort", SORTS, "name"),
            "dir": _choice("dir", ("asc", "desc"), "asc"), "q": search_text(request.args.get("q"))}
    aggregates = cohort_aggregates(cohort, module_ids)
    totals = summary(cohort, aggregates.completion)
    page = matrix_page(cohort, modules, show=view["show"], sort=view["sort"], descending=view["dir"] == "desc",
                       query=view["q"], page=request.args.get("page", 1, type=int), participants=totals.participants)
    bars = module_bars(modules, aggregates.by_module, totals.participants)
    line = cumulative_line(completions_by_day(aggregates.completion), cohort.opens_on, cohort.closes_on,
                           totals.participants, today())
    return render_template("organiser/cohort.html", cohort=cohort, modules=modules, page=page, view=view,
                           filters=FILTERS, sorts=SORTS, summary=totals, bars=bars, line=line,
                           sheets=shared_sheets(cohort, per_page=5), sheet_fields=SHEET_FIELDS, form=EmptyForm(),
                           computed_at=aggregates.computed_at)


@bp.get("/cohorts/<int:cohort_id>/sheets")
@cohort_organiser_required
def sheets(cohort: Cohort):
    """Every 事例検討シート the cohort's participants shared, newest first (organisers of the cohort only)."""
    page = shared_sheets(cohort, page=request.args.get("page", 1, type=int), per_page=20)
    return render_template("organiser/sheets.html", cohort=cohort, sheets=page, sheet_fields=SHEET_FIELDS)


def _export(cohort: Cohort, kind: str, header, rows, extension: str):
    with write_transaction():
        audit.record("cohort_export", target_type="cohort", target_id=cohort.id, kind=kind, format=extension)
    base = f"{cohort.name}_{'修了状況' if kind == 'completion' else '名簿'}"
    fallback = f"cohort-{cohort.id}-{kind}.{extension}"
    if extension == "csv":
        return download(csv_chunks(header, rows), f"{base}.csv", fallback, CSV_MIMETYPE)
    return download(xlsx_chunks("修了状況" if kind == "completion" else "名簿", header, rows),
                    f"{base}.xlsx", fallback, XLSX_MIMETYPE)


@bp.get("/cohorts/<int:cohort_id>/completion.<any(csv, xlsx):extension>")
@cohort_organiser_required
def completion_download(cohort: Cohort, extension: str):
    """The completion matrix with attendance as CSV (UTF-8 with BOM) or XLSX, streamed."""
    header, rows = completion_export(cohort, required_modules(cohort), list(cohort.days))
    return _export(cohort, "completion", header, rows, extension)


@bp.get("/cohorts/<int:cohort_id>/roster.<any(csv, xlsx):extension>")
@cohort_organiser_required
def roster_download(cohort: Cohort, extension: str):
    """The roster as CSV (UTF-8 with BOM, re-importable) or XLSX, streamed."""
    header, rows = roster_export(cohort)
    return _export(cohort, "roster", header, rows, extension)


def _ids(name: str) -> list[int]:
    values = request.form.getlist(name)
    if len(values) > MAX_IDS or not all(v.isdigit() for v in values):
        abort(400)
    return [int(v) for v in values]


@bp.route("/cohorts/<int:cohort_id>/days/<int:day_id>/attendance", methods=["GET", "POST"])
@cohort_organiser_required
def attendance(cohort: Cohort, day_id: int):
    """出席: the participants of one in-person day with a checkbox each, saved in one POST."""
    day = db.get_or_404(CohortDay, day_id)
    if day.cohort_id != cohort.id:
        abort(404)
    query, page_number = search_text(request.args.get("q")), request.args.get("page", 1, type=int)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if cohort.archived:
            flash("アーカイブした研修の出席は変更できません。", "error")
        else:
            try:
                states = parse_states(request.form, _ids("shown"))
                result = record_attendance(day, states, current_user, expected=shown_states(request.form, states))
                db.session.commit()
                flash(saved_message(result), "error" if result.refused else "success")
            except AttendanceError as error:
                db.session.rollback()
                flash(str(error), "error")
            except IntegrityError:
                db.session.rollback()
                flash("ほかの担当者が同時に保存しました。内容を確認して、もう一度保存してください。", "error")
        return redirect(url_for("organiser.attendance", cohort_id=cohort.id, day_id=day.id, q=query,
                                page=page_number))
    return render_template("organiser/attendance.html", cohort=cohort, day=day, q=query, form=form,
                           page=attendance_page(day, query, page_number), counts=day_counts(day),
                           choices=CHOICES, not_recorded=NOT_RECORDED_VALUE, open=day_has_come(day),
                           checkins=self_checkins(day))
