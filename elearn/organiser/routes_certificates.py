"""修了証: the printable certificate for its holder and the cohort's organisers, and the public
verification page /verify/<code> (rate-limited, shows only what is printed)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db, limiter
from ..forms import EmptyForm
from ..models import Cohort, Enrolment, User
from ..permissions import can_view_certificate, cohort_organiser_required
from . import bp, public_bp
from .certificates import (eligibility, ensure_certificate, find_certificate, format_code, normalise_code,
                           revoke_certificate)
from .certificates import verify as verify_code
from .services import cohorts_for_learner, required_modules


def _certificate_page(cohort: Cohort, holder: User, back_url: str):
    """The certificate when ``holder`` has earned it (issued on first view), else what is missing."""
    if not can_view_certificate(current_user, cohort, holder):
        abort(403)
    enrolled = db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                            Enrolment.user_id == holder.id))
    if enrolled is None:
        abort(404)
    status = eligibility(cohort, holder.id, [m.id for m in required_modules(cohort)])
    if not status.eligible:
        return render_template("organiser/certificate_pending.html", cohort=cohort, holder=holder,
                               status=status, back_url=back_url)
    certificate = ensure_certificate(cohort, holder)
    db.session.commit()
    return render_template("organiser/certificate.html", cohort=cohort, certificate=certificate,
                           code=format_code(certificate.code), back_url=back_url,
                           verify_url=url_for("certificates.verify", code=format_code(certificate.code),
                                              _external=True))


@bp.get("/cohorts/<int:cohort_id>/participants/<int:user_id>/certificate")
@cohort_organiser_required
def certificate(cohort: Cohort, user_id: int):
    """A participant's certificate, for the cohort's organisers."""
    return _certificate_page(cohort, db.get_or_404(User, user_id),
                             url_for("organiser.cohort", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/participants/<int:user_id>/certificate/revoke")
@cohort_organiser_required
def revoke(cohort: Cohort, user_id: int):
    """Revoke a certificate: its code stops verifying (a still-eligible participant gets a new code)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    issued = find_certificate(cohort.id, user_id)
    if issued is None or issued.revoked_at is not None:
        abort(404)
    revoke_certificate(issued)
    db.session.commit()
    flash(f"{issued.holder_name} さんの修了証（{format_code(issued.code)}）を取り消しました。", "success")
    return redirect(url_for("organiser.cohort", cohort_id=cohort.id))


@public_bp.get("/certificates/")
@login_required
def mine():
    """The learner's cohorts, their deadlines and a link to each certificate."""
    return render_template("organiser/my_certificates.html", cohorts=cohorts_for_learner(current_user.id))


@public_bp.get("/certificates/<int:cohort_id>")
@login_required
def own(cohort_id: int):
    """The signed-in learner's own certificate for a cohort they took part in."""
    cohort = db.get_or_404(Cohort, cohort_id)
    return _certificate_page(cohort, current_user, url_for("certificates.mine"))


def _verify_limit() -> str:
    return current_app.config["VERIFY_LIMIT"]


verify_limit = limiter.shared_limit(_verify_limit, scope="verify")


@public_bp.get("/verify/")
@verify_limit
def verify_form():
    """A form to type a certificate's code (no login)."""
    typed = request.args.get("code", "")[:64]
    if typed:
        code = normalise_code(typed)
        return redirect(url_for("certificates.verify", code=format_code(code) if code else typed[:40]))
    return render_template("organiser/verify.html", certificate=None, searched=False)


@public_bp.get("/verify/<code>")
@verify_limit
def verify(code: str):
    """Confirms a valid certificate: holder's name, cohort and date, nothing more (no login)."""
    found = verify_code(code) if len(code) <= 64 else None
    page = render_template("organiser/verify.html", certificate=found, searched=True,
                           code=format_code(found.code) if found else code[:40])
    return page, 200 if found else 404, {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
