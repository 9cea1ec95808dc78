"""The survey reminder: who has not answered yet, and the one place a reminder mail would be queued.

The mail subsystem (branch ``mail``) is not part of this branch. :func:`queue_survey_reminder` is where
it plugs in: it returns the participants to remind, and once mail exists it queues one message each
(the message names the training and links to the survey; it never carries anything about answers).
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Cohort, Enrolment, SurveyResponded, User


def survey_reminder_recipients(cohort: Cohort) -> list[User]:
    """Participants of the cohort who have not answered its survey (one query)."""
    answered = select(SurveyResponded.user_id).where(SurveyResponded.cohort_id == cohort.id)
    return list(db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort.id, User.id.not_in(answered), User.active.is_(True))
        .order_by(User.sort_name)))


def queue_survey_reminder(cohort: Cohort) -> list[User]:
    """Queue a reminder to everyone who has not answered (TODO: through the mail subsystem when merged)."""
    recipients = survey_reminder_recipients(cohort)
    # The mail queue goes here: for each recipient, queue 「受講後アンケートのお願い」 with the survey's URL.
    return recipients

