"""Write a validated catalog into the database: render once, update in place, never lose progress."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Module, Quiz, utcnow
from ..search_index import rebuild_content
from .catalog import Catalog, Item, QuizDef
from .evaluation import import_evaluation
from .markdown import LinkResolver, render_markdown, render_with_toc
from .questions import question_type

#: Case facts shown as Markdown (``setting_label`` is a plain label, ``figures`` a list).
FACT_FIELDS = ("setting", "trigger", "support", "outcome")

#: Bump when rendering changes, so the next import re-renders unchanged files.
RENDER_VERSION = "3"  # 3: facts and nested hints as Markdown, heading ids (search, table of contents)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0

    def __str__(self) -> str:
        return f"新規 {self.created}・更新 {self.updated}・変更なし {self.unchanged}・廃止 {self.retired}"


def _stamp(content_hash: str) -> str:
    return hashlib.sha256(f"{RENDER_VERSION}:{content_hash}".encode()).hexdigest()


def render_item(item: Item, resolve: LinkResolver) -> tuple[str, dict[str, Any]]:
    """The body HTML and the metadata (with rendered Markdown fields) stored for ``item``."""
    meta = dict(item.meta)
    scenario = meta.get("scenario")
    if scenario:
        meta["scenario"] = {
            "situation_html": render_markdown(scenario["situation"], resolve),
            "question": scenario["question"],
            "options": [
                {"id": o["id"], "text": o["text"], "recommended": bool(o.get("recommended")),
                 "feedback_html": render_markdown(o["feedback"], resolve)}
                for o in scenario["options"]
            ],
            "hint_groups": [_hint_group(hint, resolve) for hint in scenario["hints"]],
            "reflection_html": render_markdown(scenario["reflection"], resolve),
        }
    facts = meta.get("facts")
    if facts:
        meta["facts_html"] = {key: render_markdown(facts[key], resolve, breaks=True)
                              for key in FACT_FIELDS if facts.get(key)}
        meta["facts_html"]["figures"] = [render_markdown(f, resolve) for f in facts.get("figures") or []]
    if "discussion_points" in meta:
        meta["discussion_points_html"] = [render_markdown(p, resolve) for p in meta["discussion_points"]]
    body_html, meta["toc"] = render_with_toc(item.body, resolve)
    return body_html, meta


def _hint_group(hint: str | dict[str, Any], resolve: LinkResolver) -> dict[str, Any]:
    """A hint as ``{heading_html, details_html}``; a plain string is a heading without details."""
    if isinstance(hint, str):
        return {"heading_html": render_markdown(hint, resolve), "details_html": []}
    return {"heading_html": render_markdown(hint["heading"], resolve),
            "details_html": [render_markdown(detail, resolve) for detail in hint["details"]]}


def render_questions(quiz: QuizDef, resolve: LinkResolver) -> list[dict[str, Any]]:
    """Questions in their stored form, each made by its question type."""
    render = lambda markdown: render_markdown(markdown, resolve)  # noqa: E731
    return [question_type(question["type"]).stored(question, render) for question in quiz.questions]


def import_catalog(catalog: Catalog, session: Session, resolve: LinkResolver,
                   progress: Callable[[str, str], None] | None = None) -> ImportReport:
    """Upsert every item and quiz by slug; retire rows whose file is gone. Caller commits."""
    if not catalog.ok:
        raise ValueError("content has problems; run `elearn content check`")
    report = ImportReport()
    note = progress or (lambda path, status: None)
    modules = {m.slug: m for m in session.scalars(select(Module))}
    for item in sorted(catalog.items.values(), key=lambda i: (i.curriculum, i.position)):
        stamp = _stamp(item.content_hash)
        row = modules.get(item.slug)
        if row is not None and row.content_hash == stamp and not row.retired:
            report.unchanged += 1
            note(item.path, "変更なし")
            continue
        body_html, meta = render_item(item, resolve)
        if row is None:
            row = Module(slug=item.slug)
            session.add(row)
            modules[item.slug] = row
            report.created += 1
            note(item.path, "新規")
        else:
            report.updated += 1
            note(item.path, "更新")
        row.kind, row.curriculum, row.position = item.kind, item.curriculum, item.position
        row.title, row.minutes, row.meta, row.body_html = item.title, item.minutes, meta, body_html
        row.content_hash, row.source_path, row.retired, row.imported_at = stamp, item.path, False, utcnow()
    for slug, row in modules.items():
        if slug not in catalog.items and not row.retired:
            row.retired = True
            report.retired += 1
            note(row.source_path, "廃止")
    session.flush()
    _import_quizzes(catalog, session, modules, resolve, report, note)
    import_evaluation(catalog.forms, catalog.surveys, session, resolve, report, note)
    rebuild_content(session)  # the search index of the content, in the import's transaction
    return report


def _import_quizzes(catalog, session, modules, resolve, report, note) -> None:
    quizzes = {q.slug: q for q in session.scalars(select(Quiz))}
    by_module = {q.module_id: q for q in quizzes.values()}
    wanted = {modules[q.module].id for q in catalog.quizzes.values()}
    for row in quizzes.values():  # retire first so a quiz can move to another slug
        if row.slug not in catalog.quizzes and not row.retired:
            row.retired = True
            report.retired += 1
            note(row.source_path, "廃止")
            if row.module_id in wanted:
                row.module_id = None
    session.flush()
    for quiz in catalog.quizzes.values():
        stamp = _stamp(quiz.content_hash)
        module = modules[quiz.module]
        row = quizzes.get(quiz.slug)
        if row is not None and row.content_hash == stamp and not row.retired and row.module_id == module.id:
            report.unchanged += 1
            note(quiz.path, "変更なし")
            continue
        if row is None:
            row = Quiz(slug=quiz.slug)
            session.add(row)
            report.created += 1
            note(quiz.path, "新規")
        else:
            report.updated += 1
            note(quiz.path, "更新")
        occupant = by_module.get(module.id)
        if occupant is not None and occupant is not row:
            occupant.module_id = None
            session.flush()
        row.module_id, row.pass_mark, row.content_hash = module.id, quiz.pass_mark, stamp
        row.questions, row.source_path, row.retired = render_questions(quiz, resolve), quiz.path, False
        by_module[module.id] = row
    session.flush()


def not_imported(catalog: Catalog, session: Session) -> list[str]:
    """Paths of content files whose current version is not in the database (what an import would change)."""
    modules = {m.slug: m for m in session.scalars(select(Module))}
    quizzes = {q.slug: q for q in session.scalars(select(Quiz))}
    stale = [item.path for item in catalog.items.values()
             if (row := modules.get(item.slug)) is None or row.retired or row.content_hash != _stamp(item.content_hash)]
    stale += [quiz.path for quiz in catalog.quizzes.values()
              if (row := quizzes.get(quiz.slug)) is None or row.retired or row.content_hash != _stamp(quiz.content_hash)]
    return sorted(stale)
