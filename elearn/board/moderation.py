"""Moderation: the report queue, hiding and restoring posts, locking threads, 「投稿者を確認」.

Every action writes a :class:`BoardModerationLog` row (who, when, what, why) and every author
look-up a :class:`BoardAuthorReveal` row. Moderators see anonymous posts as anonymous like everyone
else; only :func:`reveal_author`, for admins, returns the author. Callers commit.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from .. import audit
from ..extensions import db
from ..models import BoardAuthorReveal, BoardModerationLog, BoardPost, BoardReport, BoardThread, User, utcnow
from ..queries import paginate
from ..search_index import index_post, index_thread
from .display import PostView, display_names, named_author_ids, post_view

QUEUE_PER_PAGE = 20
RECENT_LIMIT = 20
LOG_PER_PAGE = 50


def log_action(actor: User, action: str, *, thread_id: int | None = None, post_id: int | None = None,
               reason: str = "") -> None:
    """Record one moderation action."""
    db.session.add(BoardModerationLog(actor_id=actor.id, action=action, thread_id=thread_id, post_id=post_id,
                                      reason=reason or ""))


def _resolve_reports(post: BoardPost, actor: User, resolution: str) -> None:
    db.session.execute(update(BoardReport)
                       .where(BoardReport.post_id == post.id, BoardReport.resolved_at.is_(None))
                       .values(resolved_at=utcnow(), resolved_by_id=actor.id, resolution=resolution))


def hide_post(post: BoardPost, actor: User, reason: str) -> bool:
    """Hide a post (its thread too, when it opens the thread) and close its reports; False if already hidden."""
    if post.hidden_at is not None:
        return False
    now = utcnow()
    post.hidden_at = now
    post.hidden_reason = reason
    if post.is_opening:
        post.thread.hidden_at = now
        index_thread(db.session, post.thread)
    index_post(db.session, post, post.thread)
    _resolve_reports(post, actor, "hidden")
    log_action(actor, "hide", thread_id=post.thread_id, post_id=post.id, reason=reason)
    return True


def restore_post(post: BoardPost, actor: User, reason: str = "") -> bool:
    """Show a hidden post again; False if it was not hidden."""
    if post.hidden_at is None:
        return False
    post.hidden_at = None
    post.hidden_reason = ""
    if post.is_opening:
        post.thread.hidden_at = None
        index_thread(db.session, post.thread)
    index_post(db.session, post, post.thread)
    log_action(actor, "restore", thread_id=post.thread_id, post_id=post.id, reason=reason)
    return True


def dismiss_reports(post: BoardPost, actor: User, reason: str = "") -> bool:
    """Close the post's open reports without acting on the post."""
    _resolve_reports(post, actor, "dismissed")
    log_action(actor, "dismiss", thread_id=post.thread_id, post_id=post.id, reason=reason)
    return True


def set_locked(thread: BoardThread, actor: User, locked: bool, reason: str = "") -> None:
    """Lock (no replies or edits) or unlock a thread."""
    thread.locked = locked
    log_action(actor, "lock" if locked else "unlock", thread_id=thread.id, reason=reason)


def reveal_author(post: BoardPost, admin: User, reason: str) -> User | None:
    """「投稿者を確認」: log who looked, when, at which post and why, then return the author."""
    db.session.add(BoardAuthorReveal(admin_id=admin.id, post_id=post.id, reason=reason))
    audit.record("author_revealed", target_type="post", target_id=post.id, actor=admin)
    return db.session.get(User, post.author_id) if post.author_id is not None else None


@dataclass(frozen=True)
class QueueItem:
    """A post with the reports a moderator needs to see (reporters stay unnamed)."""

    post: PostView
    thread_id: int
    thread_title: str
    reports: list[BoardReport]


def _items(posts: list[BoardPost], viewer: User, reports: list[BoardReport]) -> list[QueueItem]:
    names = display_names(named_author_ids(posts))
    by_post: dict[int, list[BoardReport]] = {}
    for report in reports:
        by_post.setdefault(report.post_id, []).append(report)
    return [QueueItem(post_view(p, p.thread, viewer, names), p.thread_id, p.thread.title, by_post.get(p.id, []))
            for p in posts]


def report_queue(viewer: User, page: int = 1):
    """Posts with open reports, longest waiting first: ``(pagination, items)`` in four queries."""
    open_reports = (select(BoardReport.post_id, func.min(BoardReport.created_at).label("first"))
                    .where(BoardReport.resolved_at.is_(None)).group_by(BoardReport.post_id).subquery())
    statement = (select(BoardPost).join(open_reports, open_reports.c.post_id == BoardPost.id)
                 .options(joinedload(BoardPost.thread))
                 .order_by(open_reports.c.first, BoardPost.id))
    pagination = paginate(statement, page, QUEUE_PER_PAGE)
    ids = [post.id for post in pagination.items]
    reports = []
    if ids:
        reports = list(db.session.scalars(select(BoardReport).where(
            BoardReport.post_id.in_(ids), BoardReport.resolved_at.is_(None)).order_by(BoardReport.created_at)))
    return pagination, _items(pagination.items, viewer, reports)


def recent_posts(viewer: User, *, hidden: bool) -> list[QueueItem]:
    """The latest hidden posts, or the latest shown posts whose authors confirmed past the privacy guard."""
    statement = select(BoardPost).options(joinedload(BoardPost.thread)).limit(RECENT_LIMIT)
    if hidden:
        statement = statement.where(BoardPost.hidden_at.is_not(None)).order_by(BoardPost.hidden_at.desc())
    else:
        statement = (statement.where(BoardPost.privacy_confirmed.is_(True), BoardPost.hidden_at.is_(None),
                                     BoardPost.deleted_at.is_(None))
                     .order_by(BoardPost.created_at.desc()))
    return _items(list(db.session.scalars(statement)), viewer, [])


def open_report_count() -> int:
    """Reports nobody has acted on yet."""
    return db.session.scalar(select(func.count(BoardReport.id)).where(BoardReport.resolved_at.is_(None))) or 0


def post_reports(post: BoardPost) -> list[BoardReport]:
    """Every report on a post, newest first."""
    return list(db.session.scalars(select(BoardReport).where(BoardReport.post_id == post.id)
                                   .order_by(BoardReport.created_at.desc())))


def post_history(post: BoardPost) -> list[BoardModerationLog]:
    """Moderation actions on this post and its thread, newest first."""
    return list(db.session.scalars(
        select(BoardModerationLog).options(joinedload(BoardModerationLog.actor))
        .where((BoardModerationLog.post_id == post.id)
               | ((BoardModerationLog.thread_id == post.thread_id) & BoardModerationLog.post_id.is_(None)))
        .order_by(BoardModerationLog.created_at.desc(), BoardModerationLog.id.desc())))


def moderation_log(page: int = 1):
    """Every moderation action, newest first."""
    statement = (select(BoardModerationLog)
                 .options(joinedload(BoardModerationLog.actor), joinedload(BoardModerationLog.thread))
                 .order_by(BoardModerationLog.created_at.desc(), BoardModerationLog.id.desc()))
    return paginate(statement, page, LOG_PER_PAGE)


def reveal_log(page: int = 1):
    """Every 「投稿者を確認」, newest first (admins only)."""
    statement = (select(BoardAuthorReveal).options(joinedload(BoardAuthorReveal.admin))
                 .order_by(BoardAuthorReveal.created_at.desc(), BoardAuthorReveal.id.desc()))
    return paginate(statement, page, LOG_PER_PAGE)
