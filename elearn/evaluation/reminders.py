"""The survey reminder: 「受講後アンケートのお願い」 to the participants who have not answered.

Queued through the mail outbox like the other reminders (elearn.organiser.reminders): a dedupe key of
kind, cohort, person and date, so a person gets it at most once a day however often it is sent; people
who stopped reminders are left out; the mail carries List-Unsubscribe. Sent by hand from the report
page and by ``elearn reminders run`` on the day the survey opens and ``SURVEY_REMINDER_DAYS`` later.
The mail is the same for everyone (no name, nothing about answers or other people): only the link.
Organisers see counts only, never who has not answered (the survey is anonymous).
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import String, cast, func, literal, or_, select

from ..dates import today
from ..extensions import db
from ..mail import render_mail
from ..mail.queue import mail_payload
from ..models import Cohort, Enrolment, MailPreference, OutboxItem, SurveyResponded, User
from ..outbox import enqueue_many
from ..urls import external_url
from .rules import cohort_setup, post_opens_on

KIND = "reminder_survey"
#: Days after the survey opens on which ``elearn reminders run`` sends it (0 = the opening day).
DEFAULT_DAYS = (0, 3)


def _not_answered(cohort: Cohort):
    answered = select(SurveyResponded.user_id).where(SurveyResponded.cohort_id == cohort.id)
    return (select(User).join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.cohort_id == cohort.id, User.id.not_in(answered), User.active.is_(True)))


def survey_reminder_recipients(cohort: Cohort) -> list[User]:
    """Participants of the cohort who have not answered its survey (one query)."""
    return list(db.session.scalars(_not_answered(cohort).order_by(User.sort_name)))


def not_answered_count(cohort: Cohort) -> int:
    """How many active participants have not answered (the only figure organisers see about them)."""
    return db.session.scalar(select(func.count()).select_from(_not_answered(cohort).subquery()))


def _dedupe_key(cohort_id: int, user_id: int, on: date) -> str:
    return f"{KIND}:{cohort_id}:{user_id}:{on.isoformat()}"


def reminder_targets(cohort: Cohort, on: date) -> list[User]:
    """Who the reminder goes to on ``on``: not answered, reminders not stopped, not sent it that day."""
    sent = select(OutboxItem.id).where(OutboxItem.dedupe_key == literal(f"{KIND}:{cohort.id}:", String)
                                       + cast(User.id, String) + literal(f":{on.isoformat()}", String))
    statement = (_not_answered(cohort).outerjoin(MailPreference, MailPreference.user_id == User.id)
                 .where(or_(MailPreference.reminders.is_(None), MailPreference.reminders.is_(True)), ~sent.exists())
                 .order_by(User.sort_name, User.id))
    return list(db.session.scalars(statement))


def survey_open(cohort: Cohort, on: date) -> bool:
    """Whether the cohort's survey takes answers on ``on`` (it has one, not archived, opened)."""
    return not cohort.archived and on >= post_opens_on(cohort) and cohort_setup(cohort).survey is not None


def render_survey_reminder(cohort: Cohort) -> tuple[str, str]:
    """``(subject, text)`` of the reminder: the same for every recipient."""
    return render_mail(KIND, cohort=cohort, survey_url=external_url("evaluation.take_survey", cohort_id=cohort.id))


def queue_survey_reminder(cohort: Cohort, on: date | None = None) -> int:
    """Queue the reminder to everyone who has not answered (once per person and day); how many were queued.

    Nothing while the survey is not open. The caller commits.
    """
    on = on or today()
    if not survey_open(cohort, on):
        return 0
    subject, text = render_survey_reminder(cohort)
    return enqueue_many("mail", KIND, (
        (mail_payload(KIND, person, subject, text),
         {"recipient": person.email, "summary": subject, "user_id": person.id, "cohort_id": cohort.id,
          "dedupe_key": _dedupe_key(cohort.id, person.id, on)})
        for person in reminder_targets(cohort, on)))


def reminder_days() -> tuple[int, ...]:
    """``SURVEY_REMINDER_DAYS`` (days after opening, e.g. ``(0, 3)``)."""
    return tuple(current_app.config.get("SURVEY_REMINDER_DAYS", DEFAULT_DAYS))


def run_survey_reminders(on: date | None = None) -> list[tuple[Cohort, str, int]]:
    """For ``elearn reminders run``: queue the reminder of every cohort whose survey opened
    ``SURVEY_REMINDER_DAYS`` ago and is open; ``(cohort, kind, count)`` for each."""
    on = on or today()
    days = reminder_days()
    queued = []
    for cohort in db.session.scalars(select(Cohort).where(Cohort.archived.is_(False)).order_by(Cohort.id)):
        if (on - post_opens_on(cohort)).days in days and survey_open(cohort, on):
            queued.append((cohort, KIND, queue_survey_reminder(cohort, on)))
    return queued
