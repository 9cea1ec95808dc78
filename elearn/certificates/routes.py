"""The learner's own certificates and the public verification page /verify/<code> (rate-limited,
shows only what is printed)."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..cohorts.certificates import format_code, normalise_code
from ..cohorts.certificates import verify as verify_code
from ..cohorts.groups import my_groups
from ..cohorts.learner import cohorts_for_learner
from ..extensions import db, limiter
from ..models import Cohort, Enrolment
from . import bp
from .pages import certificate_page


@bp.get("/certificates/")
@login_required
def mine():
    """The learner's cohorts, their deadlines and a link to each certificate."""
    return render_template("certificates/my_certificates.html", cohorts=cohorts_for_learner(current_user.id))


@bp.get("/certificates/<int:cohort_id>")
@login_required
def own(cohort_id: int):
    """The signed-in learner's own certificate for a cohort they took part in."""
    cohort = db.get_or_404(Cohort, cohort_id)
    return certificate_page(cohort, current_user, url_for("certificates.mine"))


@bp.get("/certificates/<int:cohort_id>/groups")
@login_required
def groups(cohort_id: int):
    """The participant's group on each in-person day (once the organiser locked it): its members'
    names and 所属, and the 事例検討シート they shared with the group."""
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolled = db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                            Enrolment.user_id == current_user.id))
    if enrolled is None or cohort.archived:
        abort(404)
    return render_template("certificates/groups.html", cohort=cohort, groups=my_groups(cohort, current_user.id))


def _verify_limit() -> str:
    return current_app.config["VERIFY_LIMIT"]


verify_limit = limiter.shared_limit(_verify_limit, scope="verify")


@bp.get("/verify/")
@verify_limit
def verify_form():
    """A form to type a certificate's code (no login)."""
    typed = request.args.get("code", "")[:64]
    if typed:
        code = normalise_code(typed)
        return redirect(url_for("certificates.verify", code=format_code(code) if code else typed[:40]))
    return render_template("certificates/verify.html", certificate=None, searched=False)


@bp.get("/verify/<code>")
@verify_limit
def verify(code: str):
    """Confirms a valid certificate: holder's name, cohort and date, nothing more (no login)."""
    found = verify_code(code) if len(code) <= 64 else None
    page = render_template("certificates/verify.html", certificate=found, searched=True,
                           code=format_code(found.code) if found else code[:40])
    return page, 200 if found else 404, {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
