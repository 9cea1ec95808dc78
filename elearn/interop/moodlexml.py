"""Moodle XML: our quizzes as Moodle's question bank import format (``<quiz><question type=…>``).

Prompt and explanation are HTML from the one Markdown renderer (``format="html"``); option texts
and reasons are escaped plain text. single → multichoice ``<single>true</single>``; multiple →
multichoice ``<single>false</single>`` with the correct fractions summing to 100 and the wrong ones
negative; truefalse → truefalse. The explanation is the general feedback, each wrong option's
reason its answer feedback, the item id a tag, the source an XML comment before the question.
"""
from __future__ import annotations

import html
from typing import Any
from xml.etree import ElementTree as ET

from ..content.markdown import render_markdown
from .common import Exported
from .gift import multiple_weights, percent


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = "html") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = value
    return element


def _category(exported: Exported) -> ET.Element:
    question = ET.Element("question", {"type": "category"})
    path = "/".join(part.replace("/", "//") for part in exported.category)
    category = ET.SubElement(question, "category")
    ET.SubElement(category, "text").text = f"$course$/top/{path}"
    _text(question, "info", "")
    return question


def _question(question: dict[str, Any], exported: Exported) -> ET.Element:
    kind = question["type"]
    element = ET.Element("question", {"type": "truefalse" if kind == "truefalse" else "multichoice"})
    name = ET.SubElement(element, "name")
    ET.SubElement(name, "text").text = f"{exported.item.slug} {question['id']}"
    _text(element, "questiontext", render_markdown(question["prompt"]))
    _text(element, "generalfeedback", render_markdown(question["explanation"]))
    ET.SubElement(element, "defaultgrade").text = "1"
    ET.SubElement(element, "penalty").text = "0"
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = question["id"]
    if kind == "truefalse":
        for value in (True, False):
            answer = ET.SubElement(element, "answer", {
                "fraction": "100" if question["answer"] is value else "0", "format": "moodle_auto_format"})
            ET.SubElement(answer, "text").text = "true" if value else "false"
            _text(answer, "feedback", "")
    else:
        ET.SubElement(element, "single").text = "true" if kind == "single" else "false"
        ET.SubElement(element, "shuffleanswers").text = "true"
        ET.SubElement(element, "answernumbering").text = "abc"
        for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            _text(element, tag, "")
        if kind == "multiple":
            ET.SubElement(element, "shownumcorrect")
        weights = multiple_weights(question["options"]) if kind == "multiple" else [
            100.0 if o.get("correct") else 0.0 for o in question["options"]]
        for option, weight in zip(question["options"], weights):
            answer = ET.SubElement(element, "answer", {"fraction": percent(weight), "format": "html"})
            ET.SubElement(answer, "text").text = html.escape(option["text"].strip())
            reason = "" if option.get("correct") else str(option.get("reason") or "").strip()
            _text(answer, "feedback", f"<p>{html.escape(reason)}</p>" if reason else "")
    tags = ET.SubElement(element, "tags")
    ET.SubElement(ET.SubElement(tags, "tag"), "text").text = exported.item.slug
    return element


def export_moodlexml(quizzes: list[Exported]) -> bytes:
    """A Moodle XML file (UTF-8, declared) with a category and the questions of every quiz."""
    root = ET.Element("quiz")
    for exported in quizzes:
        root.append(ET.Comment(f" elearn: quiz={exported.quiz.slug} module={exported.quiz.module} "
                               f"pass_mark={exported.quiz.pass_mark} "))
        root.append(_category(exported))
        for question in exported.quiz.questions:
            root.append(ET.Comment(" 出典: " + _comment_safe(str(question["source"])) + " "))
            root.append(_question(question, exported))
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def _comment_safe(text: str) -> str:
    """An XML comment may not contain ``--`` nor end with ``-``."""
    text = " ".join(text.split())
    while "--" in text:
        text = text.replace("--", "-‐")
    return text
