"""Question analysis: per quiz question, attempts, facility, discrimination, option choices and flags.

Every figure comes from grouped SQL over ``question_results`` / ``question_choices`` (four statements,
whatever the number of attempts); Python only turns the sums into ratios. Formulas (README
「Training effect」):

- facility p = (first attempts right) / (first attempts): a person's first attempt of the quiz only;
- discrimination: the point-biserial correlation between being right (1/0) and the attempt's score, over
  first attempts: r = (M1 − M0) / s · √(p(1 − p)), M1 and M0 the mean score of those right and wrong,
  s the population standard deviation of all scores. It equals Pearson's r of the 0/1 item and the score.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select

from ..content import balance
from ..extensions import db
from ..models import Enrolment, Module, QuestionChoice, QuestionResult, Quiz, QuizAttempt

#: Flags need at least this many first attempts; fewer show the figures with 「データ不足」.
MIN_ATTEMPTS = 10
TOO_EASY, TOO_HARD = 0.90, 0.30
#: A quiz's correct options are "the longest far more often than chance" above chance + this share.
LONGEST_MARGIN = 0.15

FLAG_LABELS = {
    "easy": "易しすぎる（正答率 90% 以上）",
    "hard": "難しすぎる（正答率 30% 以下）",
    "negative": "識別力がマイナス（得点の高い人ほど誤答）",
    "unused": "誰も選ばない誤答の選択肢がある",
    "longest": "正解の選択肢が最も長い（このクイズでは偶然より大幅に多い）",
}


def point_biserial(n: int, right: int, sum_score: float, sum_right_score: float, sum_squares: float) -> float | None:
    """r_pb from sums over n first attempts: None when everyone (or no one) was right or all scores are equal."""
    if n == 0 or right in (0, n):
        return None
    mean = sum_score / n
    variance = sum_squares / n - mean * mean
    if variance <= 1e-12:
        return None
    m1 = sum_right_score / right
    m0 = (sum_score - sum_right_score) / (n - right)
    p = right / n
    return (m1 - m0) / math.sqrt(variance) * math.sqrt(p * (1 - p))


@dataclass
class OptionStats:
    id: str
    text: str
    correct: bool
    chosen: int
    share: float


@dataclass
class QuestionStats:
    quiz_id: int
    quiz_slug: str
    module_slug: str
    module_title: str
    curriculum: str
    question_id: str
    number: int
    type: str
    prompt_html: str
    explanation_html: str
    source: str
    attempts: int
    first: int
    first_right: int
    discrimination: float | None
    options: list[OptionStats] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def facility(self) -> float | None:
        return self.first_right / self.first if self.first else None

    @property
    def enough(self) -> bool:
        return self.first >= MIN_ATTEMPTS

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS[f] for f in self.flags]


def population(cohort_ids: list[int] | None):
    """A select of the user ids whose attempts count (participants of ``cohort_ids``), None for everyone."""
    if cohort_ids is None:
        return None
    return select(Enrolment.user_id).where(Enrolment.cohort_id.in_(cohort_ids or [0]))


def _scoped(statement, table, users, quiz_ids, question_id):
    """Only first attempts, of the chosen quizzes (and question), by the population's users."""
    statement = statement.where(table.first == True, table.quiz_id.in_(quiz_ids))  # noqa: E712 (= uses the index)
    if users is not None:
        statement = statement.where(table.user_id.in_(users))
    if question_id is not None:
        statement = statement.where(table.question_id == question_id)
    return statement


def question_analysis(cohort_ids: list[int] | None = None, curriculum: str | None = None,
                      quiz_id: int | None = None, question_id: str | None = None) -> list[QuestionStats]:
    """Figures for every question answered by the population, in curriculum and quiz order (four statements).

    The sums read first attempts only, through covering indexes (by quiz, or by user for a cohort);
    attempts are counted per quiz on ``quiz_attempts`` (every attempt answers each of its questions).
    """
    listing = select(Quiz, Module).join(Module, Module.id == Quiz.module_id).where(Quiz.retired.is_(False))
    if curriculum:
        listing = listing.where(Module.curriculum == curriculum)
    if quiz_id is not None:
        listing = listing.where(Quiz.id == quiz_id)
    quizzes = {quiz.id: (quiz, module) for quiz, module in db.session.execute(listing)}
    quiz_ids = list(quizzes) or [0]
    users = population(cohort_ids)
    r = QuestionResult
    sums = {(row[0], row[1]): row for row in db.session.execute(_scoped(
        select(r.quiz_id, r.question_id, func.count(), func.sum(case((r.correct, 1), else_=0)), func.sum(r.score),
               func.sum(case((r.correct, r.score), else_=0)), func.sum(r.score * r.score)),
        r, users, quiz_ids, question_id).group_by(r.quiz_id, r.question_id))}
    c = QuestionChoice
    chosen: dict[tuple[int, str, str], int] = {
        (quiz, question, option): count for quiz, question, option, count in db.session.execute(_scoped(
            select(c.quiz_id, c.question_id, c.option_id, func.count()), c, users, quiz_ids, question_id)
            .group_by(c.quiz_id, c.question_id, c.option_id))}
    attempts_query = select(QuizAttempt.quiz_id, func.count()).where(QuizAttempt.quiz_id.in_(quiz_ids))
    if users is not None:
        attempts_query = attempts_query.where(QuizAttempt.user_id.in_(users))
    attempts = dict(db.session.execute(attempts_query.group_by(QuizAttempt.quiz_id)).all())
    result = []
    for quiz_id_, (quiz, module) in sorted(quizzes.items(), key=lambda q: (q[1][1].curriculum, q[1][1].position)):
        longest = _longest_questions(quiz)
        for number, question in enumerate(quiz.questions, 1):
            row = sums.get((quiz_id_, question["id"]))
            if row is None or (question_id is not None and question["id"] != question_id):
                continue
            _, _, n, right, s, s1, q2 = row
            n, right = int(n or 0), int(right or 0)
            stats = QuestionStats(
                quiz.id, quiz.slug, module.slug, module.title, module.curriculum, question["id"], number,
                question["type"], question["prompt_html"], question["explanation_html"], question["source"],
                int(attempts.get(quiz_id_, n)), n, right,
                point_biserial(n, right, float(s or 0), float(s1 or 0), float(q2 or 0)))
            for option in question["options"]:
                count = chosen.get((quiz.id, question["id"], option["id"]), 0)
                stats.options.append(OptionStats(option["id"], option["text"], option["correct"], count,
                                                 count / n if n else 0.0))
            stats.flags = _flags(stats, question["id"] in longest)
            result.append(stats)
    return result


def _longest_questions(quiz: Quiz) -> set[str]:
    """Ids of the quiz's questions whose correct options are longest, when that happens far above chance."""
    placed = [p for q in quiz.questions if (p := balance.place_question(q, quiz.slug, 0, ""))]
    if len(placed) < 4:
        return set()
    share = sum(p.longest for p in placed) / len(placed)
    chance = sum(p.chance for p in placed) / len(placed)
    return {p.question for p in placed if p.longest} if share > chance + LONGEST_MARGIN else set()


def _flags(stats: QuestionStats, longest: bool) -> list[str]:
    flags = []
    if stats.enough:
        if stats.facility >= TOO_EASY:
            flags.append("easy")
        elif stats.facility <= TOO_HARD:
            flags.append("hard")
        if stats.discrimination is not None and stats.discrimination < 0:
            flags.append("negative")
        if any(not o.correct and o.chosen == 0 for o in stats.options):
            flags.append("unused")
    if longest:
        flags.append("longest")
    return flags


def weakest(stats: list[QuestionStats], limit: int = 5) -> list[QuestionStats]:
    """The questions with the lowest facility (first attempts), fewest right first."""
    answered = [s for s in stats if s.first]
    return sorted(answered, key=lambda s: (s.facility, -s.first))[:limit]


@dataclass
class ModuleStats:
    module_slug: str
    module_title: str
    first: int
    first_right: int

    @property
    def facility(self) -> float | None:
        return self.first_right / self.first if self.first else None


def weakest_modules(stats: list[QuestionStats], limit: int = 5) -> list[ModuleStats]:
    """Modules whose quiz questions were answered right least often at the first attempt."""
    modules: dict[str, ModuleStats] = {}
    for s in stats:
        m = modules.setdefault(s.module_slug, ModuleStats(s.module_slug, s.module_title, 0, 0))
        m.first += s.first
        m.first_right += s.first_right
    return sorted((m for m in modules.values() if m.first), key=lambda m: m.facility)[:limit]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)}%"


def as_row(stats: QuestionStats) -> dict[str, Any]:
    """A question's figures as plain values (for the XLSX sheet)."""
    return {"curriculum": stats.curriculum, "module": stats.module_title, "number": stats.number,
            "attempts": stats.attempts, "first": stats.first, "facility": stats.facility,
            "discrimination": stats.discrimination, "flags": "、".join(stats.flag_labels)}
