"""Reading content files with line numbers, so every problem can be reported as ``path:line``."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ContentWarning:
    """Something worth an author's look that does not make a file invalid (``content check`` still passes)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: 警告: {self.message}"


class ContentError(Exception):
    """A file that cannot be read at all (bad YAML, no front matter)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Located:
    """Parsed YAML data plus the 1-based line of every mapping key and sequence item.

    ``lines`` maps a path tuple such as ``("questions", 2, "options")`` to its line.
    """

    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)
    offset: int = 0

    def line(self, *path) -> int:
        """The line of the deepest known prefix of ``path`` (falls back to the document start)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]] + self.offset
        return self.offset + 1


def _walk(node: yaml.Node, path: tuple, lines: dict) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _walk(item, path + (index,), lines)


def load_yaml(text: str, path: str, offset: int = 0) -> Located:
    """Parse ``text``; ``offset`` is the number of file lines before it."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed quote or bracket),
        # which is where the author has to look; the problem mark is where parsing gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = (mark.line + 1 if mark else 1) + offset
        reason = getattr(exc, "problem", None) or str(exc)
        raise ContentError(Problem(path, line, f"YAML を読めません: {reason}")) from exc
    lines: dict[tuple, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return Located(data, lines, offset)


@dataclass
class Document:
    """A Markdown file split into its front matter and body."""

    path: str
    meta: Located
    body: str
    body_line: int  # 1-based file line where the body starts


def read_document(file: Path, display_path: str) -> Document:
    """Split ``file`` into YAML front matter (between ``---`` lines) and the Markdown body."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(Problem(display_path, 1, "UTF-8 で保存してください。")) from exc
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(Problem(display_path, 1, "先頭に --- で囲んだフロントマター（YAML）が必要です。"))
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            break
    else:
        raise ContentError(Problem(display_path, 1, "フロントマターを閉じる --- がありません。"))
    meta = load_yaml("".join(lines[1:index]), display_path, offset=1)
    if not isinstance(meta.data, dict):
        raise ContentError(Problem(display_path, 2, "フロントマターは「キー: 値」の形で書いてください。"))
    return Document(display_path, meta, "".join(lines[index + 1:]), index + 2)
