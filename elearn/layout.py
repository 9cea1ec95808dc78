"""What the layout (base.html) shows that belongs to the person asking: their name, their CSRF token,
their unread-notification badge and their flash messages.

Templates read these as ``personal.<name>``. On an ordinary page ``personal`` computes each value when
the template asks for it; on a page drawn from a shell (:mod:`elearn.content.shells`) the shell holds a
hole for each and :func:`layout_values` fills them in per request.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, g, get_flashed_messages
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import literal

#: Flash categories shown next to one part of a page instead of at the top (e.g. the case sheet's).
PART_CATEGORIES = ("sheet:success", "sheet:error")

#: ``count_of(user_id)``: the navigation badge's number as an SQL scalar (the board's unread notifications).
_badge_count_of: Callable | None = None


def register_badge(count_of: Callable) -> None:
    """Let ``count_of(user_id)``, an SQL scalar, give the navigation badge's number."""
    global _badge_count_of
    _badge_count_of = count_of


def badge_column(user_id):
    """The badge's count for ``user_id`` (a column): the session loader reads it with the session's row."""
    return literal(0) if _badge_count_of is None else _badge_count_of(user_id)


def remember_badge(count: int) -> None:
    """Keep the badge's count read with the session's row for this request's layout."""
    g.badge_count = count


def _macro(name: str):
    return getattr(current_app.jinja_env.get_template("_macros/layout.html").module, name)


def _name() -> str:
    return current_user.display_name


def _badge() -> Markup:
    count = g.get("badge_count", 0) if current_user.is_authenticated else 0
    return _macro("badge")(count) if count else Markup("")


def _flashes() -> Markup:
    messages = [m for m in get_flashed_messages(with_categories=True) if m[0] not in PART_CATEGORIES]
    return _macro("flashes")(messages) if messages else Markup("")


#: Every personal value of the layout, by the name templates use after ``personal.``.
LAYOUT_VALUES: dict[str, Callable[[], object]] = {
    "name": _name,
    "csrf_token": generate_csrf,
    "badge": _badge,
    "flashes": _flashes,
}


class Personal:
    """``personal`` on an ordinary page: each value computed when the template first reads it."""

    def __getattr__(self, name: str):
        try:
            value = LAYOUT_VALUES[name]()
        except KeyError:
            raise AttributeError(name) from None
        setattr(self, name, value)
        return value


def layout_values(names) -> dict[str, object]:
    """The values of the layout's ``names`` for this request (what a shell's holes need)."""
    return {name: LAYOUT_VALUES[name]() for name in names}


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"personal": Personal()})
    app.jinja_env.globals["part_flash_categories"] = PART_CATEGORIES
