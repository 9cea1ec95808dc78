"""Training effect: pre/post test forms and attempts, per-question quiz results, and the anonymous
course evaluation survey.

Survey responses carry no link to a person: ``survey_responses`` and ``survey_answers`` have random
ids (never an autoincrement that would follow ``survey_responded``), a date but no time, and on SQLite
no rowid (``WITHOUT ROWID``), so neither a column nor the insertion order ties a response to the
separate "has responded" row.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

#: The two moments a cohort tests its participants.
PHASES = {"pre": "事前テスト", "post": "事後テスト"}


def random_id() -> str:
    """A random 128-bit id as hex: carries no order."""
    return secrets.token_hex(16)


class AssessmentForm(db.Model):
    """A pre/post test form imported from ``prepost/*.yaml`` (questions in the quiz's stored form)."""

    __tablename__ = "assessment_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    curriculum: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(300), default="")
    retired: Mapped[bool] = mapped_column(default=False)


class Survey(db.Model):
    """A course evaluation survey (受講後アンケート) imported from ``surveys/*.yaml``."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    curriculum: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(300), default="")
    retired: Mapped[bool] = mapped_column(default=False)


class CohortEvaluation(db.Model):
    """A cohort's choice of pre-test and post-test forms (the same or a parallel one) and survey.

    A cohort without a row uses its curriculum's first shipped form for both tests and its survey.
    """

    __tablename__ = "cohort_evaluations"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    pre_form_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_forms.id", ondelete="SET NULL"))
    post_form_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_forms.id", ondelete="SET NULL"))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssessmentAttempt(db.Model):
    """A participant's one pre-test or post-test in a cohort (unique per cohort, person and phase)."""

    __tablename__ = "assessment_attempts"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", "phase"),
                      Index("ix_assessment_attempts_cohort_phase", "cohort_id", "phase", "user_id", "score"))

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(4))  # pre | post
    form_id: Mapped[int] = mapped_column(ForeignKey("assessment_forms.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    correct: Mapped[int] = mapped_column()
    total: Mapped[int] = mapped_column()
    score: Mapped[int] = mapped_column()  # percent right
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionResult(db.Model):
    """One question of one quiz attempt: right or not, whether it was the person's first attempt of the
    quiz, and the attempt's score (for discrimination). Written with the attempt; read by question analysis."""

    __tablename__ = "question_results"
    __table_args__ = (
        # Cover question analysis: everyone (by quiz) and a cohort's participants (by user); index-only scans.
        Index("ix_question_results_quiz_first", "quiz_id", "first", "question_id", "correct", "score"),
        Index("ix_question_results_user_first", "user_id", "first", "quiz_id", "question_id", "correct", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    question_id: Mapped[str] = mapped_column(String(100))
    first: Mapped[bool] = mapped_column()
    correct: Mapped[bool] = mapped_column()
    score: Mapped[int] = mapped_column()


class QuestionChoice(db.Model):
    """An option chosen in one question of one quiz attempt (for option frequencies)."""

    __tablename__ = "question_choices"
    __table_args__ = (
        Index("ix_question_choices_quiz_first", "quiz_id", "first", "question_id", "option_id"),
        Index("ix_question_choices_user_first", "user_id", "first", "quiz_id", "question_id", "option_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    question_id: Mapped[str] = mapped_column(String(100))
    option_id: Mapped[str] = mapped_column(String(100))
    first: Mapped[bool] = mapped_column()


class SurveyResponded(db.Model):
    """That a person has answered a cohort's survey — and nothing else (no time, no response id)."""

    __tablename__ = "survey_responded"
    __table_args__ = {"sqlite_with_rowid": False}

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class SurveyResponse(db.Model):
    """An anonymous survey response: a random id, the cohort, the survey and the day (no time, no person)."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_cohort", "cohort_id"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    day: Mapped[date] = mapped_column(Date)


class SurveyAnswer(db.Model):
    """One answer of a response: a 1–5 value, a chosen option (one row per option) or a free text."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_cohort_item", "cohort_id", "item_id"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    response_id: Mapped[str] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[int | None] = mapped_column()
    option_id: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str | None] = mapped_column(Text)
