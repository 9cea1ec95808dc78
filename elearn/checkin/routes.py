"""The participant's side of QR check-in: open the code, sign in if needed, tap 「出席する」.

Opening the code only shows a confirmation (who, which training, which day); the record is made by
the POST of its one button, with the CSRF token. A GET never writes, so link previews, prefetching
and scanner apps that open the address themselves record nothing, and someone signed in on a shared
phone sees whose name it is before anything is recorded.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import security_events
from ..cohorts.checkin import (SCAN_COOKIE, SCAN_PASS_SECONDS, CheckinRefused, check_in, make_scan_pass, outcome_of,
                               own_record, read_code, refusal_for, scan_pass_valid)
from ..extensions import db, login_manager
from ..forms import EmptyForm
from ..models import Cohort, CohortDay
from . import bp


def _cohort_day(cohort_id: int, day_id: int) -> tuple[Cohort, CohortDay]:
    day = db.get_or_404(CohortDay, day_id)
    if day.cohort_id != cohort_id:
        abort(404)
    return day.cohort, day


def _refused(refusal: CheckinRefused, cohort: Cohort, day: CohortDay):
    """The refusal page (no training name for someone not signed in or not enrolled)."""
    security_events.record("checkin_refused", reason=refusal.reason, cohort=cohort.id, day=day.id)
    shown = current_user.is_authenticated and refusal.reason != "not_enrolled"
    return render_template("checkin/checkin.html", refusal=refusal, cohort=cohort if shown else None,
                           day=day if shown else None), refusal.status


def _code_accepted(code: str, cohort: Cohort, day: CohortDay) -> tuple[bool, CheckinRefused | None]:
    """(fresh, refusal): the code is valid now, or this browser holds a scan pass for the day."""
    try:
        read_code(code, cohort.id, day.id)
        return True, None
    except CheckinRefused as refusal:
        if refusal.reason == "expired" and scan_pass_valid(request.cookies.get(SCAN_COOKIE), cohort.id, day.id):
            return False, None
        return False, refusal


def _with_scan_pass(response, cohort: Cohort, day: CohortDay):
    response.set_cookie(SCAN_COOKIE, make_scan_pass(cohort.id, day.id), max_age=SCAN_PASS_SECONDS,
                        path=url_for("checkin.status", cohort_id=cohort.id, day_id=day.id),
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


@bp.route("/<int:cohort_id>/<int:day_id>/<code>", methods=["GET", "POST"])
def scan(cohort_id: int, day_id: int, code: str):
    """Opened from the QR code: confirm, then 「出席する」 (POST) records 出席 for the signed-in participant."""
    cohort, day = _cohort_day(cohort_id, day_id)
    fresh, refusal = _code_accepted(code, cohort, day)
    if refusal is not None:
        return _refused(refusal, cohort, day)
    if not current_user.is_authenticated:
        response = login_manager.unauthorized()  # to the login page and back here
        return _with_scan_pass(response, cohort, day) if fresh else response
    refusal = refusal_for(current_user, cohort, day)
    if refusal is not None:
        return _refused(refusal, cohort, day)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        outcome = check_in(current_user, cohort, day)
        db.session.commit()
        if outcome.result == "recorded":
            flash("出席を記録しました。", "success")
        response = redirect(url_for("checkin.status", cohort_id=cohort.id, day_id=day.id))
        response.delete_cookie(SCAN_COOKIE, path=url_for("checkin.status", cohort_id=cohort.id, day_id=day.id))
        return response
    outcome = outcome_of(own_record(current_user, day))
    page = render_template("checkin/checkin.html", cohort=cohort, day=day, outcome=outcome, form=form,
                           action=request.path)
    return _with_scan_pass(current_app.make_response(page), cohort, day) if fresh else page


@bp.get("/<int:cohort_id>/<int:day_id>")
@login_required
def status(cohort_id: int, day_id: int):
    """The signed-in participant's own attendance for the day (where a check-in lands)."""
    cohort, day = _cohort_day(cohort_id, day_id)
    refusal = refusal_for(current_user, cohort, day)
    if refusal is not None and refusal.reason == "not_enrolled":
        return _refused(refusal, cohort, day)
    return render_template("checkin/checkin.html", cohort=cohort, day=day,
                           outcome=outcome_of(own_record(current_user, day)), form=None)
