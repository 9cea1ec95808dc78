"""Per-question results of a quiz attempt, written with the attempt, for question analysis."""
from __future__ import annotations

from sqlalchemy import insert, select

from ..extensions import db
from ..models import QuestionChoice, QuestionResult, Quiz, QuizAttempt


def record_question_results(attempt: QuizAttempt, quiz: Quiz, correct: dict[str, bool],
                            answers: dict[str, list[str]]) -> None:
    """One result row per question (right or not, first attempt of this quiz or not, the attempt's score)
    and one choice row per chosen option; two inserts and one query, in the caller's transaction."""
    first = db.session.scalar(select(QuizAttempt.id).where(
        QuizAttempt.user_id == attempt.user_id, QuizAttempt.quiz_id == quiz.id,
        QuizAttempt.id != attempt.id).limit(1)) is None
    base = {"attempt_id": attempt.id, "user_id": attempt.user_id, "quiz_id": quiz.id, "first": first}
    results = [{**base, "question_id": qid, "correct": right, "score": attempt.score} for qid, right in correct.items()]
    choices = [{**base, "question_id": qid, "option_id": option}
               for qid, chosen in answers.items() for option in sorted(set(chosen))]
    if results:
        db.session.execute(insert(QuestionResult), results)
    if choices:
        db.session.execute(insert(QuestionChoice), choices)
