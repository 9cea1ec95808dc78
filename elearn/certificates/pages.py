"""The printable 修了証, or what is still missing, for its holder and the cohort's organisers."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from ..cohorts.certificates import ensure_certificate, find_certificate, format_code
from ..cohorts.rules import eligibility
from ..database import write_transaction
from ..extensions import db
from ..models import Cohort, Enrolment, User
from ..permissions import can_view_certificate
from ..urls import external_url


def certificate_page(cohort: Cohort, holder: User, back_url: str):
    """The certificate when ``holder`` has earned it (issued on first view), else what is missing.

    Issuing is a write inside a GET: it goes through :func:`write_transaction`, like every other
    write of a page view, so it waits for the write lock instead of failing under concurrent writes.
    """
    if not can_view_certificate(current_user, cohort, holder):
        abort(403)
    enrolled = db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                            Enrolment.user_id == holder.id))
    if enrolled is None:
        abort(404)
    status = eligibility(cohort, holder.id)
    if not status.eligible:
        return render_template("certificates/certificate_pending.html", cohort=cohort, holder=holder,
                               status=status, back_url=back_url)
    certificate = find_certificate(cohort.id, holder.id)
    if certificate is None or certificate.revoked_at is not None:
        with write_transaction():
            certificate = ensure_certificate(cohort, holder)
    code = format_code(certificate.code)
    return render_template("certificates/certificate.html", cohort=cohort, certificate=certificate,
                           code=code, back_url=back_url,
                           verify_url=external_url("certificates.verify", code=code))
