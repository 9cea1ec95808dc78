"""Reception mode (受付) of an in-person day."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.services import passive
from ..cohorts.attendance import AttendanceError, day_has_come, day_version
from ..dates import today
from ..errors import wants_json
from ..extensions import db
from ..forms import EmptyForm
from ..models import Cohort, CohortDay, Enrolment
from ..permissions import cohort_organiser_required
from ..queries import search_text
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
