"""The committee's report for one cohort: participation, pre/post gain, survey results, weakest questions
and modules. A fixed number of statements whatever the cohort's size (measured in bench/effect.py).

Pre/post (README 「Training effect」): the mean score of each test over everyone who took it; the paired
gain d_i = post_i − pre_i over participants who took both; its mean, its sample standard deviation
s_d and the effect size d_z = mean(d) / s_d (Cohen's d for paired samples), by :mod:`statistics`.
"""
from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..cohorts.rules import required_modules
from ..content.evaluation import SCALE
from ..dates import JST
from ..extensions import db
from ..models import (ATTENDED_VALUES, AssessmentAttempt, Attendance, Cohort, CohortDay, Enrolment, Progress, Survey,
                      SurveyAnswer, SurveyResponse)
from . import analysis
from .rules import cohort_setup

#: No survey figure is shown for fewer responses than this (pages and exports alike).
K_FLOOR = 5
GAIN_BINS = list(range(-100, 101, 10))


@dataclass
class Paired:
    """Pre/post figures: means over each test's takers, and the paired gain with its effect size."""

    pre_n: int = 0
    pre_mean: float | None = None
    post_n: int = 0
    post_mean: float | None = None
    n: int = 0
    mean_gain: float | None = None
    sd_gain: float | None = None
    effect_size: float | None = None
    gains: list[int] = field(default_factory=list)
    #: (lower bound, count) of gains in 10-point bins from −100 to +100.
    histogram: list[tuple[int, int]] = field(default_factory=list)


def paired_statistics(pre: list[int], post: list[int], pairs: list[tuple[int, int]]) -> Paired:
    """Means of each test and the paired gain, its sample SD and d_z = mean gain / SD (None where undefined)."""
    result = Paired(pre_n=len(pre), post_n=len(post))
    result.pre_mean = statistics.fmean(pre) if pre else None
    result.post_mean = statistics.fmean(post) if post else None
    result.gains = [b - a for a, b in pairs]
    result.n = len(result.gains)
    if result.gains:
        result.mean_gain = statistics.fmean(result.gains)
    if result.n >= 2:
        result.sd_gain = statistics.stdev(result.gains)
        result.effect_size = result.mean_gain / result.sd_gain if result.sd_gain else None
    counts = {low: 0 for low in GAIN_BINS[:-1]}
    for gain in result.gains:
        counts[min(90, max(-100, (gain // 10) * 10))] += 1
    result.histogram = sorted(counts.items())
    return result


@dataclass
class ItemResult:
    """One survey item over the cohort's responses (hidden below K_FLOOR answers)."""

    id: str
    type: str
    prompt: str
    answered: int
    shown: bool
    counts: list[tuple[str, int]] = field(default_factory=list)  # (label, count)
    mean: float | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyResult:
    survey: Survey | None
    responses: int
    shown: bool
    items: list[ItemResult] = field(default_factory=list)


def survey_result(cohort: Cohort, survey: Survey | None) -> SurveyResult:
    """Counts per item and value (SQL), free texts in random order; nothing below K_FLOOR (three statements)."""
    responses = db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.cohort_id == cohort.id)) or 0
    result = SurveyResult(survey, responses, responses >= K_FLOOR and survey is not None)
    if not result.shown:
        return result
    a = SurveyAnswer
    rows = db.session.execute(select(a.item_id, a.value, a.option_id, func.count(func.distinct(a.response_id)))
                              .where(a.cohort_id == cohort.id, a.text.is_(None))
                              .group_by(a.item_id, a.value, a.option_id)).all()
    answered = dict(db.session.execute(select(a.item_id, func.count(func.distinct(a.response_id)))
                                       .where(a.cohort_id == cohort.id).group_by(a.item_id)).all())
    texts: dict[str, list[str]] = {}
    for item_id, text in db.session.execute(select(a.item_id, a.text).where(
            a.cohort_id == cohort.id, a.text.is_not(None)).order_by(a.id)):
        texts.setdefault(item_id, []).append(text)
    counts: dict[tuple[str, Any], int] = {(item, value if value is not None else option): n
                                          for item, value, option, n in rows}
    for item in survey.items:
        n = answered.get(item["id"], 0)
        entry = ItemResult(item["id"], item["type"], item["prompt"], n, n >= K_FLOOR)
        if item["type"] == "scale":
            entry.counts = [(f"{value} {label}", counts.get((item["id"], value), 0)) for value, label in SCALE.items()]
            total = sum(value * counts.get((item["id"], value), 0) for value in SCALE)
            entry.mean = total / n if n else None
        elif item["type"] in ("single", "multiple"):
            entry.counts = [(o["text"], counts.get((item["id"], o["id"]), 0)) for o in item["options"]]
        else:
            entry.texts = texts.get(item["id"], [])
            random.SystemRandom().shuffle(entry.texts)  # never the order they were written in
        if not entry.shown:
            entry.counts, entry.mean, entry.texts = [], None, []
        result.items.append(entry)
    return result


@dataclass
class CohortReport:
    cohort: Cohort
    enrolled: int
    required: int
    completed_by_deadline: int
    days: list[tuple[Any, int]]  # (date, attended)
    prepost: Paired
    survey: SurveyResult
    questions: list[analysis.QuestionStats]
    weakest_questions: list[analysis.QuestionStats]
    weakest_modules: list[analysis.ModuleStats]

    @property
    def completion_rate(self) -> float | None:
        return self.completed_by_deadline / self.enrolled if self.enrolled else None


def deadline_utc(cohort: Cohort) -> datetime:
    """The end of 受講期間 (midnight after its last day, Japan time)."""
    return datetime.combine(cohort.closes_on + timedelta(days=1), time(0), JST)


def completed_by_deadline(cohort: Cohort, required_ids: list[int]) -> int:
    """Participants who completed every required module before the end of 受講期間 (one statement)."""
    if not required_ids:
        return 0
    done = (select(Progress.user_id).join(Enrolment, and_(Enrolment.user_id == Progress.user_id,
                                                          Enrolment.cohort_id == cohort.id))
            .where(Progress.module_id.in_(required_ids), Progress.completed_at.is_not(None),
                   Progress.completed_at < deadline_utc(cohort))
            .group_by(Progress.user_id).having(func.count() >= len(required_ids)).subquery())
    return db.session.scalar(select(func.count()).select_from(done)) or 0


def prepost(cohort: Cohort) -> Paired:
    """Scores of both tests and the pairs (two statements; rows are one per participant, not per attempt)."""
    a = AssessmentAttempt
    scores = db.session.execute(select(a.phase, a.score).where(a.cohort_id == cohort.id)).all()
    pre, post = aliased(AssessmentAttempt), aliased(AssessmentAttempt)
    pairs = db.session.execute(select(pre.score, post.score).join(
        post, and_(post.cohort_id == pre.cohort_id, post.user_id == pre.user_id, post.phase == "post"))
        .where(pre.cohort_id == cohort.id, pre.phase == "pre")).all()
    return paired_statistics([s for p, s in scores if p == "pre"], [s for p, s in scores if p == "post"],
                             [(a_, b_) for a_, b_ in pairs])


def cohort_report(cohort: Cohort) -> CohortReport:
    """Everything the committee's report shows for ``cohort``."""
    required = [m.id for m in required_modules(cohort)]
    enrolled = db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id))
    days = db.session.execute(
        select(CohortDay.day, func.count(Attendance.id)).outerjoin(
            Attendance, and_(Attendance.day_id == CohortDay.id, Attendance.status.in_(ATTENDED_VALUES)))
        .where(CohortDay.cohort_id == cohort.id).group_by(CohortDay.id, CohortDay.day).order_by(CohortDay.day)).all()
    setup = cohort_setup(cohort)
    questions = analysis.question_analysis(cohort_ids=[cohort.id])
    return CohortReport(cohort, enrolled or 0, len(required), completed_by_deadline(cohort, required),
                        [(d, n) for d, n in days], prepost(cohort), survey_result(cohort, setup.survey), questions,
                        analysis.weakest(questions), analysis.weakest_modules(questions))
