"""Cohorts: who may see them, creating and changing them, and their participants."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..cohorts.groups import remove_from_groups
from ..extensions import db
from ..models import (CURRICULA, Attendance, Certificate, Cohort, CohortDay, Enrolment, Module, User,
                      cohort_organisers)
from ..permissions import is_admin


def visible_cohorts(user: User, archived: bool = False) -> Select:
    """Cohorts ``user`` may see, newest window first: every cohort for an admin, else those assigned."""
    statement = select(Cohort).where(Cohort.archived.is_(archived)).order_by(Cohort.opens_on.desc(), Cohort.id.desc())
    if not is_admin(user):
        statement = statement.join(cohort_organisers).where(cohort_organisers.c.user_id == user.id)
    return statement


def participant_counts(cohort_ids: list[int]) -> dict[int, int]:
    """Number of participants per cohort (one query)."""
    if not cohort_ids:
        return {}
    rows = db.session.execute(select(Enrolment.cohort_id, func.count()).where(Enrolment.cohort_id.in_(cohort_ids))
                              .group_by(Enrolment.cohort_id))
    return dict(rows.all())


def participant_count(cohort: Cohort) -> int:
    return participant_counts([cohort.id]).get(cohort.id, 0)


def module_choices() -> list[Module]:
    """Every current module, scene and case, grouped by curriculum, for choosing required modules."""
    return list(db.session.scalars(select(Module).where(Module.retired.is_(False))
                                   .order_by(Module.curriculum, Module.position)))


def module_groups(modules: list[Module]) -> list[tuple[str, str, list[Module]]]:
    """``modules`` grouped by curriculum in the site's order: (key, label, modules)."""
    groups = [(key, label, [m for m in modules if m.curriculum == key]) for key, label in CURRICULA.items()]
    return [group for group in groups if group[2]]


def default_required_ids(curriculum: str, modules: list[Module]) -> list[int]:
    """The default requirement: the whole curriculum's current modules."""
    return [m.id for m in modules if m.curriculum == curriculum]


@dataclass
class CohortChanges:
    """What a cohort form asks for, already validated."""

    name: str
    curriculum: str
    opens_on: date
    closes_on: date
    venue: str
    online: bool
    capacity: int
    days: list[date]
    module_ids: list[int]
    organisers: list[User] = field(default_factory=list)


def days_with_attendance(cohort: Cohort, keep: list[date]) -> list[date]:
    """The cohort's days that have attendance recorded and are not in ``keep`` (they must stay)."""
    if cohort.id is None:
        return []
    return list(db.session.scalars(
        select(CohortDay.day).where(CohortDay.cohort_id == cohort.id, CohortDay.day.not_in(keep or [date.min]))
        .where(select(Attendance.id).where(Attendance.day_id == CohortDay.id).exists())
        .order_by(CohortDay.day)))


def save_cohort(cohort: Cohort, changes: CohortChanges, modules: list[Module]) -> Cohort:
    """Apply ``changes`` to ``cohort`` (new or existing); no required modules means the whole curriculum."""
    for name in ("name", "curriculum", "opens_on", "closes_on", "venue", "online", "capacity"):
        setattr(cohort, name, getattr(changes, name))
    existing = {d.day: d for d in cohort.days}
    cohort.days = [existing.get(day) or CohortDay(day=day) for day in sorted(set(changes.days))]
    chosen = set(changes.module_ids) or set(default_required_ids(changes.curriculum, modules))
    cohort.required_modules = [m for m in modules if m.id in chosen]
    before = {u.id for u in cohort.organisers} if cohort.id else set()
    cohort.organisers = list(changes.organisers)
    db.session.add(cohort)
    after = {u.id for u in cohort.organisers}
    if before != after:
        db.session.flush()
        audit.record("cohort_organisers_changed", target_type="cohort", target_id=cohort.id,
                     added=sorted(after - before), removed=sorted(before - after))
    return cohort


def load_cohort_for_form(cohort_id: int) -> Cohort:
    """A cohort with its days, organisers and required modules loaded."""
    return db.session.scalar(select(Cohort).where(Cohort.id == cohort_id).options(
        selectinload(Cohort.days), selectinload(Cohort.organisers), selectinload(Cohort.required_modules)))


class ParticipantError(ValueError):
    """A participant cannot be removed (the message is for the organiser)."""


def remove_participant(cohort: Cohort, user_id: int) -> User:
    """Take a participant out of ``cohort`` with their attendance; refused while a certificate is valid."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                                          Enrolment.user_id == user_id))
    if enrolment is None:
        raise ParticipantError("この研修の参加者ではありません。")
    certificate = db.session.scalar(select(Certificate).where(Certificate.cohort_id == cohort.id,
                                                              Certificate.user_id == user_id))
    if certificate is not None and certificate.revoked_at is None:
        raise ParticipantError("修了証を発行済みのため外せません。先に修了証を取り消してください。")
    day_ids = select(CohortDay.id).where(CohortDay.cohort_id == cohort.id)
    db.session.execute(delete(Attendance).where(Attendance.user_id == user_id, Attendance.day_id.in_(day_ids)))
    remove_from_groups(cohort, user_id)
    if certificate is not None:
        db.session.delete(certificate)
    user = enrolment.user
    db.session.delete(enrolment)
    return user


def participant_ids(user: User) -> Select:
    """A select of the user ids enrolled in cohorts assigned to ``user`` (for scoping searches)."""
    return (select(Enrolment.user_id).join(cohort_organisers, cohort_organisers.c.cohort_id == Enrolment.cohort_id)
            .where(cohort_organisers.c.user_id == user.id))
