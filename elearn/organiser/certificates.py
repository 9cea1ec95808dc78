"""修了証: who has earned one, issuing it once with an unguessable code, and verifying a code.

The rule: a participant earns the certificate when they have completed every required module of
the cohort that is still current (at least one) and were recorded present on every one of the
cohort's in-person days (a cohort without in-person days needs the modules only).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Attendance, Certificate, Cohort, CohortDay, Progress, User, utcnow

#: No 0/O or 1/I: codes are read off paper and typed in.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16  # 80 bits


@dataclass
class Eligibility:
    """How far a participant is from the certificate."""

    required: int
    completed: int
    days: int
    attended: int

    @property
    def modules_done(self) -> bool:
        return self.required > 0 and self.completed >= self.required

    @property
    def attendance_done(self) -> bool:
        return self.attended >= self.days

    @property
    def eligible(self) -> bool:
        return self.modules_done and self.attendance_done


def eligibility(cohort: Cohort, user_id: int, required_ids: list[int]) -> Eligibility:
    """Completed required modules and attended days of one participant (two queries)."""
    completed = db.session.scalar(select(func.count()).select_from(Progress).where(
        Progress.user_id == user_id, Progress.module_id.in_(required_ids or [0]),
        Progress.completed_at.is_not(None))) if required_ids else 0
    days, attended = db.session.execute(
        select(func.count(CohortDay.id), func.count(Attendance.id))
        .select_from(CohortDay)
        .outerjoin(Attendance, (Attendance.day_id == CohortDay.id) & (Attendance.user_id == user_id)
                   & Attendance.present.is_(True))
        .where(CohortDay.cohort_id == cohort.id)).one()
    return Eligibility(len(required_ids), completed, days, attended)


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
        return certificate
    try:
        with db.session.begin_nested():
            certificate = Certificate(cohort_id=cohort.id, user_id=holder.id, code=new_code(),
                                      holder_name=holder.display_name, cohort_name=cohort.name)
            db.session.add(certificate)
    except IntegrityError:
        certificate = find_certificate(cohort.id, holder.id)
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
