"""GIFT (Moodle's plain-text question format): export our quizzes, import a GIFT file as quiz YAML.

Export: one ``$CATEGORY:`` per quiz (curriculum, then the item), one question per block::

    // [id:q1] [tag:initial-01] 出典: 1 ひきこもり支援の歴史と定義・推計数 ＞ …
    ::initial-01 q1::[markdown]prompt{
    =correct option
    ~wrong option#its reason
    ####explanation
    }

single → ``=``/``~``; multiple → ``~%w%`` with the correct weights summing to 100 and the wrong ones
negative (Moodle's ``single=0``: no ``=`` anywhere); truefalse → ``{T}``/``{F}``. Text is Markdown
(``[markdown]``), every special character escaped (``\\ ~ = # { } :`` and line breaks as ``\\n``).
A comment line ``// elearn: …`` before each category carries the quiz id, item and pass mark back.

Import (:func:`parse_gift`) reads that subset of GIFT: multiple choice (with weights), true/false,
categories, titles, ``[id:]``/``[tag:]`` comments and feedback; anything it cannot map (numerical,
short answer, matching, essay, embedded answers, feedback we have no place for) is reported with its
line number, and the result is a quiz in our YAML form for ``elearn content check``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .common import Exported

SPECIAL = "\\~=#{}:"
FORMATS = ("markdown", "html", "plain", "moodle")
SOURCE_LABEL = "出典:"


# --- export -------------------------------------------------------------------------------------

def escape_plain(text: str) -> str:
    """``text`` as GIFT: specials backslash-escaped, line breaks as ``\\n``, outer whitespace dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return "".join("\\" + ch if ch in SPECIAL else ch for ch in text).replace("\n", "\\n")


def escape(text: str) -> str:
    """A text part (prompt, option, feedback) as GIFT; a leading ``[`` would be read as a format name,
    so such text states its format first."""
    out = escape_plain(text)
    return "[markdown]" + out if out.startswith("[") else out


def percent(value: float) -> str:
    """A weight as Moodle writes fractions (up to 5 decimals: 33.33333)."""
    return f"{value:.5f}".rstrip("0").rstrip(".")


def multiple_weights(options: list[dict[str, Any]]) -> list[float]:
    """Correct options share +100 %; wrong ones share −100 %, so choosing everything scores 0."""
    right = sum(1 for o in options if o.get("correct"))
    wrong = len(options) - right
    return [100 / right if o.get("correct") else -100 / wrong for o in options]


def question_gift(question: dict[str, Any], item_slug: str) -> str:
    """One authored question as a GIFT block (without the separating blank line)."""
    source = escape_plain(str(question["source"]))
    comment = f"// [id:{question['id']}] [tag:{item_slug}] {SOURCE_LABEL} {source}"
    head = f"::{escape_plain(item_slug + ' ' + question['id'])}::[markdown]{escape_plain(question['prompt'])}{{"
    lines = [comment, head]
    kind = question["type"]
    if kind == "truefalse":
        lines.append("T" if question["answer"] else "F")
    else:
        weights = multiple_weights(question["options"]) if kind == "multiple" else None
        for index, option in enumerate(question["options"]):
            if weights:
                mark = f"~%{percent(weights[index])}%"
            else:
                mark = "=" if option.get("correct") else "~"
            line = mark + escape(option["text"])
            if not option.get("correct") and str(option.get("reason") or "").strip():
                line += "#" + escape(option["reason"])
            lines.append(line)
    lines.append("####" + escape(question["explanation"]))
    lines.append("}")
    return "\n".join(lines)


def category_line(exported: Exported) -> str:
    """``$CATEGORY:`` below the course's top; a ``/`` inside a name is written ``//``."""
    parts = [part.replace("/", "//") for part in exported.category]
    return "$CATEGORY: $course$/top/" + "/".join(parts)


def quiz_gift(exported: Exported) -> str:
    """One quiz: the elearn comment, its category, then its questions."""
    quiz = exported.quiz
    blocks = [f"// elearn: quiz={quiz.slug} module={quiz.module} pass_mark={quiz.pass_mark}\n"
              + category_line(exported)]
    blocks += [question_gift(question, quiz.module) for question in quiz.questions]
    return "\n\n".join(blocks)


def export_gift(quizzes: list[Exported]) -> str:
    """A GIFT file (UTF-8 text, no BOM) with every quiz in ``quizzes``."""
    return "\n\n".join(quiz_gift(exported) for exported in quizzes) + "\n"


# --- import -------------------------------------------------------------------------------------

# Escaped specials become private-use characters while parsing, and come back at the end.
_HIDE = {ch: chr(0xE000 + index) for index, ch in enumerate(SPECIAL)}
_SHOW = {v: k for k, v in _HIDE.items()}


def _hide_escapes(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        ch = text[index]
        if ch == "\\" and index + 1 < len(text):
            nxt = text[index + 1]
            if nxt in _HIDE:
                out.append(_HIDE[nxt])
                index += 2
                continue
            if nxt == "n":
                out.append("\n")
                index += 2
                continue
        out.append(ch)
        index += 1
    return "".join(out)


def _show(text: str) -> str:
    return "".join(_SHOW.get(ch, ch) for ch in text)


@dataclass
class Notice:
    """Something in the GIFT file that could not be carried into our quiz."""

    line: int
    message: str


@dataclass
class Imported:
    """The result of reading a GIFT file: our quiz (as data for YAML) and what did not map."""

    quiz: dict[str, Any]
    notices: list[Notice] = field(default_factory=list)
    formats: set[str] = field(default_factory=set)

    def yaml(self) -> str:
        return dump_quiz(self.quiz)


@dataclass
class _Block:
    line: int  # 1-based line of the block's first line
    comments: list[str]
    text: str  # content lines joined, escapes hidden
    text_line: int


def _blocks(source: str) -> list[_Block]:
    """Split into blank-line separated blocks; comment lines (``//``) before the content are kept apart."""
    blocks, current, start = [], [], 0
    lines = source.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    for number, line in enumerate(lines + [""], start=1):
        if line.strip():
            if not current:
                start = number
            current.append((number, line))
            continue
        if current:
            comments = []
            while current and current[0][1].lstrip().startswith("//"):
                comments.append(current.pop(0)[1].lstrip()[2:])
            if current:
                blocks.append(_Block(start, comments, _hide_escapes("\n".join(text for _, text in current)),
                                     current[0][0]))
            elif comments:
                blocks.append(_Block(start, comments, "", start))
            current = []
    return blocks


def _text(raw: str, formats: set[str]) -> str:
    """A text part: its ``[format]`` prefix noted and removed, escapes restored, outer space dropped."""
    raw = raw.strip()
    match = re.match(r"\[(markdown|html|plain|moodle)\]", raw)
    if match:
        formats.add(match.group(1))
        raw = raw[match.end():]
    return _show(raw).strip()


def _split_choices(body: str) -> list[str]:
    """Answer text split before each unescaped ``=`` or ``~`` (escapes are already hidden)."""
    parts, current = [], ""
    for ch in body:
        if ch in "=~":
            if current[:1] in ("=", "~"):
                parts.append(current)
            current = ch
        else:
            current += ch
    if current[:1] in ("=", "~"):
        parts.append(current)
    return parts


def parse_gift(source: str, quiz_id: str, module: str | None = None, pass_mark: int | None = None) -> Imported:
    """Read GIFT ``source`` into quiz ``quiz_id``; everything not carried over becomes a Notice."""
    result = Imported({})
    questions: list[dict[str, Any]] = []
    header: dict[str, str] = {}
    used_ids: set[str] = set()
    for block in _blocks(source):
        for comment in block.comments:
            found = re.match(r"\s*elearn:\s*(.*)", comment)
            if found:
                header.update(dict(re.findall(r"(\w+)=(\S+)", found.group(1))))
        if not block.text.strip():
            continue
        if block.text.lstrip().startswith("$CATEGORY:"):
            continue
        question = _question(block, len(questions) + 1, used_ids, result)
        if question:
            questions.append(question)
    module = module or header.get("module") or (quiz_id[5:] if quiz_id.startswith("quiz-") else quiz_id)
    try:
        mark = pass_mark or int(header.get("pass_mark", 80))
    except ValueError:
        mark = 80
    result.quiz = {"id": quiz_id, "module": module, "pass_mark": mark, "questions": questions}
    if not questions:
        result.notices.append(Notice(1, "取り込める問題がありません。"))
    if "html" in result.formats:
        result.notices.append(Notice(1, "[html] 形式の文章があります。elearn は Markdown として表示するため、"
                                        "HTML のタグはそのまま文字として表示されます。"))
    return result


def _comment_fields(comments: list[str]) -> tuple[str | None, str | None]:
    """(question id, source) from our comment line, or from any ``[id:…]`` comment."""
    qid = source = None
    for comment in comments:
        found = re.search(r"\[id:([^\]\x00-\x1f]+?)\]", comment)
        if found:
            qid = found.group(1).strip()
        if SOURCE_LABEL in comment:
            source = _show(_hide_escapes(comment.split(SOURCE_LABEL, 1)[1])).strip()
    return qid, source


def _question(block: _Block, number: int, used: set[str], result: Imported) -> dict[str, Any] | None:
    """One question block in our authored form, or None (with a Notice) when it cannot be mapped."""
    line = block.text_line
    qid, source = _comment_fields(block.comments)
    text = block.text.lstrip()
    if text.startswith("::"):  # the Moodle question name: our id comes from [id:…]
        end = text.find("::", 2)
        if end < 0:
            result.notices.append(Notice(line, "問題名（::…::）が閉じていません。この問題は取り込みませんでした。"))
            return None
        text = text[end + 2:]
    opening, closing = text.find("{"), text.rfind("}")
    if opening < 0 or closing < opening:
        result.notices.append(Notice(line, "説明文（答えの { } がない問題）は取り込めません。"))
        return None
    after = text[closing + 1:].strip()
    if after and not after.startswith("//"):
        result.notices.append(Notice(line, "文中に答えを埋め込む形式（穴埋め）は取り込めません。"))
        return None
    prompt, answers, general = _text(text[:opening], result.formats), text[opening + 1:closing], ""
    if "####" in answers:
        answers, general = answers.split("####", 1)
        general = _text(general, result.formats)
    kind = _answer_kind(answers)
    if kind == "truefalse":
        parts = answers.strip().split("#")
        if any(part.strip() for part in parts[1:]):
            result.notices.append(Notice(line, "正誤問題の回答ごとのフィードバックは取り込めません（解説 #### だけを使います）。"))
        body: dict[str, Any] = {"type": "truefalse", "prompt": prompt,
                                "answer": parts[0].strip().upper().startswith("T")}
    elif kind == "choice":
        choice = _options(answers, line, result)
        if choice is None:
            return None
        body = {"type": choice["type"], "prompt": prompt, "options": choice["options"]}
    else:
        result.notices.append(Notice(line, f"{kind}は elearn の問題の種類（1つ選択・複数選択・正誤）にないため、取り込めません。"))
        return None
    if not general:
        result.notices.append(Notice(line, "解説（#### のあとの全体フィードバック）がありません。explanation を書き足してください。"))
    if not source:
        result.notices.append(Notice(line, "出典がありません。source を書き足してください。"))
    question_id = _question_id(qid, number, used, line, result)
    return {"id": question_id, **body, "explanation": general, "source": source or ""}


def _question_id(qid: str | None, number: int, used: set[str], line: int, result: Imported) -> str:
    """The [id:…] when it is a valid, unused id; else q<number>."""
    valid = qid if qid and re.match(r"^[a-z0-9][a-z0-9\-]{0,99}$", qid) else None
    if qid and not valid:
        result.notices.append(Notice(line, f"問題の id「{qid}」は使えない文字を含むため、q{number} にしました。"))
    question_id = valid or f"q{number}"
    while question_id in used:
        question_id += "-2"
    used.add(question_id)
    return question_id


def _answer_kind(answers: str) -> str:
    body = answers.strip()
    if re.fullmatch(r"(T|TRUE|F|FALSE)(\s*#.*)?", body, re.DOTALL):
        return "truefalse"
    if body.startswith("#"):
        return "数値問題"
    if not body:
        return "記述問題"
    if "=" in body and "->" in body:
        return "組み合わせ問題"
    if "~" not in body:
        return "短答問題"
    return "choice"


def _options(answers: str, line: int, result: Imported) -> dict[str, Any] | None:
    """Options of a multiple-choice question: ``=`` and ``~`` with optional weights and feedback."""
    parsed = []
    for part in _split_choices(answers):
        mark, rest = part[0], part[1:].lstrip()
        weight = 100.0 if mark == "=" else 0.0
        found = re.match(r"%(-?\d+(?:\.\d+)?)%", rest)
        if found:
            weight = float(found.group(1)) if mark == "~" else 100.0
            rest = rest[found.end():]
        text, _, feedback = rest.partition("#")
        parsed.append((mark, weight, _text(text, result.formats), _text(feedback, result.formats)))
    if len(parsed) < 2:
        result.notices.append(Notice(line, "選択肢が2つ未満のため取り込めません。"))
        return None
    single = any(mark == "=" for mark, *_ in parsed)
    options = []
    for index, (mark, weight, text, feedback) in enumerate(parsed):
        correct = mark == "=" if single else weight > 0
        option: dict[str, Any] = {"id": _option_id(index), "text": text}
        if correct:
            option["correct"] = True
            if feedback:
                result.notices.append(Notice(line, f"正解の選択肢「{text}」へのフィードバックは取り込めません（elearn は誤りの選択肢の理由だけを持ちます）。"))
        else:
            if single and weight > 0:
                result.notices.append(Notice(line, f"選択肢「{text}」の部分点 {percent(weight)}% は取り込めません（不正解として扱います）。"))
            option["reason"] = feedback
            if not feedback:
                result.notices.append(Notice(line, f"誤りの選択肢「{text}」に理由（# のあとのフィードバック）がありません。reason を書き足してください。"))
        options.append(option)
    if not single:
        positive = [w for _, w, *_ in parsed if w > 0]
        if positive and abs(sum(positive) - 100) > 0.1:
            result.notices.append(Notice(line, f"正解の重みの合計が {percent(sum(positive))}% です。elearn はすべての正解を選んだときだけ正解とします。"))
    return {"type": "single" if single else "multiple", "options": options}


def _option_id(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < len(letters) else f"o{index + 1}"


# --- YAML out -----------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block scalars (|) for multi-line text, so the YAML reads like the shipped quizzes."""


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_quiz(quiz: dict[str, Any]) -> str:
    """Our quiz YAML (UTF-8, Japanese as is, keys in the authored order)."""
    return yaml.dump(quiz, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
