"""The one Markdown renderer: CommonMark + tables, raw HTML off, safe link schemes only."""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

SAFE_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
#: A bare content id used as a link target, e.g. ``[定義](initial-01)``.
CONTENT_ID = re.compile(r"^[a-z0-9][a-z0-9\-]*$")

LinkResolver = Callable[[str], str | None]


def is_safe_link(url: str) -> bool:
    """http(s), mailto and relative links only; everything else (javascript:, data:, …) is refused."""
    url = url.strip()
    if _SCHEME.match(url):
        return url.lower().startswith(SAFE_SCHEMES)
    return not url.startswith("//")  # protocol-relative links leave the site


@lru_cache(maxsize=4)
def _parser(breaks: bool, permissive: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": breaks, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.validateLink = (lambda url: True) if permissive else is_safe_link
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


def _table_open(self, tokens, idx, options, env) -> str:
    """A table sits in a labelled, keyboard-focusable box that scrolls sideways on a narrow screen."""
    headers = []
    for token in tokens[idx + 1:]:
        if token.type == "thead_close":
            break
        if token.type == "inline":
            text = "".join(c.content for c in token.children or () if c.type in ("text", "code_inline")).strip()
            if text:
                headers.append(text)
    label = f"表（{'・'.join(headers)}）" if headers else "表"
    seen = env.setdefault("table_labels", {})
    seen[label] = seen.get(label, 0) + 1
    if seen[label] > 1:  # two tables with the same headers in one text still get distinct names
        label += f"その{seen[label]}"
    label = escapeHtml(label)
    return (f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}">\n'
            + self.renderToken(tokens, idx, options, env))


def _table_close(self, tokens, idx, options, env) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"


def link_targets(text: str) -> list[tuple[str, int]]:
    """Every link target in ``text``, safe or not, with its 0-based line (for ``content check``)."""
    targets = []
    for token in _parser(False, permissive=True).parse(text):
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] if token.map else 0
        for child in token.children:
            if child.type == "link_open":
                targets.append((child.attrGet("href") or "", line))
    return targets


def stray_emphasis(text: str) -> list[int]:
    """0-based lines where ``**`` survives as literal text (e.g. ``**「…」**`` next to Japanese text).

    CommonMark does not open emphasis when ``**`` sits between a letter and punctuation such as
    「; writing 「**…**」 works. ``content check`` reports these so readers never see asterisks.
    """
    lines = []
    for token in _parser(False, permissive=True).parse(text):
        if token.type == "inline" and any(
            child.type == "text" and "**" in child.content for child in token.children or ()
        ):
            lines.append(token.map[0] if token.map else 0)
    return lines


def heading_id(text: str, taken: set[str]) -> str:
    """The anchor of a heading: ``h-`` and its text (blanks as ``-``), numbered when repeated."""
    base = "h-" + (re.sub(r"[\s#]+", "-", text.strip()).strip("-")[:60] or "section")
    anchor, number = base, 2
    while anchor in taken:
        anchor, number = f"{base}-{number}", number + 1
    taken.add(anchor)
    return anchor


def render_markdown(text: str, resolve_link: LinkResolver | None = None, *, breaks: bool = False,
                    anchors: bool = False, toc: list[dict[str, str | int]] | None = None) -> str:
    """Render ``text`` to HTML. ``resolve_link`` maps bare content ids to URLs.

    This is the only place Markdown becomes HTML: content at import, board posts when saved.
    Links to other sites open normally but carry ``rel="noopener noreferrer nofollow"``. With
    ``anchors`` (content bodies) every heading gets an ``id`` (:func:`heading_id`), which search
    results and the table of contents link to; with ``toc`` (a list to fill, implies ``anchors``)
    the ``##``/``###`` headings are appended to it.
    """
    md = _parser(breaks)
    tokens = md.parse(text)
    if anchors or toc is not None:
        _anchor_headings(tokens, toc if toc is not None else [])
    for token in tokens:
        for child in token.children or ():
            if child.type != "link_open":
                continue
            href = child.attrGet("href") or ""
            if resolve_link and CONTENT_ID.match(href):
                child.attrSet("href", resolve_link(href) or href)
            elif _SCHEME.match(href) and not href.lower().startswith("mailto:"):
                child.attrSet("rel", "noopener noreferrer nofollow")
    return md.renderer.render(tokens, md.options, {})


def _anchor_headings(tokens, toc: list[dict[str, str | int]]) -> None:
    """Give every heading an id (:func:`heading_id`) and record h2/h3 as ``{id, title, level}``."""
    taken: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        title = "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))
        anchor = heading_id(title, taken)
        token.attrSet("id", anchor)
        if token.tag in ("h2", "h3"):
            toc.append({"id": anchor, "title": title, "level": int(token.tag[1])})


def render_with_toc(text: str, resolve_link: LinkResolver | None = None) -> tuple[str, list[dict[str, str | int]]]:
    """A module body: HTML whose ``##``/``###`` headings carry ids, and those headings in order."""
    toc: list[dict[str, str | int]] = []
    return render_markdown(text, resolve_link, toc=toc), toc
