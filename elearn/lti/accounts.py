"""Who a launch signs in as: the account bound to the platform's ``sub``, its role, and the cohort of
the platform's course."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from ..dates import today
from ..extensions import db
from ..models import Cohort, Enrolment, LtiAccount, LtiContext, LtiPlatform, Role, User, cohort_organisers

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
INSTRUCTOR_ROLES = {f"{LIS}membership#Instructor", f"{LIS}institution/person#Instructor",
                    f"{LIS}membership#ContentDeveloper", f"{LIS}system/person#Administrator",
                    f"{LIS}institution/person#Administrator"}
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def is_instructor(launch: dict) -> bool:
    """Whether the launch's roles claim names an instructor (or the platform's administrator)."""
    roles = set(launch.get(CLAIM + "roles") or [])
    return bool(roles & INSTRUCTOR_ROLES) or any(r.endswith("#Instructor") for r in roles)


def _placeholder_email(platform: LtiPlatform, sub: str) -> str:
    """A unique, undeliverable address for an account known only by its ``sub``."""
    digest = hashlib.sha256(f"{platform.id}:{sub}".encode()).hexdigest()[:24]
    return f"lti-{platform.id}-{digest}@lti.invalid"


def account_for(platform: LtiPlatform, launch: dict) -> User:
    """The account of the launch's ``sub`` on ``platform``, created (or matched by e-mail when the
    registration trusts the platform's e-mails) on the first launch. Caller commits."""
    sub = str(launch["sub"])
    user = db.session.scalar(select(User).join(LtiAccount, LtiAccount.user_id == User.id)
                             .where(LtiAccount.platform_id == platform.id, LtiAccount.sub == sub))
    if user is None:
        email = (launch.get("email") or "").strip().lower()
        if platform.trust_email and email:
            user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            name = (launch.get("name") or launch.get("given_name") or "").strip()[:100] or "LTI利用者"
            user = User(email=email if platform.trust_email and email else _placeholder_email(platform, sub),
                        display_name=name, organisation=platform.name[:200], role=Role.LEARNER.value,
                        password_hash=None)
            db.session.add(user)
            db.session.flush()
        db.session.add(LtiAccount(platform_id=platform.id, sub=sub, user_id=user.id))
    if is_instructor(launch) and user.role == Role.LEARNER.value and user.password_hash is None:
        user.role = Role.ORGANISER.value
    return user


def bind_context(platform: LtiPlatform, launch: dict, user: User) -> Cohort | None:
    """The cohort bound to the launch's course (created on its first launch): instructors organise
    it, learners are enrolled in it. None when the launch names no course."""
    context = launch.get(CLAIM + "context") or {}
    context_id = str(context.get("id") or "")
    if not context_id:
        return None
    link = db.session.scalar(select(LtiContext).where(LtiContext.platform_id == platform.id,
                                                      LtiContext.context_id == context_id[:255]))
    if link is None:
        title = str(context.get("title") or context.get("label") or context_id)
        start = today()
        cohort = Cohort(name=f"{platform.name[:80]}: {title[:100]}", curriculum="initial", opens_on=start,
                        closes_on=start + timedelta(days=365), capacity=1000, online=True)
        db.session.add(cohort)
        db.session.flush()
        link = LtiContext(platform_id=platform.id, context_id=context_id[:255], cohort_id=cohort.id)
        db.session.add(link)
    cohort = db.session.get(Cohort, link.cohort_id)
    if is_instructor(launch):
        member = db.session.execute(select(cohort_organisers).where(
            cohort_organisers.c.cohort_id == cohort.id, cohort_organisers.c.user_id == user.id)).first()
        if member is None:
            db.session.execute(cohort_organisers.insert().values(cohort_id=cohort.id, user_id=user.id))
    elif db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                      Enrolment.user_id == user.id)) is None:
        db.session.add(Enrolment(cohort_id=cohort.id, user_id=user.id))
    return cohort
