"""修了証: issuing it once with an unguessable code, revoking it, and verifying a code.

Who has earned one is :func:`elearn.cohorts.rules.eligibility`.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..events import certificate_issued, emit
from ..extensions import db
from ..models import Certificate, Cohort, User, utcnow

#: No 0/O or 1/I: codes are read off paper and typed in.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16  # 80 bits


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCD-EFGH-JKLM-NPQR, as printed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str | None:
    """The stored form of a code as typed (any case, hyphens and spaces ignored), or None if it cannot be one."""
    code = re.sub(r"[\s\-ー－‐]", "", text or "").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def find_certificate(cohort_id: int, user_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.cohort_id == cohort_id,
                                                       Certificate.user_id == user_id))


def ensure_certificate(cohort: Cohort, holder: User) -> Certificate:
    """The holder's valid certificate, issuing it (or a new code after a revocation) when needed.

    Call only for an eligible participant; the caller commits. Two requests at once end with one row.
    """
    certificate = find_certificate(cohort.id, holder.id)
    if certificate is not None and certificate.revoked_at is None:
        return certificate
    if certificate is not None:
        certificate.code, certificate.issued_at, certificate.revoked_at = new_code(), utcnow(), None
        certificate.holder_name, certificate.cohort_name = holder.display_name, cohort.name
        emit(certificate_issued, certificate=certificate, cohort=cohort)
        return certificate
    try:
        with db.session.begin_nested():
            certificate = Certificate(cohort_id=cohort.id, user_id=holder.id, code=new_code(),
                                      holder_name=holder.display_name, cohort_name=cohort.name)
            db.session.add(certificate)
    except IntegrityError:
        return find_certificate(cohort.id, holder.id)
    emit(certificate_issued, certificate=certificate, cohort=cohort)
    return certificate


def revoke_certificate(certificate: Certificate) -> None:
    """The code stops verifying; if the participant is still eligible, opening it again issues a new code."""
    certificate.revoked_at = utcnow()


def verify(code_text: str) -> Certificate | None:
    """The valid certificate with this code, or None."""
    code = normalise_code(code_text)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code, Certificate.revoked_at.is_(None)))
