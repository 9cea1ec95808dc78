"""Load the whole content tree, validate it, and cross-check references between files."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import balance, evaluation
from .frontmatter import ContentError, ContentWarning, Document, Problem, load_yaml, read_document
from .markdown import CONTENT_ID, SAFE_SCHEMES, link_targets, stray_emphasis
from .schema import Checker, check_case, check_headings, check_module, check_quiz

COURSE_DIR, CASE_DIR, QUIZ_DIR = "courses", "case_studies", "quizzes"


@dataclass
class Item:
    """A module, scene or case as read from its file."""

    slug: str
    kind: str  # module | scene | case
    curriculum: str  # initial | followup | hints | cases
    position: int
    title: str
    minutes: int
    meta: dict[str, Any]
    body: str
    path: str
    content_hash: str


@dataclass
class QuizDef:
    """A quiz as read from its YAML file."""

    slug: str
    module: str
    pass_mark: int
    title: str
    questions: list[dict[str, Any]]
    path: str
    content_hash: str
    question_lines: list[int] = field(default_factory=list)  # 1-based line of each question


@dataclass
class Catalog:
    """Everything under a content folder, plus every problem found in it."""

    root: Path
    items: dict[str, Item] = field(default_factory=dict)
    quizzes: dict[str, QuizDef] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Things to look at that do not make the content invalid (see balance.py); never fail the check.
    warnings: list[ContentWarning] = field(default_factory=list)
    #: Per curriculum and question type: how often the correct option is the longest / shortest.
    length_shares: list[balance.Share] = field(default_factory=list)
    files: int = 0
    #: Pre/post test forms (prepost/) and course evaluation surveys (surveys/), see evaluation.py.
    forms: dict[str, evaluation.FormDef] = field(default_factory=dict)
    surveys: dict[str, evaluation.SurveyDef] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(root: Path, folder: str, pattern: str) -> list[Path]:
    base = root / folder
    return sorted(base.rglob(pattern)) if base.is_dir() else []


def load_catalog(root: Path | str) -> Catalog:
    """Read and validate every content file under ``root``. Problems are collected, not raised."""
    catalog = Catalog(Path(root))
    ids: dict[str, str] = {}
    documents: list[tuple[Item, Document]] = []
    for file in _files(catalog.root, COURSE_DIR, "*.md") + _files(catalog.root, CASE_DIR, "*.md"):
        found = _read_item(catalog, file)
        if found:
            item, document = found
            if item.slug in ids:
                catalog.problems.append(Problem(item.path, document.meta.line("id"),
                                                f"id「{item.slug}」は {ids[item.slug]} でも使われています。"))
                continue
            ids[item.slug] = item.path
            catalog.items[item.slug] = item
            documents.append((item, document))
    for file in _files(catalog.root, QUIZ_DIR, "*.y*ml"):
        _read_quiz(catalog, file, ids)
    for item, document in documents:
        _check_references(catalog, item, document)
    taken = set(ids) | set(catalog.quizzes)
    catalog.forms = evaluation.read_forms(catalog.root, catalog.problems, taken)
    catalog.surveys = evaluation.read_surveys(catalog.root, catalog.problems, taken | set(catalog.forms))
    catalog.files += len(catalog.forms) + len(catalog.surveys)
    quizzed = {quiz.module for quiz in catalog.quizzes.values()}
    for item in catalog.items.values():
        if item.slug not in quizzed:
            catalog.problems.append(Problem(item.path, 1, f"「{item.slug}」のクイズが quizzes/ にありません。"))
    catalog.problems.sort(key=lambda p: (p.path, p.line))
    _check_balance(catalog, documents)
    return catalog


def _check_balance(catalog: Catalog, documents: list[tuple[Item, Document]]) -> None:
    """Warnings when option length gives answers away: per curriculum for quizzes, per scene."""
    placements = []
    for quiz in sorted(catalog.quizzes.values(), key=lambda q: q.path):
        item = catalog.items.get(quiz.module)
        if item:
            placements += balance.place_quiz(quiz.questions, quiz.question_lines, quiz.path, item.curriculum)
    placements += evaluation.form_placements(catalog.forms)
    catalog.length_shares = balance.shares(placements)
    catalog.warnings = balance.share_warnings(catalog.length_shares, placements)
    for item, document in documents:
        options = (item.meta.get("scenario") or {}).get("options") or []
        lines = [document.meta.line("scenario", "options", index) for index in range(len(options))]
        warning = balance.scene_warning(options, lines, item.path)
        if warning:
            catalog.warnings.append(warning)


def _read_item(catalog: Catalog, file: Path) -> tuple[Item, Document] | None:
    display = file.relative_to(catalog.root).as_posix()
    catalog.files += 1
    try:
        document = read_document(file, display)
    except ContentError as exc:
        catalog.problems.append(exc.problem)
        return None
    before = len(catalog.problems)
    checker = Checker(document.meta, display, catalog.problems)
    parts = file.relative_to(catalog.root).parts
    if parts[0] == CASE_DIR:
        check_case(checker)
        kind, curriculum = "case", "cases"
    else:
        folder = parts[1] if len(parts) > 2 else None
        check_module(checker, folder)
        curriculum = document.meta.data.get("curriculum")
        kind = "scene" if curriculum == "hints" else "module"
        if kind == "module":
            check_headings(checker, document.body, document.body_line)
    if len(catalog.problems) > before:
        return None
    meta = dict(document.meta.data)
    item = Item(
        slug=meta.pop("id"), kind=kind, curriculum=curriculum, position=meta.pop("order"),
        title=meta.pop("title"), minutes=meta.pop("minutes"), meta=meta, body=document.body,
        path=display, content_hash=_digest(file.read_bytes()),
    )
    meta.pop("curriculum", None)
    return item, document


def _read_quiz(catalog: Catalog, file: Path, ids: dict[str, str]) -> None:
    display = file.relative_to(catalog.root).as_posix()
    catalog.files += 1
    try:
        located = load_yaml(file.read_text(encoding="utf-8"), display)
    except ContentError as exc:
        catalog.problems.append(exc.problem)
        return
    except UnicodeDecodeError:
        catalog.problems.append(Problem(display, 1, "UTF-8 で保存してください。"))
        return
    before = len(catalog.problems)
    checker = Checker(located, display, catalog.problems)
    check_quiz(checker)
    if len(catalog.problems) > before:
        return
    data = located.data
    if data["id"] in catalog.quizzes or data["id"] in ids:
        checker.report(("id",), f"id「{data['id']}」はほかのファイルでも使われています。")
        return
    if data["module"] not in ids:
        checker.report(("module",), f"module「{data['module']}」という教材・場面・事例がありません。")
        return
    for other in catalog.quizzes.values():
        if other.module == data["module"]:
            checker.report(("module",), f"「{data['module']}」のクイズは {other.path} にもあります（1つにしてください）。")
            return
    catalog.quizzes[data["id"]] = QuizDef(
        slug=data["id"], module=data["module"], pass_mark=data["pass_mark"],
        title=data.get("title") or "確認テスト", questions=data["questions"], path=display,
        content_hash=_digest(file.read_bytes()),
        question_lines=[located.line("questions", index) for index in range(len(data["questions"]))],
    )


def _markdown_fields(item: Item, document: Document) -> list[tuple[str, int]]:
    """(Markdown text, 1-based line where it starts) for the body and every Markdown field."""
    fields = [(item.body, document.body_line)]
    scenario = item.meta.get("scenario") or {}
    for key in ("situation", "reflection"):
        if key in scenario:
            fields.append((scenario[key], document.meta.line("scenario", key)))
    for index, option in enumerate(scenario.get("options", [])):
        fields.append((option["feedback"], document.meta.line("scenario", "options", index, "feedback")))
    for index, hint in enumerate(scenario.get("hints", [])):
        where = ("scenario", "hints", index)
        if isinstance(hint, str):
            fields.append((hint, document.meta.line(*where)))
            continue
        fields.append((hint["heading"], document.meta.line(*where, "heading")))
        for number, detail in enumerate(hint["details"]):
            fields.append((detail, document.meta.line(*where, "details", number)))
    facts = item.meta.get("facts") or {}
    for key in ("setting", "trigger", "support", "outcome"):
        if facts.get(key):
            fields.append((facts[key], document.meta.line("facts", key) + _block_offset(facts, key)))
    for index, figure in enumerate(facts.get("figures") or []):
        fields.append((figure, document.meta.line("facts", "figures", index)))
    return fields


def _block_offset(facts: dict, key: str) -> int:
    """A ``key: |`` block starts on the line after its key; a plain value on the key's line."""
    return 1 if facts[key].endswith("\n") else 0


def _check_references(catalog: Catalog, item: Item, document: Document) -> None:
    """Prerequisites name existing modules; links are safe and internal ids exist."""
    for index, prerequisite in enumerate(item.meta.get("prerequisites") or []):
        if prerequisite not in catalog.items:
            catalog.problems.append(Problem(item.path, document.meta.line("prerequisites", index),
                                            f"prerequisites の「{prerequisite}」という教材がありません。"))
    for text, start in _markdown_fields(item, document):
        for offset in stray_emphasis(text):
            catalog.problems.append(Problem(
                item.path, start + offset,
                "** が強調にならず、そのまま表示されます。「**…**」のように括弧の内側に書いてください。"))
        for href, offset in link_targets(text):
            line = start + offset
            if CONTENT_ID.match(href):
                if href not in catalog.items:
                    catalog.problems.append(Problem(item.path, line, f"リンク先「{href}」という教材がありません。"))
            elif not (href.startswith("#") or href.lower().startswith(SAFE_SCHEMES)):
                catalog.problems.append(Problem(
                    item.path, line,
                    f"リンク「{href}」は使えません（http(s)・mailto、または教材の id へのリンクにしてください）。"))
