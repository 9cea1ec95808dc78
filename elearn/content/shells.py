"""Pages drawn once per content snapshot, with holes for what belongs to the person asking.

A page whose HTML is the same for everyone with the same role, apart from a few values (the layout's
name, CSRF token, badge and flash messages; a module page's progress and attempt token), is rendered
once as a *shell*: the template runs with a marker in place of each personal value, and the HTML is
split at the markers. Each request then only joins the pieces with its own values, escaped as Jinja
would. A personal value that is ``None`` is rendered as ``None`` in the shell (so ``{% if %}`` on it
takes the right branch) and is part of the shell's key.

A personal value may only be printed where the template writes ``{{ value }}``; anything the template
decides on (a status, a role) belongs in the key instead. Rendering a shell that asks for the request's
CSRF token itself raises :class:`ShellLeak`, so nobody's token is ever baked into a shell.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from flask import current_app, g, render_template, request
from flask_login import current_user
from markupsafe import Markup, escape

from ..layout import layout_values
from .snapshot import cached_fragment

_MARK = "\x00"
_HOLE = re.compile(f"{_MARK}([0-9]+){_MARK}")


class ShellLeak(RuntimeError):
    """A shell's rendering read something personal that is not one of its holes."""


class _Holes:
    """Hands out a marker per personal value while a shell is rendered."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def hole(self, name: str) -> Markup:
        self.names.append(name)
        return Markup(f"{_MARK}{len(self.names) - 1}{_MARK}")


class _LayoutHoles:
    """``personal`` while a shell is rendered: a hole for each of the layout's values."""

    def __init__(self, holes: _Holes) -> None:
        self._holes = holes

    def __getattr__(self, name: str) -> Markup:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._holes.hole(f"personal.{name}")


class Shell:
    """A page split at its holes: ``pieces`` alternate text and hole names, text first and last."""

    def __init__(self, html: str, names: list[str]) -> None:
        parts = _HOLE.split(html)
        self.pieces = [part if i % 2 == 0 else names[int(part)] for i, part in enumerate(parts)]
        self.layout_names = sorted({n.removeprefix("personal.") for n in names if n.startswith("personal.")})

    def fill(self, values: Mapping[str, object]) -> str:
        """The page with ``values`` (escaped unless Markup) in the holes; the layout's are read here."""
        values = {**values, **{f"personal.{k}": v for k, v in layout_values(self.layout_names).items()}}
        pieces = self.pieces
        out = [pieces[0]]
        for i in range(1, len(pieces), 2):
            out.append(escape(values[pieces[i]]))
            out.append(pieces[i + 1])
        return "".join(out)


def _render(template: str, context: dict, personal: dict) -> Shell:
    holes = _Holes()
    filled = {name: None if value is None else holes.hole(name) for name, value in personal.items()}
    csrf_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.pop(csrf_field, None)  # Flask-WTF's per-request token: a shell that asks for it gets a new one
    try:
        html = render_template(template, **context, **filled, personal=_LayoutHoles(holes))
    finally:
        leaked = csrf_field in g
        g.pop(csrf_field, None)
        if token is not None:
            setattr(g, csrf_field, token)
    if leaked:
        raise ShellLeak(f"{template}: the shell used this request's CSRF token; print personal.csrf_token instead")
    return Shell(html, holes.names)


def render_shell(key: tuple, template: str, context: dict, personal: dict) -> str:
    """``template`` with ``context`` (the same for everyone with this key) and ``personal`` (this request's).

    The shell is kept per content snapshot under ``key`` plus the role, the endpoint and its URL
    arguments (the navigation marks the current page) and which personal values are ``None``.
    """
    full_key = ("shell", template, key, current_user.role, request.endpoint,
                tuple(sorted((request.view_args or {}).items())),
                tuple(name for name, value in personal.items() if value is None))
    shell = cached_fragment(full_key, lambda: _render(template, context, personal))
    return shell.fill(personal)
