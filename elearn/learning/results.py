"""Per-question results of a quiz attempt, written with the attempt, for question analysis."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, insert, select

from ..database import execute
from ..models import QuestionChoice, QuestionResult, Quiz, QuizAttempt


@cache
def _earlier_attempt():
    """Another attempt of the quiz by the learner, if there is one (built once)."""
    return select(QuizAttempt.id).where(QuizAttempt.user_id == bindparam("user"),
                                        QuizAttempt.quiz_id == bindparam("quiz"),
                                        QuizAttempt.id != bindparam("attempt")).limit(1)


def record_question_results(attempt: QuizAttempt, quiz: Quiz, correct: dict[str, bool],
                            answers: dict[str, list[str]]) -> None:
    """One result row per question (right or not, first attempt of this quiz or not, the attempt's score)
    and one choice row per chosen option; two inserts and one query, in the caller's transaction."""
    first = execute(_earlier_attempt(), {"user": attempt.user_id, "quiz": quiz.id,
                                         "attempt": attempt.id}).scalar() is None
    base = {"attempt_id": attempt.id, "user_id": attempt.user_id, "quiz_id": quiz.id, "first": first}
    results = [{**base, "question_id": qid, "correct": right, "score": attempt.score} for qid, right in correct.items()]
    choices = [{**base, "question_id": qid, "option_id": option}
               for qid, chosen in answers.items() for option in sorted(set(chosen))]
    if results:
        execute(insert(QuestionResult.__table__), results)
    if choices:
        execute(insert(QuestionChoice.__table__), choices)
