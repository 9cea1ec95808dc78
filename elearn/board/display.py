"""What the board shows about people: author labels, and view objects that hold no author id.

Templates receive these objects, never a post or a user, so an anonymous author cannot slip into
a page, an attribute or a link by accident. An anonymous post is 「匿名の支援者」 to everyone; within
one anonymous thread, the opener's own anonymous replies say so, which links nothing elsewhere.
"""
from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import Select, and_, func, select

from ..extensions import db
from ..models import BoardPost, BoardThread, User
from ..permissions import (can_delete_post, can_edit_post, can_moderate, can_react, can_report,
                           is_post_author)
from .categories import FALLBACK_TITLE, categories, category_title

ANONYMOUS = "匿名の支援者"
ANONYMOUS_OPENER = "匿名の支援者（スレッド作成者）"
FORMER_USER = "退会した支援者"


def named_author_ids(items: Iterable[BoardPost | BoardThread]) -> set[int]:
    """Author ids of the non-anonymous items: the only ones whose names are ever looked up."""
    return {item.author_id for item in items if not item.anonymous and item.author_id is not None}


def display_names(user_ids: set[int]) -> dict[int, str]:
    """``{id: display name}`` in one query (none when there is nobody to name)."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def author_label(item: BoardPost | BoardThread, thread: BoardThread, names: Mapping[int, str]) -> str:
    """The name shown for a post or thread: the display name, or an anonymous label."""
    if item.anonymous:
        opener = thread.anonymous and item.author_id is not None and item.author_id == thread.author_id
        return ANONYMOUS_OPENER if opener and isinstance(item, BoardPost) and not item.is_opening else ANONYMOUS
    if item.author_id is None:
        return FORMER_USER
    return names.get(item.author_id, FORMER_USER)


@dataclass(frozen=True)
class ThreadRow:
    """One line of the thread list."""

    id: int
    title: str
    category_title: str
    author_label: str
    created_at: datetime
    last_activity_at: datetime
    reply_count: int
    locked: bool
    hidden: bool


def with_row_columns(statement: Select) -> Select:
    """``statement`` (of threads) with what a list row needs besides the thread, in the same query:
    the replies (not deleted) and the author's name, joined only for threads not posted anonymously."""
    replies = (select(func.count(BoardPost.id))
               .where(BoardPost.thread_id == BoardThread.id, BoardPost.is_opening.is_(False),
                      BoardPost.deleted_at.is_(None)).scalar_subquery())
    return (statement.add_columns(replies, User.display_name)
            .outerjoin(User, and_(User.id == BoardThread.author_id, BoardThread.anonymous.is_(False))))


def thread_rows(rows) -> list[ThreadRow]:
    """Rows for the list from ``(thread, replies, author's name)`` (:func:`with_row_columns`)."""
    shown = categories()
    return [ThreadRow(t.id, t.title, shown[t.category].title if t.category in shown else FALLBACK_TITLE,
                      author_label(t, t, {t.author_id: name} if name is not None else {}), t.created_at,
                      t.last_activity_at, replies, t.locked, t.hidden_at is not None)
            for t, replies, name in rows]


@dataclass(frozen=True)
class ThreadHeader:
    """What a thread page shows about the thread itself."""

    id: int
    title: str
    category: str
    category_title: str
    locked: bool
    hidden: bool


def thread_header(thread: BoardThread) -> ThreadHeader:
    return ThreadHeader(thread.id, thread.title, thread.category, category_title(thread.category), thread.locked,
                        thread.hidden_at is not None)


@dataclass(frozen=True)
class PostView:
    """One post as a given viewer may see it. ``body_html`` is empty when the viewer may not read it."""

    id: int
    thread_id: int
    is_opening: bool
    state: str  # shown | hidden | deleted
    body_html: Markup
    author_label: str
    created_at: datetime
    edited_at: datetime | None
    reactions: int
    reacted: bool
    is_mine: bool
    can_edit: bool
    can_delete: bool
    can_react: bool
    can_report: bool
    hidden_reason: str
    privacy_confirmed: bool


def post_view(post: BoardPost, thread: BoardThread, viewer: User, names: Mapping[int, str],
              reactions: Mapping[int, int] | None = None, reacted: Container[int] = frozenset()) -> PostView:
    """What ``viewer`` sees of ``post``: hidden text only for its author and moderators."""
    mine = is_post_author(viewer, post)
    moderator = can_moderate(viewer)
    state = "deleted" if post.deleted_at else "hidden" if post.hidden_at else "shown"
    readable = state == "shown" or (state == "hidden" and (mine or moderator))
    return PostView(
        id=post.id, thread_id=post.thread_id, is_opening=post.is_opening, state=state,
        body_html=Markup(post.body_html) if readable else Markup(""),
        author_label="" if state == "deleted" else author_label(post, thread, names),
        created_at=post.created_at, edited_at=post.edited_at,
        reactions=(reactions or {}).get(post.id, 0), reacted=post.id in reacted, is_mine=mine,
        can_edit=can_edit_post(viewer, post), can_delete=can_delete_post(viewer, post),
        can_react=can_react(viewer, post), can_report=can_report(viewer, post),
        hidden_reason=post.hidden_reason if state == "hidden" and (mine or moderator) else "",
        privacy_confirmed=post.privacy_confirmed and moderator,
    )
