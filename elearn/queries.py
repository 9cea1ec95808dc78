"""Query helpers every area shares: one pagination (page numbers clamped) and substring search.

``?page=`` comes from the URL, so any number may arrive (0, -1, 9223372036854775807): it is clamped
to the pages that exist, and the offset never overflows a database integer. Search is a substring
match (Japanese has no spaces between words) with LIKE wildcards escaped, so 「50%」 finds 「50%」.
A person search folds the query like ``users.search_key`` (:func:`elearn.kana.fold`), so 「たかはし」
finds 高橋 by ふりがな, 「髙橋」 finds 高橋, 「ﾀｶﾊｼ」 finds たかはし; people are listed by
``User.sort_name`` (ふりがな, else 氏名).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from .extensions import db
from .kana import fold
from .models import User

SEARCH_MAX_LENGTH = 100


@dataclass
class Page:
    """One page of results, shaped for the ``pagination`` macro."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(statement: Select, page: int | None, per_page: int, *, rows: bool = False,
             shape: Callable[[Select], Select] | None = None, total: int | None = None) -> Page:
    """One page of ``statement`` (two queries: the count and the page), the page number clamped.

    Items are the first column of each row (``select(User)`` gives users) unless ``rows`` is true,
    which keeps whole rows for multi-column selects. ``shape`` adds to the page's query only what
    the count does not need (columns, joins for them). A ``total`` the caller already counted saves
    the count.
    """
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    result = Page([], 1, per_page, total)
    result.page = min(max(page or 1, 1), result.pages)
    window = (shape(statement) if shape else statement).limit(per_page).offset((result.page - 1) * per_page)
    result.items = list(db.session.execute(window).all() if rows else db.session.scalars(window))
    return result


def search_text(value: str | None) -> str:
    """A search box's text as searched: printable characters only, trimmed, at most 100 characters."""
    return "".join(ch for ch in (value or "") if ch.isprintable()).strip()[:SEARCH_MAX_LENGTH]


def contains(columns, text: str):
    """A condition: any of ``columns`` contains ``text`` (case-insensitive, wildcards taken literally)."""
    return or_(*(column.icontains(text, autoescape=True) for column in columns))


def person_matches(query: str):
    """A condition matching 氏名, ふりがな, メールアドレス or 所属 containing ``query`` (None for an empty
    query): one LIKE on the folded ``users.search_key``, the query folded the same way."""
    folded = fold(search_text(query))
    if not folded:
        return None
    return User.search_key.contains(folded, autoescape=True)


def person_order() -> tuple:
    """ORDER BY for lists of people: あいうえお order of ``User.sort_name``, then the id (stable)."""
    return User.sort_name, User.id


def search_users(query: str, roles: list[str] | None = None, page: int | None = 1, within=None,
                 per_page: int = 50) -> Page:
    """Users whose name, email or 所属 contains ``query``, by name, paginated.

    ``within``, a select of user ids, limits the search to those users (an organiser's participants).
    """
    statement = select(User).order_by(*person_order())
    if within is not None:
        statement = statement.where(User.id.in_(within))
    matching = person_matches(query)
    if matching is not None:
        statement = statement.where(matching)
    if roles:
        statement = statement.where(User.role.in_(roles))
    return paginate(statement, page, per_page)


def more_users_than(count: int, roles: list[str] | None = None, within: Select | None = None) -> bool:
    """Whether more than ``count`` users (of ``roles``, among ``within``) exist: one query that stops at
    ``count`` + 1. It walks ``within``'s rows (an organiser's enrolments), the role checked per row
    (EXISTS, not a join: a join lets SQLite start from all users instead)."""
    if within is None:
        found = select(User.id).where(User.role.in_(roles)) if roles else select(User.id)
    else:
        found = within.distinct()
        if roles:
            user_id = within.selected_columns[0]
            found = found.where(select(User.id).where(User.id == user_id, User.role.in_(roles)).exists())
    counted = select(func.count()).select_from(found.limit(count + 1).subquery())
    return (db.session.scalar(counted) or 0) > count
