"""Reception mode (受付) and the QR check-in projector of an in-person day."""
from __future__ import annotations

import io

import segno
from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.services import passive
from ..cohorts.attendance import AttendanceError, day_has_come, day_version
from ..cohorts.checkin import STEP_SECONDS, current_step, make_code, seconds_left
from ..dates import today
from ..errors import wants_json
from ..extensions import db
from ..forms import EmptyForm
from ..models import Cohort, CohortDay, Enrolment
from ..permissions import cohort_organiser_required
from ..queries import search_text
from ..urls import external_url
from . import bp
from .reception import POLL_SECONDS, changes, mark, reception_counts, reception_page


def _day(cohort: Cohort, day_id: int) -> CohortDay:
    day = db.get_or_404(CohortDay, day_id)
    if day.cohort_id != cohort.id:
        abort(404)
    return day


@bp.app_template_global()
def reception_day(cohort: Cohort) -> CohortDay | None:
    """The day the cohort's 受付 link opens: today's, else the next one ahead, else the last one."""
    days = list(cohort.days)
    ahead = [d for d in days if d.day >= today()]
    return ahead[0] if ahead else (days[-1] if days else None)


@bp.get("/cohorts/<int:cohort_id>/days/<int:day_id>/reception")
@cohort_organiser_required
def reception(cohort: Cohort, day_id: int):
    """受付: every participant of the day in large rows, search as you type, one tap for 出席."""
    day = _day(cohort, day_id)
    query = search_text(request.args.get("q"))
    version = day_version(day)  # before the rows: the page has seen every change up to it
    page = reception_page(day, query, request.args.get("page", 1, type=int))
    return render_template("organiser/reception.html", cohort=cohort, day=day, q=query, page=page,
                           counts=reception_counts(day), version=version, poll_seconds=POLL_SECONDS,
                           open=day_has_come(day), form=EmptyForm())


@bp.post("/cohorts/<int:cohort_id>/days/<int:day_id>/reception/<int:user_id>")
@cohort_organiser_required
def reception_mark(cohort: Cohort, day_id: int, user_id: int):
    """One tap at the desk: 出席, or 取消 back to 未記録. JSON for the page's script, else back to the page."""
    day = _day(cohort, day_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    enrolled = db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                            Enrolment.user_id == user_id))
    if enrolled is None:
        abort(404)
    query = search_text(request.form.get("q")) or None
    try:
        done = mark(day, user_id, request.form.get("status", ""), request.form.get("was", ""), current_user)
        db.session.commit()
    except AttendanceError as error:
        db.session.rollback()
        if wants_json():
            return jsonify(error=str(error)), 400
        flash(str(error), "error")
        return redirect(url_for("organiser.reception", cohort_id=cohort.id, day_id=day.id, q=query))
    if wants_json():
        return jsonify(result=done.result, message=done.message, row=done.row.as_json(),
                       counts=reception_counts(day)), 409 if done.result == "conflict" else 200
    conflict = done.result == "conflict"
    flash(done.message, "error" if conflict else "success")
    # Back at the row, except after a refusal, whose message stays in view at the top of the page.
    return redirect(url_for("organiser.reception", cohort_id=cohort.id, day_id=day.id, q=query,
                            _anchor=None if conflict else f"p-{user_id}"))


@bp.get("/cohorts/<int:cohort_id>/days/<int:day_id>/reception/changes")
@passive
@cohort_organiser_required
def reception_changes(cohort: Cohort, day_id: int):
    """JSON for open reception pages: the rows changed after ``?since=`` (a version), the counts and
    the new version. Polling is not activity: an unattended page still signs out when idle."""
    day = _day(cohort, day_id)
    since = max(0, request.args.get("since", 0, type=int))
    return jsonify(changes(day, since))


def _checkin_open(cohort: Cohort, day: CohortDay) -> bool:
    """QR check-in runs on the day itself (Japan time) of a cohort not archived."""
    return not cohort.archived and day.day == today()


@bp.get("/cohorts/<int:cohort_id>/days/<int:day_id>/checkin")
@cohort_organiser_required
def checkin_projector(cohort: Cohort, day_id: int):
    """The page to project at the venue: a QR code for self check-in that changes every 30 seconds."""
    day = _day(cohort, day_id)
    return render_template("organiser/checkin_projector.html", cohort=cohort, day=day,
                           open=_checkin_open(cohort, day), step=current_step(), step_seconds=STEP_SECONDS,
                           refresh_seconds=int(seconds_left()) + 1, counts=reception_counts(day),
                           version=day_version(day), poll_seconds=POLL_SECONDS)


def checkin_url(cohort: Cohort, day: CohortDay, step: int | None = None) -> str:
    """The absolute address the QR code holds for the current (or given) step."""
    return external_url("checkin.scan", cohort_id=cohort.id, day_id=day.id,
                        code=make_code(cohort.id, day.id, step))


def qr_svg(url: str) -> str:
    """``url`` as a QR code in SVG (black on white, scalable, four modules of quiet zone)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, omitsize=True, border=4, dark="#000",
                                    light="#fff", title="出席用QRコード")
    return out.getvalue().decode("utf-8")


@bp.get("/cohorts/<int:cohort_id>/days/<int:day_id>/checkin/qr.svg")
@cohort_organiser_required
def checkin_qr(cohort: Cohort, day_id: int):
    """The current QR code (image/svg+xml); 404 on any other day or for an archived cohort."""
    day = _day(cohort, day_id)
    if not _checkin_open(cohort, day):
        abort(404)
    return Response(qr_svg(checkin_url(cohort, day)), mimetype="image/svg+xml")
