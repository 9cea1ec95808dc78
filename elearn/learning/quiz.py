"""The quiz engine: per-attempt forms, server-side grading and recording attempts.

The client never sees which options are correct before submitting: the form carries only option
ids and texts, in an order shuffled per attempt, plus a signed attempt token. Grading looks the
question up by id and compares sets of option ids, so order never matters.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, func, or_, select

from ..cohorts.counts import record_completion
from ..content.questions import UnknownQuestion, question_type
from ..content.questions import read_answers as read_question_answers
from ..database import dialect_name, execute, insert_for
from ..events import emit, quiz_attempted
from ..extensions import db
from ..models import Module, Progress, Quiz, QuizAttempt, utcnow
from .results import record_question_results

TOKEN_SALT = "elearn.quiz-attempt"
TOKEN_MAX_AGE = 24 * 60 * 60  # seconds a quiz form stays valid
#: Each attempt gets one of this many option orders, drawn at random; the rendered questions of
#: each order are cached, so shuffling costs nothing per request.
OPTION_ORDERS = 8


class QuizError(Exception):
    """A submission that cannot be graded as a whole (bad token, replay, unknown question)."""


class AlreadySubmitted(QuizError):
    """The form's attempt was recorded before (double submit or replayed form)."""

    def __init__(self, attempt: QuizAttempt):
        super().__init__("この回答はすでに送信済みです。記録済みの結果を表示しています。")
        self.attempt = attempt


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


@dataclass(frozen=True)
class AttemptToken:
    nonce: str
    order: int


def new_attempt_token(user_id: int, quiz_id: int) -> tuple[str, AttemptToken]:
    """A signed token naming the learner, the quiz, a fresh nonce and the option order of one attempt."""
    attempt = AttemptToken(secrets.token_hex(16), secrets.randbelow(OPTION_ORDERS))
    token = _serializer().dumps({"u": user_id, "q": quiz_id, "n": attempt.nonce, "o": attempt.order})
    return token, attempt


def read_attempt_token(token: str, user_id: int, quiz_id: int) -> AttemptToken:
    """The attempt in ``token``; QuizError if it is forged, expired or for someone/something else."""
    try:
        data = _serializer().loads(token or "", max_age=TOKEN_MAX_AGE)
    except SignatureExpired as exc:
        raise QuizError("回答の受付時間（24時間）を過ぎました。もう一度回答してください。") from exc
    except BadSignature as exc:
        raise QuizError("回答フォームを確認できませんでした。ページを開き直して回答してください。") from exc
    if not isinstance(data, dict) or data.get("u") != user_id or data.get("q") != quiz_id:
        raise QuizError("回答フォームを確認できませんでした。ページを開き直して回答してください。")
    return AttemptToken(str(data["n"]), int(data.get("o", 0)) % OPTION_ORDERS)


def presented_questions(quiz: Quiz, order: int) -> list[dict[str, Any]]:
    """Questions as sent to the browser, in the option order ``order`` of this quiz."""
    return [question_type(q["type"]).presented(q, f"{quiz.id}:{order}:{q['id']}") for q in quiz.questions]


@dataclass
class Graded:
    """The outcome of grading one submission."""

    answers: dict[str, list[str]]
    correct: dict[str, bool]
    score: int
    passed: bool


@dataclass
class Submission:
    """Answers read from a form, with a message per question that could not be read."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_answers(quiz: Quiz, form) -> Submission:
    """Read ``q-<question id>`` fields; unknown questions are a QuizError, bad answers per-question errors."""
    try:
        return Submission(*read_question_answers(quiz.questions, form))
    except UnknownQuestion as exc:
        raise QuizError(str(exc)) from None


def grade(quiz: Quiz, answers: dict[str, list[str]]) -> Graded:
    """Score ``answers`` (already read without errors) against the stored quiz."""
    correct = {}
    for question in quiz.questions:
        kind = question_type(question["type"])
        correct[question["id"]] = kind.grade(question, kind.parse_answer(question, answers[question["id"]]))
    score = round(100 * sum(correct.values()) / len(correct)) if correct else 0
    return Graded(answers, correct, score, score >= quiz.pass_mark)


@cache
def _attempt_insert(dialect: str):
    """INSERT an attempt unless its nonce is stored, returning its id (built once per dialect; the
    values come as parameters)."""
    table = QuizAttempt.__table__
    return insert_for(dialect, table).on_conflict_do_nothing(index_elements=["nonce"]).returning(table.c.id)


@cache
def _progress_upsert(dialect: str):
    """Insert the learner's progress row or keep the better score and the first completion,
    returning ``completed_at`` (built once per dialect)."""
    table = Progress.__table__
    statement = insert_for(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=["user_id", "module_id"],
        set_={
            "best_score": case(
                (or_(table.c.best_score.is_(None), table.c.best_score < statement.excluded.best_score),
                 statement.excluded.best_score),
                else_=table.c.best_score),
            "completed_at": func.coalesce(table.c.completed_at, statement.excluded.completed_at),
        },
    ).returning(table.c.completed_at)


def record_attempt(user_id: int, quiz: Quiz, nonce: str, graded: Graded, item=None) -> QuizAttempt:
    """Store the attempt and update progress (best score; 修了 on a pass) in the caller's transaction.
    ``item`` is the quiz's module as the page had it (the content snapshot's), told to the
    :data:`quiz_attempted` subscribers; without it the module is read.

    The attempt's unique nonce turns a double submit into AlreadySubmitted (the insert does nothing
    on a nonce already stored, and then the stored attempt is read); the progress upsert means
    concurrent submissions leave exactly one row, and a completion is never lost. The returned
    attempt is not in the session: its values are what was inserted. The statements are built once
    (a quiz submission is the app's busiest write).
    """
    now = utcnow()
    dialect = dialect_name()
    values = {"user_id": user_id, "quiz_id": quiz.id, "nonce": nonce, "answers": graded.answers,
              "score": graded.score, "passed": graded.passed, "submitted_at": now}
    attempt_id = execute(_attempt_insert(dialect), values).scalar()
    if attempt_id is None:
        raise AlreadySubmitted(db.session.scalar(select(QuizAttempt).where(QuizAttempt.nonce == nonce)))
    attempt = QuizAttempt(id=attempt_id, **values)
    record_question_results(attempt, quiz, graded.correct, graded.answers)
    completed_at = execute(_progress_upsert(dialect), {
        "user_id": user_id, "module_id": quiz.module_id, "opened_at": now,
        "completed_at": now if graded.passed else None, "best_score": graded.score}).scalar_one()
    completed = graded.passed and completed_at == now  # this submission completed the module (not an earlier one)
    if completed:
        record_completion(user_id, quiz.module_id, now)
    emit(quiz_attempted, user_id=user_id, item=item or db.session.get(Module, quiz.module_id), attempt=attempt,
         completed=completed)
    return attempt


def review(quiz: Quiz, attempt: QuizAttempt) -> list[dict[str, Any]]:
    """Per question, after submitting: the learner's answer, whether it was right, the correct answer."""
    return [question_type(q["type"]).reviewed(q, set(attempt.answers.get(q["id"], []))) for q in quiz.questions]
