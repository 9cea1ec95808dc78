"""What a valid module, scene, case and quiz looks like. Each check reports ``Problem``s."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .frontmatter import Located, Problem
from .questions import REGISTRY, question_type

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9\-]{0,99}$")
COURSE_CURRICULA = ("initial", "followup", "hints")
REQUIRED_HEADINGS = ("学習目標", "まとめ", "振り返りの問い")
CASE_TYPES = ("support", "municipal")

MODULE_KEYS = {"id", "title", "curriculum", "order", "minutes", "objectives", "prerequisites", "sources",
               "scenario"}
CASE_KEYS = {"id", "title", "case_type", "region", "order", "minutes", "objectives", "sources", "facts",
             "discussion_questions", "discussion_points"}
SCENARIO_KEYS = {"situation", "question", "options", "hints", "reflection"}
HINT_KEYS = {"heading", "details"}
FACT_KEYS = {"setting_label", "setting", "trigger", "support", "outcome", "figures"}
QUIZ_KEYS = {"id", "module", "title", "pass_mark", "questions"}
QUESTION_KEYS = {"id", "type", "prompt", "options", "answer", "explanation", "source"}


class Checker:
    """Collects problems for one file, locating each by its YAML path."""

    def __init__(self, located: Located, path: str, problems: list[Problem]):
        self.located, self.path, self.problems = located, path, problems

    def report(self, where: tuple, message: str) -> None:
        self.problems.append(Problem(self.path, self.located.line(*where), message))

    def value(self, *where) -> Any:
        data = self.located.data
        for key in where:
            if isinstance(data, dict):
                data = data.get(key)
            elif isinstance(data, list) and isinstance(key, int) and key < len(data):
                data = data[key]
            else:
                return None
        return data

    def unknown_keys(self, where: tuple, allowed: set[str]) -> None:
        mapping = self.value(*where)
        if isinstance(mapping, dict):
            for key in mapping:
                if key not in allowed:
                    self.report(where + (key,), f"不明なキー「{key}」です（綴りを確認してください）。")

    def text(self, *where, label: str | None = None, optional: bool = False) -> str | None:
        value = self.value(*where)
        name = label or where[-1]
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.report(where, f"{name} を文字列で書いてください。" if value is not None else f"{name} がありません。")
            return None
        return value

    def integer(self, *where, low: int, high: int) -> int | None:
        value = self.value(*where)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.report(where, f"{where[-1]} は {low}〜{high} の整数にしてください。")
            return None
        return value

    def text_list(self, *where, low: int = 1, high: int = 1000, optional: bool = False) -> list[str]:
        value = self.value(*where)
        if value is None and optional:
            return []
        if not isinstance(value, list) or not low <= len(value) <= high:
            span = f"{low}個以上" if high >= 1000 else f"{low}〜{high}個"
            self.report(where, f"{where[-1]} は {span}の項目のリストにしてください。")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.report(where + (index,), f"{where[-1]} の項目は文字列にしてください。")
        return [item for item in value if isinstance(item, str)]

    def identifier(self, *where) -> str | None:
        value = self.text(*where)
        if value is not None and not ID_PATTERN.match(value):
            self.report(where, f"id「{value}」は半角英小文字・数字・ハイフンだけにしてください。")
            return None
        return value


def check_sources(c: Checker) -> None:
    """Every source is chapter+heading, a reference, or a general-knowledge note."""
    sources = c.value("sources")
    if not isinstance(sources, list) or not sources:
        c.report(("sources",), "sources（出典）を1つ以上書いてください。")
        return
    for index, source in enumerate(sources):
        where = ("sources", index)
        if not isinstance(source, dict):
            c.report(where, "出典は chapter と heading、reference、general のいずれかで書いてください。")
        elif "chapter" in source or "heading" in source:
            c.text(*where, "chapter")
            c.text(*where, "heading")
            c.unknown_keys(where, {"chapter", "heading"})
        elif "reference" in source:
            c.text(*where, "reference")
            c.unknown_keys(where, {"reference"})
        elif "general" in source:
            c.text(*where, "general")
            c.unknown_keys(where, {"general"})
        else:
            c.report(where, "出典は chapter と heading、reference、general のいずれかで書いてください。")


def check_headings(c: Checker, body: str, body_line: int) -> None:
    """Curriculum modules carry 学習目標, まとめ and 振り返りの問い."""
    found = {m.group(1).strip() for m in re.finditer(r"^##\s+(.+?)\s*#*\s*$", body, re.MULTILINE)}
    for heading in REQUIRED_HEADINGS:
        if heading not in found:
            c.problems.append(Problem(c.path, body_line, f"本文に「## {heading}」の見出しが必要です。"))


def check_module(c: Checker, folder_curriculum: str | None) -> None:
    """Front matter of a module or a scene."""
    c.unknown_keys((), MODULE_KEYS)
    c.identifier("id")
    c.text("title")
    curriculum = c.text("curriculum")
    if curriculum is not None and curriculum not in COURSE_CURRICULA:
        c.report(("curriculum",), f"curriculum は {' / '.join(COURSE_CURRICULA)} のいずれかにしてください。")
    elif curriculum and folder_curriculum and curriculum != folder_curriculum:
        c.report(("curriculum",), f"courses/{folder_curriculum}/ にある教材の curriculum は {folder_curriculum} にしてください。")
    c.integer("order", low=0, high=9999)
    c.integer("minutes", low=1, high=600)
    c.text_list("objectives")
    c.text_list("prerequisites", low=0, optional=True)
    check_sources(c)
    if curriculum == "hints":
        check_scenario(c)
    elif c.value("scenario") is not None:
        c.report(("scenario",), "scenario は curriculum: hints の場面にだけ書けます。")


def check_scenario(c: Checker) -> None:
    """The decision point of a scene: situation, question, 3–4 options with feedback, hints."""
    if not isinstance(c.value("scenario"), dict):
        c.report(("scenario",), "場面（hints）には scenario ブロックが必要です。")
        return
    c.unknown_keys(("scenario",), SCENARIO_KEYS)
    c.text("scenario", "situation")
    c.text("scenario", "question")
    c.text("scenario", "reflection")
    check_hints(c)
    options = c.value("scenario", "options")
    if not isinstance(options, list) or not 3 <= len(options) <= 4:
        c.report(("scenario", "options"), "scenario の options は3〜4個にしてください。")
        return
    seen: set[str] = set()
    for index, option in enumerate(options):
        where = ("scenario", "options", index)
        if not isinstance(option, dict):
            c.report(where, "選択肢は id・text・feedback を持つマッピングにしてください。")
            continue
        c.unknown_keys(where, {"id", "text", "feedback", "recommended"})
        option_id = c.identifier(*where, "id")
        if option_id in seen:
            c.report(where + ("id",), f"選択肢の id「{option_id}」が重複しています。")
        seen.add(option_id or "")
        c.text(*where, "text")
        c.text(*where, "feedback")
        if option.get("recommended") not in (None, True, False):
            c.report(where + ("recommended",), "recommended は true か false にしてください。")


def check_hints(c: Checker) -> None:
    """Hints: each a Markdown string, or a heading with its details (the source's two levels)."""
    hints = c.value("scenario", "hints")
    if not isinstance(hints, list) or not hints:
        c.report(("scenario", "hints"), "hints は1個以上の項目のリストにしてください。")
        return
    for index, hint in enumerate(hints):
        where = ("scenario", "hints", index)
        if isinstance(hint, dict):
            c.unknown_keys(where, HINT_KEYS)
            c.text(*where, "heading")
            c.text_list(*where, "details")
        elif not isinstance(hint, str) or not hint.strip():
            c.report(where, "ヒントは文字列か、heading（見出し）と details（その下の項目のリスト）にしてください。")


def check_case(c: Checker) -> None:
    """Front matter of a case study."""
    c.unknown_keys((), CASE_KEYS)
    c.identifier("id")
    c.text("title")
    case_type = c.text("case_type")
    if case_type is not None and case_type not in CASE_TYPES:
        c.report(("case_type",), "case_type は support か municipal にしてください。")
    c.text("region", optional=True)
    c.integer("order", low=0, high=9999)
    c.integer("minutes", low=1, high=600)
    c.text_list("objectives", optional=True)
    check_sources(c)
    if not isinstance(c.value("facts"), dict):
        c.report(("facts",), "facts（setting・trigger・support・outcome）が必要です。")
    else:
        c.unknown_keys(("facts",), FACT_KEYS)
        for key in ("setting", "trigger", "support", "outcome"):
            c.text("facts", key)
        c.text("facts", "setting_label", optional=True)
        c.text_list("facts", "figures", optional=True)
    c.text_list("discussion_questions", low=4, high=6)
    c.text_list("discussion_points")


def check_quiz(c: Checker) -> None:
    """A quiz file: its header and every question through the question-type registry."""
    if not isinstance(c.located.data, dict):
        c.report((), "クイズは「キー: 値」の形の YAML にしてください。")
        return
    c.unknown_keys((), QUIZ_KEYS)
    c.identifier("id")
    c.identifier("module")
    c.text("title", optional=True)
    c.integer("pass_mark", low=1, high=100)
    check_questions(c)


def check_questions(c: Checker) -> None:
    """The ``questions`` list of a quiz or a pre/post test form, each through the question-type registry."""
    questions = c.value("questions")
    if not isinstance(questions, list) or not questions:
        c.report(("questions",), "questions に問題を1問以上書いてください。")
        return
    seen: set[str] = set()
    for index, question in enumerate(questions):
        where = ("questions", index)
        if not isinstance(question, dict):
            c.report(where, "問題は id・type・prompt などを持つマッピングにしてください。")
            continue
        c.unknown_keys(where, QUESTION_KEYS)
        question_id = c.identifier(*where, "id")
        if question_id in seen:
            c.report(where + ("id",), f"問題の id「{question_id}」が重複しています。")
        seen.add(question_id or "")
        for key in ("prompt", "explanation", "source"):
            c.text(*where, key)
        kind = question.get("type")
        if kind not in REGISTRY:
            c.report(where + ("type",), f"type は {' / '.join(REGISTRY)} のいずれかにしてください。")
            continue
        report: Callable[[tuple, str], None] = lambda sub, msg, where=where: c.report(where + sub, msg)
        question_type(kind).validate(question, report)
