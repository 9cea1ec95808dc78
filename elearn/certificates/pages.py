"""The printable 修了証, or what is still missing, for its holder and the cohort's organisers."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from ..cohorts.certificates import ensure_certificate, find_certificate, format_code
from ..cohorts.rules import eligibility
from ..database import write_transaction
from ..extensions import db
from ..models import DEFAULT_CERTIFICATE_TITLE, CertificateSettings, Cohort, Enrolment, User
from ..permissions import can_view_certificate
from ..urls import external_url


@dataclass
class CertificateWording:
    """What a cohort's 修了証 prints about itself and who issues it."""

    title: str
    issuer: str
    issuer_title: str
    seal: bool


def certificate_wording(cohort: Cohort) -> CertificateWording:
    """The cohort's certificate settings, or the defaults (issuer: the app's ``CERTIFICATE_ISSUER``)."""
    settings = db.session.get(CertificateSettings, cohort.id)
    if settings is None:
        return CertificateWording(DEFAULT_CERTIFICATE_TITLE, current_app.config["CERTIFICATE_ISSUER"], "", True)
    return CertificateWording(settings.title or DEFAULT_CERTIFICATE_TITLE,
                              settings.issuer or current_app.config["CERTIFICATE_ISSUER"], settings.issuer_title,
                              settings.seal)


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
                           code=code, back_url=back_url, wording=certificate_wording(cohort),
                           verify_url=external_url("certificates.verify", code=code))
