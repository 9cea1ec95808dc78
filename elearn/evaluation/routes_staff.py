"""Organisers (their cohorts) and admins (all): the forms a cohort uses, the committee's report (page,
XLSX, printable A4), the report across cohorts, and question analysis."""
from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..dates import today
from ..extensions import db
from ..forms import EmptyForm
from ..mail import mail_configured
from ..models import (COHORT_CURRICULA, AssessmentAttempt, AssessmentForm, Cohort, CohortEvaluation, Survey,
                      cohort_organisers, utcnow)
from ..permissions import cohort_organiser_required, is_admin, organiser_required
from . import bp
from .analysis import FLAG_LABELS, MIN_ATTEMPTS, question_analysis
from .charts import hbars, histogram
from .exports import report_workbook
from .reminders import (not_answered_count, queue_survey_reminder, reminder_days, reminder_targets, render_survey_reminder,
                        survey_open)
from .report import K_FLOOR, CohortReport, cohort_report
from .rules import cohort_setup, post_opens_on

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COMPARED = 12


def visible_cohorts(include_archived: bool = True):
    """Cohorts the current user may see: all for an admin, else those assigned (newest first)."""
    statement = select(Cohort).order_by(Cohort.opens_on.desc(), Cohort.id.desc())
    if not include_archived:
        statement = statement.where(Cohort.archived.is_(False))
    if not is_admin(current_user):
        statement = statement.join(cohort_organisers).where(cohort_organisers.c.user_id == current_user.id)
    return statement


def charts_of(report: CohortReport) -> dict:
    """The report's charts: pre/post means, the gain distribution, and one per survey item shown."""
    p = report.prepost
    charts = {"means": hbars("事前テストと事後テストの平均点（100点満点）", "平均点",
                             [(f"事前テスト（{p.pre_n}人）", p.pre_mean or 0, "—" if p.pre_mean is None else f"{p.pre_mean:.1f}点"),
                              (f"事後テスト（{p.post_n}人）", p.post_mean or 0, "—" if p.post_mean is None else f"{p.post_mean:.1f}点")], 100),
              "gains": histogram(f"事前から事後への伸びの分布（両方受けた {p.n}人）", "伸び（点）ごとの人数", p.histogram),
              "items": {}}
    for item in report.survey.items:
        if item.shown and item.counts:
            peak = max((c for _, c in item.counts), default=0) or 1
            charts["items"][item.id] = hbars(item.prompt, "回答ごとの人数",
                                             [(label, c, f"{c}人") for label, c in item.counts], peak)
    return charts


def _context(cohort: Cohort) -> dict:
    report = cohort_report(cohort)
    return {"cohort": cohort, "report": report, "charts": charts_of(report), "k_floor": K_FLOOR,
            "flag_labels": FLAG_LABELS, "setup": cohort_setup(cohort), "opens_on": post_opens_on(cohort)}


@bp.get("/cohorts/<int:cohort_id>/report")
@cohort_organiser_required
def report(cohort: Cohort):
    """The committee's report for one cohort (charts drawn on the server, tables as text alternatives)."""
    return render_template("evaluation/report.html", **_context(cohort), **_reminder_context(cohort), form=EmptyForm())


def _reminder_context(cohort: Cohort) -> dict:
    """「未回答の人にリマインド」: counts only (never who), and the mail, which is the same for everyone."""
    on, mail_on = today(), mail_configured()
    is_open = survey_open(cohort, on)
    subject, text = render_survey_reminder(cohort) if is_open and mail_on else ("", "")
    return {"reminders": not_answered_count(cohort), "survey_open": is_open, "mail_on": mail_on,
            "remind_count": len(reminder_targets(cohort, on)) if is_open else 0,
            "remind_subject": subject, "remind_text": text, "survey_reminder_days": reminder_days()}


@bp.post("/cohorts/<int:cohort_id>/report/remind")
@cohort_organiser_required
def remind_survey(cohort: Cohort):
    """Queue the survey reminder for everyone who has not answered and not had it today."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("evaluation.report", cohort_id=cohort.id) + "#remind-heading")
    if not mail_configured():
        flash("メールの送信が設定されていないため、リマインドは送れません（ELEARN_MAIL_URL）。", "error")
        return back
    if not survey_open(cohort, today()):
        flash("受講後アンケートの回答期間ではないため、リマインドは送れません。", "error")
        return back
    count = queue_survey_reminder(cohort)
    db.session.commit()
    flash(f"アンケート未回答の {count}人へのリマインドを送信待ちにしました。" if count
          else "リマインドを送る相手はいません。", "success" if count else "info")
    return back


@bp.get("/cohorts/<int:cohort_id>/report/print")
@cohort_organiser_required
def report_print(cohort: Cohort):
    """The same report laid out for A4 portrait."""
    return render_template("evaluation/report_print.html", **_context(cohort))


@bp.get("/cohorts/<int:cohort_id>/report.xlsx")
@cohort_organiser_required
def report_xlsx(cohort: Cohort):
    """The report as XLSX, one sheet per part."""
    return Response(report_workbook([cohort_report(cohort)]), mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": f"attachment; filename=report-{cohort.id}.xlsx", "Cache-Control": "no-store"})


def _compared() -> list[Cohort]:
    ids = request.args.getlist("cohort", type=int)[:MAX_COMPARED]
    cohorts = list(db.session.scalars(visible_cohorts().where(Cohort.id.in_(ids)))) if ids else \
        list(db.session.scalars(visible_cohorts(include_archived=False).limit(MAX_COMPARED)))
    if ids and len(cohorts) != len(set(ids)):
        abort(403)
    return cohorts


@bp.get("/compare")
@organiser_required
def compare():
    """Cohorts side by side (``?cohort=1&cohort=2``; by default the user's current cohorts)."""
    cohorts = _compared()
    reports = [cohort_report(c) for c in cohorts]
    choices = list(db.session.scalars(visible_cohorts().limit(200)))
    return render_template("evaluation/compare.html", reports=reports, choices=choices,
                           chosen={c.id for c in cohorts}, k_floor=K_FLOOR)


@bp.get("/compare.xlsx")
@organiser_required
def compare_xlsx():
    """The side-by-side report as XLSX."""
    reports = [cohort_report(c) for c in _compared()]
    return Response(report_workbook(reports), mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": "attachment; filename=report-compare.xlsx", "Cache-Control": "no-store"})


@bp.route("/cohorts/<int:cohort_id>/settings", methods=["GET", "POST"])
@cohort_organiser_required
def settings(cohort: Cohort):
    """Choose the pre-test and post-test forms (the same or a parallel one) and the survey."""
    forms = list(db.session.scalars(select(AssessmentForm).where(AssessmentForm.retired.is_(False)).order_by(AssessmentForm.slug)))
    surveys = list(db.session.scalars(select(Survey).where(Survey.retired.is_(False)).order_by(Survey.slug)))
    setup, csrf, errors = cohort_setup(cohort), EmptyForm(), []
    taken = set(db.session.scalars(select(AssessmentAttempt.phase).where(AssessmentAttempt.cohort_id == cohort.id).distinct()))
    if request.method == "POST":
        if not csrf.validate_on_submit():
            abort(400)
        if cohort.archived:
            errors.append("アーカイブ済みの研修は変更できません。")
        form_ids, survey_ids = {f.id for f in forms}, {s.id for s in surveys}
        chosen = {}
        for key, label, allowed in (("pre", "事前テスト", form_ids), ("post", "事後テスト", form_ids),
                                    ("survey", "アンケート", survey_ids)):
            value = request.form.get(key, type=int)
            if value not in allowed:
                errors.append(f"{label}を一覧から選んでください。")
            chosen[key] = value
        current = {"pre": setup.pre and setup.pre.id, "post": setup.post and setup.post.id}
        for phase, label in (("pre", "事前テスト"), ("post", "事後テスト")):
            if phase in taken and chosen.get(phase) != current[phase]:
                errors.append(f"{label}はすでに回答した参加者がいるため、変更できません。")
        if not errors:
            row = db.session.get(CohortEvaluation, cohort.id) or CohortEvaluation(cohort_id=cohort.id)
            row.pre_form_id, row.post_form_id, row.survey_id = chosen["pre"], chosen["post"], chosen["survey"]
            row.updated_at = utcnow()
            db.session.add(row)
            db.session.commit()
            flash("事前・事後テストとアンケートの設定を保存しました。", "success")
            return redirect(url_for("evaluation.report", cohort_id=cohort.id))
    return render_template("evaluation/settings.html", cohort=cohort, forms=forms, surveys=surveys, setup=setup,
                           csrf=csrf, errors=errors, taken=taken), (400 if errors else 200)


def _scope() -> tuple[list[int] | None, Cohort | None]:
    """The cohorts whose participants' attempts count: ``?cohort=``, else the user's cohorts (admin: everyone)."""
    cohort_id = request.args.get("cohort", type=int)
    if cohort_id:
        cohort = db.session.scalar(visible_cohorts().where(Cohort.id == cohort_id))
        if cohort is None:
            abort(403)
        return [cohort.id], cohort
    if is_admin(current_user):
        return None, None
    return list(db.session.scalars(visible_cohorts().with_only_columns(Cohort.id))), None


QUESTION_ID = re.compile(r"[A-Za-z0-9_.-]{1,100}")


@bp.get("/questions")
@organiser_required
def questions():
    """Question analysis: every quiz question with its figures and flags, filtered by curriculum and cohort."""
    cohort_ids, cohort = _scope()
    curriculum = request.args.get("curriculum") or None
    if curriculum not in (None, "initial", "followup", "hints", "cases"):
        curriculum = None
    flagged = request.args.get("flagged") == "1"
    stats = question_analysis(cohort_ids=cohort_ids, curriculum=curriculum)
    if flagged:
        stats = [s for s in stats if s.flags]
    return render_template("evaluation/questions.html", stats=stats, cohort=cohort, curriculum=curriculum,
                           flagged=flagged, cohorts=list(db.session.scalars(visible_cohorts().limit(200))),
                           curricula={**COHORT_CURRICULA, "hints": "支援のヒント", "cases": "事例"},
                           min_attempts=MIN_ATTEMPTS)


@bp.get("/questions/<int:quiz_id>/<question_id>")
@organiser_required
def question(quiz_id: int, question_id: str):
    """One question: its text, options (the correct one marked) and every figure."""
    if not QUESTION_ID.fullmatch(question_id):  # question ids are short slugs; anything else names none
        abort(404)
    cohort_ids, cohort = _scope()
    found = question_analysis(cohort_ids=cohort_ids, quiz_id=quiz_id, question_id=question_id)
    if not found:
        abort(404)
    return render_template("evaluation/question.html", s=found[0], cohort=cohort, min_attempts=MIN_ATTEMPTS)
