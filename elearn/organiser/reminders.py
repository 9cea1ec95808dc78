"""Reminder mails of a cohort: 「遅れている人にリマインド」 by hand, and the automatic ones sent by
``elearn reminders run`` (days before 受講期間の終了 to those not finished, the day before each 集合研修日 to
everyone). Each is queued with a dedupe key of kind, cohort, person and date, so however often it
runs a person gets each at most once; people who stopped reminders are left out. One query selects
the recipients and one statement queues them, whatever the cohort's size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, func, literal, or_, select

from ..cohorts.rules import expected_done, required_modules
from ..dates import today
from ..extensions import db
from ..mail import render_mail
from ..mail.queue import mail_payload
from ..models import Cohort, CohortReminder, Enrolment, MailPreference, OutboxItem, User
from ..outbox import enqueue_many
from ..urls import external_url

PREVIEW_LIMIT = 100


@dataclass(frozen=True)
class Recipient:
    """A participant a reminder goes to, with what the mail says about their progress."""

    id: int
    email: str
    display_name: str
    done: int


def _dedupe_key(kind: str, cohort_id: int, user_id: int, on: date, extra: str = "") -> str:
    return f"{kind}{extra}:{cohort_id}:{user_id}:{on.isoformat()}"


def recipients(cohort: Cohort, module_ids: list[int], *, who: str, kind: str, on: date,
               limit: int | None = None, extra: str = "") -> list[Recipient]:
    """Active participants (``who``: behind, incomplete or all) who want reminders and have not been
    sent this reminder for ``on`` yet, in あいうえお order (one query)."""
    count = Enrolment.modules_done  # the stored count of required modules completed (cohorts/counts.py)
    statement = (select(User.id, User.email, User.display_name, count.label("done"))
                 .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
                 .outerjoin(MailPreference, MailPreference.user_id == User.id)
                 .where(Enrolment.cohort_id == cohort.id, User.active.is_(True),
                        or_(MailPreference.reminders.is_(None), MailPreference.reminders.is_(True)))
                 .where(~select(OutboxItem.id).where(
                     OutboxItem.dedupe_key == literal(f"{kind}{extra}:{cohort.id}:", String)
                     + cast(User.id, String) + literal(f":{on.isoformat()}", String)).exists()))
    if who == "behind":
        statement = statement.where(count < expected_done(cohort, len(module_ids), on))
    elif who == "incomplete":
        statement = statement.where(count < len(module_ids))
    statement = statement.order_by(User.sort_name, User.id)
    if limit:
        statement = statement.limit(limit)
    return [Recipient(*row) for row in db.session.execute(statement)]


def count_recipients(cohort: Cohort, module_ids: list[int], **kwargs) -> int:
    """How many :func:`recipients` there are (one query)."""
    return len(recipients(cohort, module_ids, **kwargs))


def _context(cohort: Cohort, person: Recipient, required: int, on: date, **extra) -> dict:
    return {"cohort": cohort, "user": person, "required": required, "completed": person.done,
            "days_left": (cohort.closes_on - on).days, "dashboard_url": external_url("home.dashboard")} | extra


def render_reminder(kind: str, cohort: Cohort, person: Recipient, required: int, on: date, **extra) -> tuple[str, str]:
    """``(subject, text)`` of a reminder to ``person``."""
    return render_mail(kind, **_context(cohort, person, required, on, **extra))


def queue_reminders(cohort: Cohort, people: list[Recipient], kind: str, required: int, on: date,
                    extra: str = "", **context) -> int:
    """Queue ``kind`` for ``people`` in one statement (skipping anyone already sent it for ``on``)."""
    def messages():
        for person in people:
            subject, text = render_reminder(kind, cohort, person, required, on, **context)
            yield (mail_payload(kind, person, subject, text),
                   {"recipient": person.email, "summary": subject, "user_id": person.id, "cohort_id": cohort.id,
                    "dedupe_key": _dedupe_key(kind, cohort.id, person.id, on, extra)})
    return enqueue_many("mail", kind, messages())


def remind_behind(cohort: Cohort, on: date | None = None) -> int:
    """「遅れている人にリマインド」: queue the mail for everyone behind today (once a day each)."""
    on = on or today()
    module_ids = [m.id for m in required_modules(cohort)]
    people = recipients(cohort, module_ids, who="behind", kind="reminder_behind", on=on)
    return queue_reminders(cohort, people, "reminder_behind", len(module_ids), on)


def reminder_settings(cohort: Cohort) -> CohortReminder:
    """The cohort's automatic reminder settings (defaults, unsaved, when it has none)."""
    return db.session.get(CohortReminder, cohort.id) or CohortReminder(
        cohort_id=cohort.id, enabled=False, days_before_close="7,1", day_before_in_person=True)


def due_reminders(on: date) -> list[tuple[Cohort, str, dict]]:
    """The automatic reminders due on ``on``: (cohort, kind, details) for each enabled, open cohort."""
    cohorts = db.session.scalars(
        select(Cohort).join(CohortReminder, CohortReminder.cohort_id == Cohort.id)
        .where(CohortReminder.enabled.is_(True), Cohort.archived.is_(False))).all()
    due = []
    for cohort in cohorts:
        settings = db.session.get(CohortReminder, cohort.id)
        left = (cohort.closes_on - on).days
        if left in settings.close_offsets and cohort.opens_on <= on:
            due.append((cohort, "reminder_close", {"offset": left}))
        if settings.day_before_in_person:
            for day in cohort.days:
                if (day.day - on).days == 1:
                    due.append((cohort, "reminder_day", {"day": day.day}))
    return due


def run_reminders(on: date | None = None) -> list[tuple[Cohort, str, int]]:
    """Queue every automatic reminder due on ``on`` (Japan's today); safe to run any number of times."""
    on = on or today()
    queued = []
    for cohort, kind, details in due_reminders(on):
        module_ids = [m.id for m in required_modules(cohort)]
        if kind == "reminder_close":
            extra = f"-{details['offset']}"
            people = recipients(cohort, module_ids, who="incomplete", kind=kind, on=on, extra=extra)
            count = queue_reminders(cohort, people, kind, len(module_ids), on, extra=extra)
        else:
            people = recipients(cohort, module_ids, who="all", kind=kind, on=details["day"])
            count = queue_reminders(cohort, people, kind, len(module_ids), details["day"], day=details["day"])
        queued.append((cohort, kind, count))
    return queued
