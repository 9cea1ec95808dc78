"""Board notifications: replies in threads I started or posted in, and わかります on my posts.

A notification is a kind, a thread and a count (one unread row per person, kind and thread, counted
up), nothing more: never the text, the title, who wrote it, or whether it was anonymous. The digest
mail (opt-in, 「メールの設定」) carries only the counts and a link to the list.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from ..extensions import db
from ..mail import queue_mail, render_mail
from ..models import BoardPost, BoardThread, MailPreference, Notification, User, utcnow
from ..queries import Page, paginate
from ..urls import external_url

KIND_TEXT = {"reply": "返信", "reaction": "「わかります」"}


def _bump(user_ids: set[int], kind: str, thread_id: int) -> None:
    now = utcnow()
    for user_id in sorted(user_ids):
        counted = db.session.execute(
            update(Notification).where(Notification.user_id == user_id, Notification.kind == kind,
                                       Notification.thread_id == thread_id, Notification.read_at.is_(None))
            .values(count=Notification.count + 1, updated_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if not counted:
            db.session.add(Notification(user_id=user_id, kind=kind, thread_id=thread_id, count=1,
                                        created_at=now, updated_at=now))


def reply_added(thread: BoardThread, post: BoardPost) -> None:
    """Tell the thread's author and everyone who posted in it before (not the replier)."""
    earlier = set(db.session.scalars(select(BoardPost.author_id).where(
        BoardPost.thread_id == thread.id, BoardPost.id != post.id, BoardPost.author_id.is_not(None),
        BoardPost.deleted_at.is_(None))))
    if thread.author_id:
        earlier.add(thread.author_id)
    earlier.discard(post.author_id)
    _bump(earlier, "reply", thread.id)


def reaction_added(post: BoardPost, by: User) -> None:
    """Tell the post's author that someone said わかります (not who)."""
    if post.author_id and post.author_id != by.id:
        _bump({post.author_id}, "reaction", post.thread_id)


def unread_count_of(user_id):
    """The number of unread notifications of ``user_id`` (a value or a column) as an SQL scalar:
    the badge's count, read with the session's row (:func:`elearn.layout.register_badge`)."""
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()


def notifications_page(user_id: int, page: int) -> Page:
    """The user's notifications, unread first, newest first."""
    return paginate(select(Notification).where(Notification.user_id == user_id)
                    .order_by(Notification.read_at.is_not(None), Notification.updated_at.desc(), Notification.id.desc()),
                    page, 30)


def mark_read(user_id: int, notification_id: int | None = None) -> None:
    """Mark one notification (or all) of ``user_id`` read."""
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    db.session.execute(statement.values(read_at=utcnow()).execution_options(synchronize_session=False))


def queue_digests(on: date, since: datetime | None = None) -> int:
    """Queue the daily digest for everyone who asked for it and had activity in the last day (once per day)."""
    since = since or utcnow() - timedelta(days=1)
    rows = db.session.execute(
        select(User, Notification.kind, func.sum(Notification.count))
        .join(Notification, Notification.user_id == User.id)
        .join(MailPreference, MailPreference.user_id == User.id)
        .where(MailPreference.board_digest.is_(True), User.active.is_(True), Notification.read_at.is_(None),
               Notification.updated_at >= since)
        .group_by(User.id, Notification.kind).order_by(User.id)).all()
    counts: dict[int, dict] = {}
    users: dict[int, User] = {}
    for user, kind, total in rows:
        users[user.id] = user
        counts.setdefault(user.id, {})[kind] = int(total)
    queued = 0
    for user_id, kinds in counts.items():
        user = users[user_id]
        subject, text = render_mail("board_digest", user=user, replies=kinds.get("reply", 0),
                                    reactions=kinds.get("reaction", 0),
                                    notifications_url=external_url("board.notifications"))
        queued += queue_mail("board_digest", user, subject, text, dedupe_key=f"board_digest:{user_id}:{on.isoformat()}")
    return queued
