"""Pre/post test forms (``prepost/*.yaml``) and course evaluation surveys (``surveys/*.yaml``):
reading, validation with file:line problems, and import. No Flask views here.

A form is written like a quiz (same question types, explanations and sources) with a ``curriculum``
instead of a ``module``. A survey has items of four types: ``scale`` (5-point, :data:`SCALE`),
``single``, ``multiple`` and ``text``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..models import AssessmentForm, Survey
from . import balance
from .frontmatter import ContentError, Problem, load_yaml
from .markdown import render_markdown
from .questions import question_type
from .schema import Checker, check_questions

FORM_DIR, SURVEY_DIR = "prepost", "surveys"
FORM_KEYS = {"id", "curriculum", "title", "questions"}
SURVEY_KEYS = {"id", "curriculum", "title", "items"}
ITEM_KEYS = {"id", "type", "prompt", "options", "required"}
ITEM_TYPES = {"scale": "5段階", "single": "1つ選択", "multiple": "複数選択", "text": "自由記述"}
CURRICULA = ("initial", "followup")
#: The 5-point scale every ``scale`` item uses (value → label).
SCALE = {1: "まったくそう思わない", 2: "あまりそう思わない", 3: "どちらともいえない", 4: "ややそう思う", 5: "とてもそう思う"}
#: Balance of option lengths is judged for all forms together under this key.
BALANCE_KEY = "prepost"
TEXT_LIMIT = 2000


@dataclass
class FormDef:
    slug: str
    curriculum: str
    title: str
    questions: list[dict[str, Any]]
    path: str
    content_hash: str
    question_lines: list[int] = field(default_factory=list)


@dataclass
class SurveyDef:
    slug: str
    curriculum: str
    title: str
    items: list[dict[str, Any]]
    path: str
    content_hash: str


def _located(root: Path, file: Path, problems: list[Problem]):
    display = file.relative_to(root).as_posix()
    try:
        located = load_yaml(file.read_text(encoding="utf-8"), display)
    except ContentError as exc:
        problems.append(exc.problem)
        return display, None
    except UnicodeDecodeError:
        problems.append(Problem(display, 1, "UTF-8 で保存してください。"))
        return display, None
    if not isinstance(located.data, dict):
        problems.append(Problem(display, 1, "「キー: 値」の形の YAML にしてください。"))
        return display, None
    return display, located


def _header(c: Checker, keys: set[str]) -> None:
    c.unknown_keys((), keys)
    c.identifier("id")
    c.text("title")
    curriculum = c.text("curriculum")
    if curriculum is not None and curriculum not in CURRICULA:
        c.report(("curriculum",), f"curriculum は {' / '.join(CURRICULA)} のいずれかにしてください。")


def _read_all(root: Path, directory: str, keys: set[str], check, build, problems: list[Problem],
              taken: set[str]) -> dict:
    """Every valid YAML file under ``root/directory``: its header checked, ``check(c)`` for the rest,
    its id unique (and not in ``taken``); ``build(located, display, digest)`` makes each definition."""
    found: dict = {}
    base = root / directory
    for file in sorted(base.rglob("*.y*ml")) if base.is_dir() else []:
        display, located = _located(root, file, problems)
        if located is None:
            continue
        before = len(problems)
        c = Checker(located, display, problems)
        _header(c, keys)
        check(c)
        if len(problems) > before:
            continue
        ident = located.data["id"]
        if ident in found or ident in taken:
            c.report(("id",), f"id「{ident}」はほかのファイルでも使われています。")
            continue
        found[ident] = build(located, display, hashlib.sha256(file.read_bytes()).hexdigest())
    return found


def read_forms(root: Path, problems: list[Problem], taken: set[str]) -> dict[str, FormDef]:
    """Every valid form under ``root/prepost``; problems appended; ids must not be in ``taken``."""
    def build(located, display, digest) -> FormDef:
        data = located.data
        return FormDef(data["id"], data["curriculum"], data["title"], data["questions"], display, digest,
                       [located.line("questions", i) for i in range(len(data["questions"]))])
    return _read_all(root, FORM_DIR, FORM_KEYS, check_questions, build, problems, taken)


def form_placements(forms: dict[str, FormDef]) -> list[balance.Placement]:
    """Option-length placements of every form's questions (judged together as :data:`BALANCE_KEY`)."""
    placements = []
    for form in sorted(forms.values(), key=lambda f: f.path):
        placements += balance.place_quiz(form.questions, form.question_lines, form.path, BALANCE_KEY)
    return placements


def _check_item(c: Checker, index: int, seen: set[str]) -> None:
    where = ("items", index)
    item = c.value(*where)
    if not isinstance(item, dict):
        c.report(where, "項目は id・type・prompt を持つマッピングにしてください。")
        return
    c.unknown_keys(where, ITEM_KEYS)
    item_id = c.identifier(*where, "id")
    if item_id in seen:
        c.report(where + ("id",), f"項目の id「{item_id}」が重複しています。")
    seen.add(item_id or "")
    c.text(*where, "prompt")
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        c.report(where + ("type",), f"type は {' / '.join(ITEM_TYPES)} のいずれかにしてください。")
        return
    if item.get("required") not in (None, True, False):
        c.report(where + ("required",), "required は true か false にしてください。")
    options = item.get("options")
    if kind in ("scale", "text"):
        if options is not None:
            c.report(where + ("options",), f"{kind} の項目に options は書きません。")
        return
    if not isinstance(options, list) or not 2 <= len(options) <= 12:
        c.report(where + ("options",), "options は2〜12個の選択肢にしてください。")
        return
    ids: set[str] = set()
    for number, option in enumerate(options):
        at = where + ("options", number)
        if not isinstance(option, dict):
            c.report(at, "選択肢は id と text を持つマッピングにしてください。")
            continue
        c.unknown_keys(at, {"id", "text"})
        option_id = c.identifier(*at, "id")
        if option_id in ids:
            c.report(at + ("id",), f"選択肢の id「{option_id}」が重複しています。")
        ids.add(option_id or "")
        c.text(*at, "text")


def _check_items(c: Checker) -> None:
    items = c.value("items")
    if not isinstance(items, list) or not items:
        c.report(("items",), "items に項目を1つ以上書いてください。")
        return
    seen: set[str] = set()
    for index in range(len(items)):
        _check_item(c, index, seen)


def read_surveys(root: Path, problems: list[Problem], taken: set[str]) -> dict[str, SurveyDef]:
    """Every valid survey under ``root/surveys``; problems appended."""
    def build(located, display, digest) -> SurveyDef:
        data = located.data
        return SurveyDef(data["id"], data["curriculum"], data["title"], data["items"], display, digest)
    return _read_all(root, SURVEY_DIR, SURVEY_KEYS, _check_items, build, problems, taken)


def stored_items(survey: SurveyDef) -> list[dict[str, Any]]:
    """A survey's items as stored: every key explicit (``required`` defaults to true except for text)."""
    return [{"id": i["id"], "type": i["type"], "prompt": i["prompt"],
             "required": bool(i.get("required", i["type"] != "text")),
             "options": [{"id": o["id"], "text": o["text"]} for o in i.get("options") or []]}
            for i in survey.items]


def import_evaluation(forms: dict[str, FormDef], surveys: dict[str, SurveyDef], session, resolve,
                      report, note) -> None:
    """Upsert forms and surveys by slug and retire those whose file is gone (caller commits)."""
    render = lambda markdown: render_markdown(markdown, resolve)  # noqa: E731
    for model, defs in ((AssessmentForm, forms), (Survey, surveys)):
        rows = {row.slug: row for row in session.scalars(select(model))}
        for slug, row in rows.items():
            if slug not in defs and not row.retired:
                row.retired = True
                report.retired += 1
                note(row.source_path, "廃止")
        for slug, definition in defs.items():
            row = rows.get(slug)
            if row is not None and row.content_hash == definition.content_hash and not row.retired:
                report.unchanged += 1
                note(definition.path, "変更なし")
                continue
            if row is None:
                row = model(slug=slug)
                session.add(row)
                report.created += 1
                note(definition.path, "新規")
            else:
                report.updated += 1
                note(definition.path, "更新")
            row.curriculum, row.title, row.source_path = definition.curriculum, definition.title, definition.path
            row.content_hash, row.retired = definition.content_hash, False
            if model is AssessmentForm:
                row.questions = [question_type(q["type"]).stored(q, render) for q in definition.questions]
            else:
                row.items = stored_items(definition)
    session.flush()
