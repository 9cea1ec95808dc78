"""A per-process, read-only snapshot of the imported content, refreshed every few seconds.

Module pages are the most-read pages; their content changes only when someone runs
``elearn content import``. Each worker keeps the current modules, quizzes and neighbours in memory
and reloads them (two queries) when the snapshot is older than ``CONTENT_CACHE_SECONDS``, so a
page view costs no content queries and a re-import reaches every worker within that time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..per_process import content_cached
from ..models import CURRICULA, Module, Quiz


@dataclass(frozen=True)
class Neighbour:
    slug: str
    title: str
    curriculum: str


@dataclass(frozen=True)
class QuizView:
    """What the quiz pages need of a quiz (questions include the answers: server side only)."""

    id: int
    module_id: int
    slug: str
    pass_mark: int
    questions: list[dict[str, Any]]


@dataclass(frozen=True)
class ItemView:
    """A module, scene or case as shown; attribute names match the Module model."""

    id: int
    slug: str
    kind: str
    curriculum: str
    position: int
    title: str
    minutes: int
    meta: dict[str, Any]
    body_html: str
    quiz: QuizView | None
    previous: Neighbour | None = None
    following: Neighbour | None = None

    @property
    def curriculum_label(self) -> str:
        return CURRICULA.get(self.curriculum, self.curriculum)


@dataclass
class Snapshot:
    items: dict[str, ItemView]
    loaded_at: float
    rendered: dict[tuple, str] = field(default_factory=dict)  # per-snapshot fragment cache


def _load() -> dict[str, ItemView]:
    quizzes = {
        q.module_id: QuizView(q.id, q.module_id, q.slug, q.pass_mark, q.questions)
        for q in db.session.scalars(select(Quiz).where(Quiz.retired.is_(False), Quiz.module_id.is_not(None)))
    }
    modules = list(db.session.scalars(
        select(Module).where(Module.retired.is_(False)).order_by(Module.curriculum, Module.position)))
    items: dict[str, ItemView] = {}
    by_curriculum: dict[str, list[Module]] = {}
    for module in modules:
        by_curriculum.setdefault(module.curriculum, []).append(module)
    for siblings in by_curriculum.values():
        for index, module in enumerate(siblings):
            before = siblings[index - 1] if index > 0 else None
            after = siblings[index + 1] if index + 1 < len(siblings) else None
            items[module.slug] = ItemView(
                module.id, module.slug, module.kind, module.curriculum, module.position, module.title,
                module.minutes, module.meta, module.body_html, quizzes.get(module.id),
                Neighbour(before.slug, before.title, before.curriculum) if before else None,
                Neighbour(after.slug, after.title, after.curriculum) if after else None,
            )
    return items


def snapshot() -> Snapshot:
    """The app's current snapshot, reloaded when older than CONTENT_CACHE_SECONDS."""
    return content_cached("content_snapshot", lambda: Snapshot(_load(), time.monotonic()))


def cached_item(slug: str) -> ItemView | None:
    """The current (not retired) module, scene or case ``slug``."""
    return snapshot().items.get(slug)


def current_items(curriculum: str | None = None) -> list[ItemView]:
    """Current (not retired) modules, scenes and cases in curriculum order, optionally of one curriculum."""
    items = snapshot().items.values()
    return [item for item in items if curriculum is None or item.curriculum == curriculum]


def cached_fragment(key: tuple, render):
    """``render()`` once per snapshot for ``key`` (a quiz's questions in one option order, the board's
    categories): anything derived from the content alone."""
    fragments = snapshot().rendered
    if key not in fragments:
        fragments[key] = render()
    return fragments[key]
