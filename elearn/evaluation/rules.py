"""When a cohort's pre-test, post-test and survey are open to a participant, and which forms it uses.

- 事前テスト: from the first day of 受講期間 until the participant opens their first required module
  (and never once the post-test has opened); one attempt.
- 事後テスト and 受講後アンケート: from the last in-person day (so they can be done at the end of that
  day), or from the last day of 受講期間 for a cohort without in-person days; one each.
- An archived cohort takes nothing. No feedback on the pre-test until the post-test is done.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..cohorts.rules import required_modules
from ..dates import today
from ..extensions import db
from ..models import (AssessmentAttempt, AssessmentForm, Cohort, CohortEvaluation, Enrolment, Progress, Survey,
                      SurveyResponded)


@dataclass
class Setup:
    """The forms and survey a cohort uses (None when the content has none for it)."""

    pre: AssessmentForm | None
    post: AssessmentForm | None
    survey: Survey | None


def cohort_setup(cohort: Cohort) -> Setup:
    """The cohort's chosen forms and survey, else its curriculum's first shipped form and survey."""
    chosen = db.session.get(CohortEvaluation, cohort.id)
    default_form = db.session.scalar(select(AssessmentForm).where(
        AssessmentForm.curriculum == cohort.curriculum, AssessmentForm.retired.is_(False)).order_by(AssessmentForm.slug))
    default_survey = db.session.scalar(select(Survey).where(
        Survey.curriculum == cohort.curriculum, Survey.retired.is_(False)).order_by(Survey.slug))
    if chosen is None:
        return Setup(default_form, default_form, default_survey)

    def pick(model, key, default):
        row = db.session.get(model, key) if key else None
        return row if row is not None and not row.retired else default
    return Setup(pick(AssessmentForm, chosen.pre_form_id, default_form),
                 pick(AssessmentForm, chosen.post_form_id, default_form),
                 pick(Survey, chosen.survey_id, default_survey))


def post_opens_on(cohort: Cohort) -> date:
    """The first day of the post-test and the survey: the last in-person day, else the end of 受講期間."""
    return max((d.day for d in cohort.days), default=cohort.closes_on)


@dataclass
class Window:
    """Whether a participant may take one thing now; ``reason`` says why not, in Japanese."""

    open: bool
    reason: str = ""


def is_enrolled(cohort: Cohort, user_id: int) -> bool:
    return db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id,
                                                        Enrolment.user_id == user_id)) is not None


def attempt_of(cohort: Cohort, user_id: int, phase: str) -> AssessmentAttempt | None:
    return db.session.scalar(select(AssessmentAttempt).where(
        AssessmentAttempt.cohort_id == cohort.id, AssessmentAttempt.user_id == user_id,
        AssessmentAttempt.phase == phase))


def opened_required_module(cohort: Cohort, user_id: int) -> bool:
    """Whether the participant has opened any of the cohort's required modules."""
    ids = [m.id for m in required_modules(cohort)]
    return bool(ids) and db.session.scalar(select(Progress.id).where(
        Progress.user_id == user_id, Progress.module_id.in_(ids)).limit(1)) is not None


def test_window(cohort: Cohort, user_id: int, phase: str, on: date | None = None) -> Window:
    """Whether ``phase`` (pre | post) is open to the participant today."""
    on = on or today()
    if cohort.archived:
        return Window(False, "この研修はアーカイブ済みのため、回答できません。")
    if not is_enrolled(cohort, user_id):
        return Window(False, "この研修の参加者ではないため、回答できません。")
    if attempt_of(cohort, user_id, phase) is not None:
        label = "事前テスト" if phase == "pre" else "事後テスト"
        return Window(False, f"{label}はすでに回答済みです（回答は1回だけです）。")
    if phase == "pre":
        if on < cohort.opens_on:
            return Window(False, f"事前テストは受講期間の初日（{cohort.opens_on.month}月{cohort.opens_on.day}日）から回答できます。")
        if on >= post_opens_on(cohort) or on > cohort.closes_on:
            return Window(False, "事前テストの回答期間は終わりました。")
        if opened_required_module(cohort, user_id):
            return Window(False, "必修教材を開いたため、事前テストの回答期間は終わりました（事前テストは学習を始める前に回答します）。")
        return Window(True)
    start = post_opens_on(cohort)
    if on < start:
        return Window(False, f"事後テストは{start.month}月{start.day}日から回答できます。")
    return Window(True)


def survey_window(cohort: Cohort, user_id: int, on: date | None = None) -> Window:
    """Whether the survey is open to the participant today (one response per person and cohort)."""
    on = on or today()
    if cohort.archived:
        return Window(False, "この研修はアーカイブ済みのため、回答できません。")
    if not is_enrolled(cohort, user_id):
        return Window(False, "この研修の参加者ではないため、回答できません。")
    if db.session.get(SurveyResponded, (cohort.id, user_id)) is not None:
        return Window(False, "アンケートはすでに回答済みです（回答は1回だけです）。ご協力ありがとうございました。")
    start = post_opens_on(cohort)
    if on < start:
        return Window(False, f"受講後アンケートは{start.month}月{start.day}日から回答できます。")
    return Window(True)
