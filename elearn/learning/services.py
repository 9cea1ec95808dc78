"""Progress rules: opening and completing modules, and what a learner has done per curriculum."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import load_only, selectinload

from ..content.snapshot import ItemView, current_items
from ..database import insert_statement
from ..extensions import db
from ..models import CURRICULA, Module, Progress, Quiz, QuizAttempt, utcnow
from ..queries import paginate

COURSE_CURRICULA = ("initial", "followup", "hints")
ATTEMPTS_PER_PAGE = 50


def mark_opened(user_id: int, module_id: int) -> bool:
    """Record the first opening of a module (学習中); concurrent calls leave exactly one row.

    True for the call that wrote the row."""
    statement = insert_statement(Progress.__table__).values(
        user_id=user_id, module_id=module_id, opened_at=utcnow()
    ).on_conflict_do_nothing(index_elements=["user_id", "module_id"]).returning(Progress.id)
    return db.session.execute(statement).scalar() is not None  # (rowcount is -1 here on PostgreSQL)


#: Columns needed to list modules (not the stored HTML).
LISTING_COLUMNS = load_only(Module.id, Module.slug, Module.kind, Module.curriculum, Module.position,
                            Module.title, Module.minutes, Module.meta)


def progress_by_module(user_id: int, module_ids: list[int] | None = None) -> dict[int, Progress]:
    """The user's progress rows keyed by module id (one query)."""
    query = select(Progress).where(Progress.user_id == user_id)
    if module_ids is not None:
        query = query.where(Progress.module_id.in_(module_ids))
    return {row.module_id: row for row in db.session.scalars(query)}


@dataclass
class CurriculumSummary:
    key: str
    label: str
    total: int
    completed: int
    next_module: Module | None

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


def curriculum_summaries(user_id: int, progress: dict[int, Progress] | None = None) -> list[CurriculumSummary]:
    """Per curriculum: modules completed out of total and the next unfinished module (one query, none
    when the caller passes the learner's ``progress_by_module``)."""
    modules = current_items()
    progress = progress_by_module(user_id) if progress is None else progress
    summaries = []
    for key, label in CURRICULA.items():
        own = [m for m in modules if m.curriculum == key]
        if not own:
            continue
        done = [m for m in own if progress.get(m.id) and progress[m.id].completed_at]
        pending = [m for m in own if not (progress.get(m.id) and progress[m.id].completed_at)]
        summaries.append(CurriculumSummary(key, label, len(own), len(done), pending[0] if pending else None))
    return summaries


@dataclass
class Resume:
    """Where the dashboard sends a learner: ``started`` is False until they opened anything."""

    item: ItemView
    started: bool


def resume_module(progress: dict[int, Progress], summaries: list[CurriculumSummary]) -> Resume | None:
    """Where to continue, from the learner's ``progress_by_module`` (no query): the unfinished current
    module opened most recently, else the first unfinished one of the first curriculum in ``summaries``
    (put the one a cohort requires first)."""
    items = {item.id: item for item in current_items()}
    unfinished = [row for row in progress.values() if row.completed_at is None and row.module_id in items]
    if unfinished:
        latest = max(unfinished, key=lambda row: (row.opened_at, row.id))
        return Resume(items[latest.module_id], True)
    first = next((s.next_module for s in summaries if s.next_module), None)
    if first is None:
        return None
    return Resume(first, bool(progress))


def learning_record(user_id: int, page: int):
    """The learner's progress rows (with modules) and a page of their attempts, newest first."""
    modules = db.session.execute(
        select(Module, Progress).options(LISTING_COLUMNS).join(Progress, Progress.module_id == Module.id)
        .where(Progress.user_id == user_id).order_by(Module.curriculum, Module.position)
    ).all()
    attempts = paginate(
        select(QuizAttempt).options(
            selectinload(QuizAttempt.quiz).load_only(Quiz.id, Quiz.module_id, Quiz.pass_mark)
            .selectinload(Quiz.module).load_only(Module.id, Module.slug, Module.title, Module.curriculum)
        ).where(QuizAttempt.user_id == user_id).order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc()),
        page, ATTEMPTS_PER_PAGE,
    )
    return modules, attempts
