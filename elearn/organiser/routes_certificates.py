"""A participant's 修了証 for the cohort's organisers, and revoking it."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for

from .. import audit
from ..certificates.pages import certificate_page
from ..cohorts.certificates import find_certificate, format_code, revoke_certificate
from ..extensions import db
from ..forms import EmptyForm
from ..models import Cohort, User
from ..permissions import cohort_organiser_required
from . import bp


@bp.get("/cohorts/<int:cohort_id>/participants/<int:user_id>/certificate")
@cohort_organiser_required
def certificate(cohort: Cohort, user_id: int):
    """A participant's certificate, for the cohort's organisers."""
    return certificate_page(cohort, db.get_or_404(User, user_id), url_for("organiser.cohort", cohort_id=cohort.id))


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
    audit.record("certificate_revoked", target_type="certificate", target_id=issued.id, cohort=cohort.id,
                 holder=user_id)
    db.session.commit()
    flash(f"{issued.holder_name} さんの修了証（{format_code(issued.code)}）を取り消しました。", "success")
    return redirect(url_for("organiser.cohort", cohort_id=cohort.id))
