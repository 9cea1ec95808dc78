"""The peer board 支援者のひろば: threads, posts, わかります, reports and the moderation logs.

Authors are stored so that they can edit and delete their own posts and an admin can act on abuse;
they are never shown for anonymous posts (see :mod:`elearn.board.display`). Posts are soft-deleted
and soft-hidden so that reports and logs keep pointing at something.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .user import User

REPORT_REASONS = {
    "identifiable": "ご本人・ご家族などが特定されるおそれがある",
    "harassment": "攻撃的・差別的な内容",
    "spam": "宣伝・ひろばと関係のない内容",
    "other": "その他",
}

MODERATION_ACTIONS = {
    "hide": "非表示にした",
    "restore": "表示に戻した",
    "dismiss": "通報を対応不要とした",
    "lock": "スレッドをロックした",
    "unlock": "スレッドのロックを解除した",
}


class BoardThread(db.Model):
    """A conversation: a title, a category and its posts (the first one opens the thread)."""

    __tablename__ = "board_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), index=True)  # a slug of elearn.board.categories
    title: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Set while the opening post is hidden by a moderator: the whole thread is then hidden.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the author deleted the opening post of a thread nobody had answered.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    posts: WriteOnlyMapped[BoardPost] = relationship(
        back_populates="thread", cascade="all, delete-orphan", passive_deletes=True,
        order_by="BoardPost.id")


class BoardPost(db.Model):
    """One post: the opening post of a thread or a reply. Markdown kept for editing, HTML rendered once."""

    __tablename__ = "board_posts"
    __table_args__ = (Index("ix_board_posts_thread_id_created_at", "thread_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("board_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    is_opening: Mapped[bool] = mapped_column(default=False)
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: The author saw the privacy guard's findings and chose to post anyway.
    privacy_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")

    thread: Mapped[BoardThread] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class BoardReaction(db.Model):
    """「わかります」: one per person and post."""

    __tablename__ = "board_reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("board_posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardReport(db.Model):
    """A user's report that a post breaks the rules; open until a moderator resolves it."""

    __tablename__ = "board_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("board_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(String(20), default="")

    post: Mapped[BoardPost] = relationship()

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)


class BoardModerationLog(db.Model):
    """Every moderation action: who, when, what, on which post or thread, and why."""

    __tablename__ = "board_moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("board_threads.id", ondelete="SET NULL"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("board_posts.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
    thread: Mapped[BoardThread | None] = relationship()

    @property
    def action_label(self) -> str:
        return MODERATION_ACTIONS.get(self.action, self.action)


class BoardAuthorReveal(db.Model):
    """An admin looked up who wrote a post (「投稿者を確認」): who, when, which post and why."""

    __tablename__ = "board_author_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("board_posts.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    admin: Mapped[User | None] = relationship()
