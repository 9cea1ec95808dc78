"""Question types. Each is a small class that owns every form of its questions:

- the authored form (YAML): :meth:`~QuestionType.validate` reports its problems;
- the stored form (JSON in ``quizzes.questions``, made once at import by :meth:`~QuestionType.stored`):
  prose rendered to HTML, every option explicit with ``correct`` and ``reason``;
- the presented form sent to a browser (:meth:`~QuestionType.presented`): no answers, options in
  the attempt's order when the type may be shuffled;
- grading (:meth:`~QuestionType.parse_answer`, :meth:`~QuestionType.grade`) and the review shown
  after submitting (:meth:`~QuestionType.reviewed`), both on the stored form.

Adding a type means adding one class here, decorated with :func:`register`, and its tests.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any, ClassVar

Report = Callable[[tuple, str], None]  # (path inside the question, message)
Render = Callable[[str], str]  # Markdown -> HTML

REGISTRY: dict[str, type[QuestionType]] = {}


class AnswerError(ValueError):
    """A submitted answer that cannot be graded (unknown option, missing answer)."""


class UnknownQuestion(ValueError):
    """A form sent an answer to a question the quiz or test does not have (a stale or forged page)."""


def read_answers(questions: list[dict[str, Any]], data) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The ``q-<question id>`` fields of ``data`` (a MultiDict) for ``questions``: the answers as sent
    and a Japanese message per question that cannot be graded. UnknownQuestion for a field that
    names no question."""
    known = {q["id"] for q in questions}
    if {key[2:] for key in data.keys() if key.startswith("q-")} - known:
        raise UnknownQuestion("このテストにない問題が送信されました。ページを開き直して回答してください。")
    answers: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for question in questions:
        raw = [value for value in data.getlist(f"q-{question['id']}") if value]
        answers[question["id"]] = raw
        try:
            question_type(question["type"]).parse_answer(question, raw)
        except AnswerError as exc:
            errors[question["id"]] = str(exc)
    return answers, errors


def register(cls: type[QuestionType]) -> type[QuestionType]:
    REGISTRY[cls.name] = cls
    return cls


def question_type(name: str) -> QuestionType:
    """The registered type called ``name``; KeyError if none."""
    return REGISTRY[name]()


class QuestionType:
    """Base class: options with ids, some of them correct."""

    name: ClassVar[str]
    label: ClassVar[str]
    multiple_answers: ClassVar[bool] = False
    #: Whether options are shown in a per-attempt order (not for a fixed pair such as 正しい / 誤り).
    shuffled: ClassVar[bool] = True

    def validate(self, question: dict[str, Any], report: Report) -> None:
        """Report every problem in the type-specific part of ``question``."""
        options = question.get("options")
        if not isinstance(options, list) or len(options) < 2:
            report(("options",), "options に2つ以上の選択肢が必要です。")
            return
        seen: set[str] = set()
        for index, option in enumerate(options):
            if not isinstance(option, dict):
                report(("options", index), "選択肢は id と text を持つマッピングにしてください。")
                continue
            option_id = option.get("id")
            if not isinstance(option_id, str) or not option_id:
                report(("options", index), "選択肢に id がありません。")
            elif option_id in seen:
                report(("options", index, "id"), f"選択肢の id「{option_id}」が重複しています。")
            else:
                seen.add(option_id)
            if not isinstance(option.get("text"), str) or not option["text"].strip():
                report(("options", index), "選択肢に text がありません。")
            if option.get("correct") not in (None, True, False):
                report(("options", index, "correct"), "correct は true か false にしてください。")
            if not option.get("correct") and not str(option.get("reason") or "").strip():
                report(("options", index), "誤りの選択肢には、誤りである理由（reason）が必要です。")
        correct = sum(1 for option in options if isinstance(option, dict) and option.get("correct"))
        self.check_correct_count(correct, report)

    def check_correct_count(self, count: int, report: Report) -> None:
        if count != 1:
            report(("options",), f"single の問題は正解（correct: true）をちょうど1つにしてください（現在 {count}）。")

    def authored_options(self, question: dict[str, Any]) -> list[dict[str, Any]]:
        """The options of an authored (validated) question."""
        return question["options"]

    def stored(self, question: dict[str, Any], render: Render) -> dict[str, Any]:
        """The stored form of an authored (validated) question; prose goes through ``render``."""
        return {
            "id": question["id"],
            "type": self.name,
            "prompt_html": render(question["prompt"]),
            "explanation_html": render(question["explanation"]),
            "source": question["source"],
            "options": [{"id": o["id"], "text": o["text"], "correct": bool(o.get("correct")),
                         "reason": o.get("reason", "")} for o in self.authored_options(question)],
        }

    def presented(self, stored: dict[str, Any], seed: str) -> dict[str, Any]:
        """What a browser receives: no ``correct`` or ``reason``; options in the order ``seed`` picks."""
        options = [{"id": o["id"], "text": o["text"]} for o in stored["options"]]
        if self.shuffled:
            random.Random(hashlib.sha256(seed.encode()).digest()).shuffle(options)
        return {"id": stored["id"], "type": self.name, "label": self.label, "multiple": self.multiple_answers,
                "prompt_html": stored["prompt_html"], "options": options}

    def correct_ids(self, stored: dict[str, Any]) -> set[str]:
        return {option["id"] for option in stored["options"] if option["correct"]}

    def parse_answer(self, stored: dict[str, Any], raw: list[str]) -> set[str]:
        """Turn submitted option ids into an answer; AnswerError for anything malformed."""
        known = {option["id"] for option in stored["options"]}
        chosen = set(raw)
        if not chosen:
            raise AnswerError("未回答の問題があります。")
        if chosen - known:
            raise AnswerError("存在しない選択肢が送信されました。")
        if not self.multiple_answers and len(chosen) != 1:
            raise AnswerError("この問題は選択肢を1つだけ選んでください。")
        return chosen

    def grade(self, stored: dict[str, Any], answer: set[str]) -> bool:
        """True when ``answer`` is exactly the set of correct options (order never matters)."""
        return answer == self.correct_ids(stored)

    def reviewed(self, stored: dict[str, Any], chosen: set[str]) -> dict[str, Any]:
        """After submitting: the question, whether ``chosen`` was right, and each option marked chosen or not."""
        correct = self.correct_ids(stored)
        return {"question": stored, "right": self.grade(stored, chosen),
                "options": [{**o, "chosen": o["id"] in chosen} for o in stored["options"]],
                "correct_count": len(correct), "chosen_correct": len(chosen & correct),
                "chosen_wrong": len(chosen - correct)}


@register
class SingleChoice(QuestionType):
    name = "single"
    label = "1つ選択"


@register
class MultipleChoice(QuestionType):
    name = "multiple"
    label = "当てはまるものをすべて選択"
    multiple_answers = True

    def check_correct_count(self, count: int, report: Report) -> None:
        if count < 1:
            report(("options",), "multiple の問題には正解（correct: true）が1つ以上必要です。")


@register
class TrueFalse(QuestionType):
    """Authored as ``answer: true|false``; stored and shown as the options 正しい and 誤り, in that order."""

    name = "truefalse"
    label = "正誤"
    shuffled = False

    def validate(self, question: dict[str, Any], report: Report) -> None:
        if "options" in question:
            report(("options",), "truefalse の問題に options は書きません（answer: true / false）。")
        if not isinstance(question.get("answer"), bool):
            report(("answer",), "truefalse の問題には answer: true か answer: false が必要です。")

    def authored_options(self, question: dict[str, Any]) -> list[dict[str, Any]]:
        answer = question.get("answer")
        return [
            {"id": "true", "text": "正しい", "correct": answer is True},
            {"id": "false", "text": "誤り", "correct": answer is False},
        ]
