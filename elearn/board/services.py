"""Board logic that tests call without HTTP: listing, search, posting, editing, わかります, reports.

Every page loads in a fixed number of queries: the thread list is a paginated query plus one grouped
query for the reply counts of the threads on the page and one for the names of the named authors;
a thread page adds one query each for reaction counts and the viewer's own reactions. Callers commit.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..content.markdown import render_markdown
from ..extensions import db
from ..queries import Page, paginate
from ..search_index import index_post, index_thread, query_words, thread_ids_matching
from ..models import BoardPost, BoardReaction, BoardReport, BoardThread, User, utcnow
from . import notifications
from .categories import categories
from .display import PostView, display_names, named_author_ids, post_view, thread_rows, with_row_columns
from .forms import clean_line

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 30
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 5
DELETED_THREAD_TITLE = "（作成者が削除したスレッド）"


def search_words(query: str) -> list[str]:
    """The words of a search, split on any blank (full-width too), folded as the search index folds
    them (:func:`elearn.search_index.query_words`), without repeats, at most five."""
    return query_words((clean_line(query) or "")[:SEARCH_MAX_LENGTH])[:SEARCH_MAX_WORDS]


def render_post(markdown: str) -> str:
    """Posts go through the project's one Markdown function: raw HTML off, safe links, line breaks kept."""
    return render_markdown(markdown, breaks=True)


def list_threads(query: str = "", category: str = "", page: int = 1, include_hidden: bool = False):
    """Threads by newest activity, filtered by category and by words (each word in the title or a shown post).

    Substring matching on the search index (:mod:`elearn.search_index`), so Japanese text without
    spaces is found. Returns ``(pagination, rows)``.
    """
    statement = (select(BoardThread).where(BoardThread.deleted_at.is_(None))
                 .order_by(BoardThread.last_activity_at.desc(), BoardThread.id.desc()))
    if not include_hidden:
        statement = statement.where(BoardThread.hidden_at.is_(None))
    if category in categories():
        statement = statement.where(BoardThread.category == category)
    for word in search_words(query):
        statement = statement.where(BoardThread.id.in_(
            thread_ids_matching(db.session, word, include_hidden_threads=include_hidden)))
    pagination = paginate(statement, page, THREADS_PER_PAGE, rows=True, shape=with_row_columns)
    return pagination, thread_rows(pagination.items)


def recent_threads(limit: int = 5):
    """The threads with the newest activity, for the dashboard (one query, whatever the board's size)."""
    statement = (select(BoardThread).where(BoardThread.deleted_at.is_(None), BoardThread.hidden_at.is_(None))
                 .order_by(BoardThread.last_activity_at.desc(), BoardThread.id.desc()).limit(limit))
    return thread_rows(db.session.execute(with_row_columns(statement)).all())


def get_thread(thread_id: int) -> BoardThread:
    """The thread, or 404 when it does not exist or its author deleted it."""
    thread = db.get_or_404(BoardThread, thread_id)
    if thread.deleted_at is not None:
        abort(404)
    return thread


def get_post(post_id: int) -> BoardPost:
    """The post with its thread (one query), or 404."""
    post = db.session.scalar(select(BoardPost).options(joinedload(BoardPost.thread)).where(BoardPost.id == post_id))
    if post is None or post.thread.deleted_at is not None:
        abort(404)
    return post


def _shown_in_thread(thread_id: int):
    """Posts listed on a thread page: replies not deleted, and the opening post always (maybe as a placeholder)."""
    return and_(BoardPost.thread_id == thread_id, or_(BoardPost.deleted_at.is_(None), BoardPost.is_opening))


def thread_page(thread: BoardThread, viewer: User, page: int = 1) -> tuple[Page, list[PostView]]:
    """One page of a thread's posts as ``viewer`` sees them, in five queries whatever the page holds."""
    statement = (select(BoardPost).where(_shown_in_thread(thread.id))
                 .order_by(BoardPost.created_at, BoardPost.id))
    pagination = paginate(statement, page, POSTS_PER_PAGE)
    posts = pagination.items
    ids = [post.id for post in posts]
    names = display_names(named_author_ids(posts))
    counts = reaction_counts(ids)
    mine = reacted_by(viewer.id, ids)
    return pagination, [post_view(post, thread, viewer, names, counts, mine) for post in posts]


def page_of(post: BoardPost) -> int:
    """The page of its thread on which ``post`` is listed."""
    before = db.session.scalar(select(func.count(BoardPost.id)).where(
        _shown_in_thread(post.thread_id),
        or_(BoardPost.created_at < post.created_at,
            and_(BoardPost.created_at == post.created_at, BoardPost.id < post.id))))
    return (before or 0) // POSTS_PER_PAGE + 1


def last_page(thread: BoardThread) -> int:
    """The last page of a thread, where a new reply appears."""
    shown = db.session.scalar(select(func.count(BoardPost.id)).where(_shown_in_thread(thread.id)))
    return max(1, -(-(shown or 0) // POSTS_PER_PAGE))


def reaction_counts(post_ids: list[int]) -> dict[int, int]:
    """「わかります」 per post, in one query."""
    if not post_ids:
        return {}
    rows = db.session.execute(select(BoardReaction.post_id, func.count(BoardReaction.id))
                              .where(BoardReaction.post_id.in_(post_ids)).group_by(BoardReaction.post_id))
    return dict(rows.all())


def reacted_by(user_id: int, post_ids: list[int]) -> set[int]:
    """The posts among ``post_ids`` that ``user_id`` said わかります to."""
    if not post_ids:
        return set()
    return set(db.session.scalars(select(BoardReaction.post_id).where(
        BoardReaction.user_id == user_id, BoardReaction.post_id.in_(post_ids))))


def create_thread(author: User, *, category: str, title: str, body: str, anonymous: bool,
                  privacy_confirmed: bool = False) -> BoardThread:
    """Start a thread with its opening post (rendered once, here)."""
    now = utcnow()
    thread = BoardThread(category=category, title=title, author_id=author.id, anonymous=anonymous,
                         created_at=now, last_activity_at=now)
    db.session.add(thread)
    db.session.flush()
    opening = BoardPost(thread_id=thread.id, author_id=author.id, anonymous=anonymous, is_opening=True,
                        body_markdown=body, body_html=render_post(body), privacy_confirmed=privacy_confirmed,
                        created_at=now)
    db.session.add(opening)
    db.session.flush()
    index_thread(db.session, thread)
    index_post(db.session, opening, thread)
    return thread


def add_reply(thread: BoardThread, author: User, *, body: str, anonymous: bool,
              privacy_confirmed: bool = False) -> BoardPost:
    """Reply to ``thread``; the thread moves to the top of the list."""
    now = utcnow()
    post = BoardPost(thread_id=thread.id, author_id=author.id, anonymous=anonymous, body_markdown=body,
                     body_html=render_post(body), privacy_confirmed=privacy_confirmed, created_at=now)
    db.session.add(post)
    thread.last_activity_at = now
    db.session.flush()
    notifications.reply_added(thread, post)
    index_post(db.session, post, thread)
    return post


def edit_post(post: BoardPost, *, body: str, title: str | None = None, privacy_confirmed: bool = False) -> None:
    """Change a post's text (and the thread title for an opening post); it is marked 編集済み."""
    post.body_markdown = body
    post.body_html = render_post(body)
    post.edited_at = utcnow()
    post.privacy_confirmed = post.privacy_confirmed or privacy_confirmed
    if title is not None and post.is_opening and post.thread.title != title:
        post.thread.title = title
        index_thread(db.session, post.thread)
    index_post(db.session, post, post.thread)


def delete_post(post: BoardPost) -> bool:
    """Delete a post's text for good. Returns True when the whole thread went with it.

    Deleting the opening post of a thread nobody answered removes the thread; with replies, the
    replies stay and the title and text are replaced by placeholders.
    """
    now = utcnow()
    post.deleted_at = now
    post.body_markdown = ""
    post.body_html = ""
    index_post(db.session, post, post.thread)
    if not post.is_opening:
        return False
    thread = post.thread
    replies = db.session.scalar(select(func.count(BoardPost.id)).where(
        BoardPost.thread_id == thread.id, BoardPost.is_opening.is_(False), BoardPost.deleted_at.is_(None)))
    thread.title = DELETED_THREAD_TITLE
    if not replies:
        thread.deleted_at = now
    index_thread(db.session, thread, title_searchable=False)
    return not replies


def toggle_reaction(post: BoardPost, user: User) -> bool:
    """Say or take back わかります; returns whether the user now says it. Safe against double clicks."""
    existing = db.session.scalar(select(BoardReaction).where(BoardReaction.post_id == post.id,
                                                             BoardReaction.user_id == user.id))
    if existing is not None:
        db.session.delete(existing)
        return False
    try:
        with db.session.begin_nested():
            db.session.add(BoardReaction(post_id=post.id, user_id=user.id))
    except IntegrityError:
        return True  # the same person's other request got there first: the reaction exists either way
    notifications.reaction_added(post, user)
    return True


def report_post(post: BoardPost, reporter: User, *, reason: str, detail: str = "") -> bool:
    """Report ``post``; False when this person already has an open report on it."""
    already = db.session.scalar(select(BoardReport.id).where(
        BoardReport.post_id == post.id, BoardReport.reporter_id == reporter.id, BoardReport.resolved_at.is_(None)))
    if already is not None:
        return False
    db.session.add(BoardReport(post_id=post.id, reporter_id=reporter.id, reason=reason, detail=detail or ""))
    db.session.flush()
    return True
