"""Does the length of the options give the answer away?

A learner who always picks the longest option should do no better than chance. These pure functions
measure, per curriculum, how often the correct option of a quiz question is the longest (and the
shortest) and compare it with chance; and, per scene, whether the recommended options are the longest.
``load_catalog`` stores what they find as ``Catalog.warnings`` and ``Catalog.length_shares``;
``elearn content check`` prints them. Warnings never fail the check (problems do).

Rules (README "Authoring content"):

- Length is the number of characters of an option's text, whitespace not counted.
- A single-choice question counts as *longest* when its correct option is at least as long as every
  other option (a tie counts), and as *shortest* when it is at most as long as every other option.
  Chance is 1/n for a question with n options, averaged over the questions.
- A multiple-choice question with k correct options out of n counts as *longest* when its correct
  options are the k longest (each at least as long as every wrong option), and as *shortest* when they
  are the k shortest. Chance is 1/C(n, k), averaged.
- A curriculum (initial, followup, hints, cases) is warned about, per question type, when it has at
  least ``MIN_QUESTIONS`` such questions and its share exceeds chance by more than ``MARGIN``.
  The warning is printed at the quiz files that contribute most, each at the line of one of its
  questions.
- A scene is warned about when its recommended options are the longest (ties count).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import comb
from typing import Any

from .frontmatter import ContentWarning

#: How far above chance a curriculum's share may go before ``content check`` warns (15 points).
MARGIN = 0.15
#: Fewer questions than this of one type in a curriculum are too few to judge.
MIN_QUESTIONS = 8
#: At most this many quiz files are named per warning (the rest are counted).
MAX_FILES = 5

CURRICULUM_LABELS = {"initial": "初任者研修", "followup": "フォローアップ研修", "hints": "支援のヒント", "cases": "事例",
                     "prepost": "事前・事後テスト"}
KIND_LABELS = {"single": "1つ選択", "multiple": "すべて選択"}
#: How a share is said, per question type and side.
SIDE_LABELS = {
    ("single", "longest"): "正解が最も長い", ("single", "shortest"): "正解が最も短い",
    ("multiple", "longest"): "正解がどれも誤り以上に長い", ("multiple", "shortest"): "正解がどれも誤り以下に短い",
}


@dataclass(frozen=True)
class Placement:
    """Where one question's correct options fall among its options by length."""

    path: str
    line: int
    question: str
    curriculum: str
    kind: str  # single | multiple
    longest: bool
    shortest: bool
    chance: float


@dataclass(frozen=True)
class Share:
    """One curriculum's questions of one type: how often the correct options are the longest/shortest."""

    curriculum: str
    kind: str
    questions: int
    longest: int
    shortest: int
    chance: float  # expected share of either, by chance

    @property
    def limit(self) -> float:
        """The share above which ``content check`` warns."""
        return self.chance + MARGIN

    def share(self, side: str) -> float:
        return getattr(self, side) / self.questions if self.questions else 0.0

    def judged(self) -> bool:
        return self.questions >= MIN_QUESTIONS

    def over(self, side: str) -> bool:
        return self.judged() and self.share(side) > self.limit + 1e-9

    def __str__(self) -> str:
        label = f"{self.curriculum}（{CURRICULUM_LABELS.get(self.curriculum, self.curriculum)}）"
        text = (f"{label} {KIND_LABELS[self.kind]} {self.questions}問: "
                f"{SIDE_LABELS[self.kind, 'longest']} {self.longest}問（{self.share('longest'):.0%}）、"
                f"{SIDE_LABELS[self.kind, 'shortest']} {self.shortest}問（{self.share('shortest'):.0%}）、"
                f"偶然なら各 {self.chance:.0%}")
        if not self.judged():
            return text + f"（{MIN_QUESTIONS}問未満のため判定なし）"
        return text + f"、警告は {self.limit:.0%} 超"


def text_length(text: Any) -> int:
    """Characters of an option's text, whitespace not counted."""
    return len("".join(str(text or "").split()))


def _placed(correct: Sequence[int], wrong: Sequence[int]) -> tuple[bool, bool]:
    """(correct lengths are the top ones, correct lengths are the bottom ones); ties count."""
    return min(correct) >= max(wrong), max(correct) <= min(wrong)


def place_question(question: dict[str, Any], path: str, line: int, curriculum: str) -> Placement | None:
    """The placement of one validated question, or None for types length cannot betray (truefalse)."""
    kind = question.get("type")
    if kind not in KIND_LABELS:
        return None
    options = question.get("options") or []
    correct = [text_length(o.get("text")) for o in options if o.get("correct")]
    wrong = [text_length(o.get("text")) for o in options if not o.get("correct")]
    if not correct or not wrong:
        return None
    longest, shortest = _placed(correct, wrong)
    chance = 1 / comb(len(options), len(correct))
    return Placement(path, line, str(question.get("id")), curriculum, kind, longest, shortest, chance)


def place_quiz(questions: Sequence[dict[str, Any]], lines: Sequence[int], path: str,
               curriculum: str) -> list[Placement]:
    """Placements of every choice question of one quiz; ``lines[i]`` is the line of question i."""
    placements = []
    for index, question in enumerate(questions):
        line = lines[index] if index < len(lines) else 1
        placement = place_question(question, path, line, curriculum)
        if placement:
            placements.append(placement)
    return placements


def shares(placements: Iterable[Placement]) -> list[Share]:
    """One ``Share`` per (curriculum, type), in a stable order."""
    groups: dict[tuple[str, str], list[Placement]] = {}
    for placement in placements:
        groups.setdefault((placement.curriculum, placement.kind), []).append(placement)
    order, kinds = list(CURRICULUM_LABELS), list(KIND_LABELS)
    result = []
    for (curriculum, kind), group in sorted(
            groups.items(), key=lambda g: (order.index(g[0][0]) if g[0][0] in order else len(order), g[0][0],
                                           kinds.index(g[0][1]))):
        result.append(Share(curriculum, kind, len(group), sum(p.longest for p in group),
                            sum(p.shortest for p in group), sum(p.chance for p in group) / len(group)))
    return result


def share_warnings(all_shares: Iterable[Share], placements: Sequence[Placement]) -> list[ContentWarning]:
    """A warning per contributing quiz file for every curriculum whose share is above chance + MARGIN."""
    warnings = []
    for share in all_shares:
        for side in ("longest", "shortest"):
            if share.over(side):
                group = [p for p in placements if (p.curriculum, p.kind) == (share.curriculum, share.kind)]
                warnings.extend(_file_warnings(share, side, group))
    return warnings


def _file_warnings(share: Share, side: str, group: Sequence[Placement]) -> list[ContentWarning]:
    by_file: dict[str, list[Placement]] = {}
    for placement in group:
        by_file.setdefault(placement.path, []).append(placement)
    # A file contributes by how many more of its questions are on this side than chance would put there.
    excess = {path: sum(getattr(p, side) for p in ps) - sum(p.chance for p in ps) for path, ps in by_file.items()}
    ranked = sorted((path for path in by_file if excess[path] > 0), key=lambda path: (-excess[path], path))
    named, rest = ranked[:MAX_FILES], ranked[MAX_FILES:]
    label = f"{share.curriculum}（{CURRICULUM_LABELS.get(share.curriculum, share.curriculum)}）"
    head = (f"{label}の{KIND_LABELS[share.kind]}の問題で、{SIDE_LABELS[share.kind, side]}のは "
            f"{getattr(share, side)}/{share.questions}問（{share.share(side):.0%}）、偶然なら {share.chance:.0%}"
            f"（警告は {share.limit:.0%} 超）。長さで正解が分かります。")
    warnings = []
    for index, path in enumerate(named):
        hits = [p for p in by_file[path] if getattr(p, side)]
        ids = "・".join(p.question for p in hits)
        message = head + f"このファイルでは {len(by_file[path])}問中 {len(hits)}問（{ids}）。"
        if rest and index == len(named) - 1:
            message += f"ほかに {len(rest)} ファイルが該当します。"
        warnings.append(ContentWarning(path, hits[0].line, message))
    return warnings


def scene_warning(options: Sequence[dict[str, Any]], lines: Sequence[int], path: str) -> ContentWarning | None:
    """A warning when a scene's recommended options are its longest; ``lines[i]`` is the line of option i."""
    recommended = [i for i, o in enumerate(options) if o.get("recommended") is True]
    others = [i for i, o in enumerate(options) if o.get("recommended") is not True]
    if not recommended or not others:
        return None
    length = [text_length(o.get("text")) for o in options]
    longest, _ = _placed([length[i] for i in recommended], [length[i] for i in others])
    if not longest:
        return None
    first = recommended[0]
    ids = "・".join(str(options[i].get("id")) for i in recommended)
    spread = f"{min(length[i] for i in others)}〜{max(length[i] for i in others)}字"
    return ContentWarning(path, lines[first] if first < len(lines) else 1,
                   f"推奨（recommended）の選択肢 {ids}（{'・'.join(str(length[i]) for i in recommended)}字）が"
                   f"ほかのどの選択肢（{spread}）とも同じか長く、長さで推奨が分かります。ほかの選択肢も同じくらい具体的に書いてください。")
