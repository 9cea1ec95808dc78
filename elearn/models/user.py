"""Accounts, login sessions and one-time set-password links."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, event, func, literal_column
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..kana import search_key, sort_name
from .base import UTCDateTime, utcnow


class Role(str, enum.Enum):
    """What an account may do. Stored as its value."""

    LEARNER = "learner"
    ORGANISER = "organiser"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {Role.LEARNER: "受講者", Role.ORGANISER: "研修担当", Role.MODERATOR: "モデレーター",
               Role.ADMIN: "管理者"}


def _search_key_on_insert(context) -> str:
    """``search_key`` of a new row, from the values being inserted (ORM and bulk inserts alike)."""
    values = context.get_current_parameters()
    return search_key(*(values.get(name) for name in SEARCH_FIELDS))


#: The columns a name search looks at, folded together into ``users.search_key``.
SEARCH_FIELDS = ("display_name", "furigana", "organisation", "email")


class User(UserMixin, db.Model):
    """A person with an account: learner, organiser, moderator or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    #: ふりがな in hiragana ("" when not given); names are listed by it (see ``sort_name``).
    furigana: Mapped[str] = mapped_column(String(100), default="", server_default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    prefecture: Mapped[str] = mapped_column(String(10), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.LEARNER.value)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The cohort whose roster import or participant form created the account (None: created otherwise).
    #: Only that cohort's organisers may issue its first set-password link (see elearn.permissions).
    created_for_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"),
                                                              index=True)
    #: 氏名, ふりがな, 所属 and メールアドレス folded by :func:`elearn.kana.fold` (kept up to date on every
    #: insert and update): a name search is one substring match on this column (elearn.queries).
    search_key: Mapped[str] = mapped_column(Text, default=_search_key_on_insert, server_default="")
    #: Where signing in leads, as the person chose it (``dashboard`` | ``organiser``); None: by role
    #: (see elearn.auth.routes.landing_page).
    landing: Mapped[str | None] = mapped_column(String(20))

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: Not a column: the raw token of the login session this object was loaded for (set at login).
    session_token = None

    def get_id(self) -> str:
        """Flask-Login stores the session token, not the user id, so a session can be revoked."""
        if not self.session_token:
            raise RuntimeError("user has no login session")
        return self.session_token

    @hybrid_property
    def sort_name(self) -> str:
        """What lists are sorted by (あいうえお order): the ふりがな when given, else the name."""
        return sort_name(self.furigana, self.display_name)

    @sort_name.inplace.expression
    @classmethod
    def _sort_name_expression(cls):
        # '' written out, not a parameter: the expression must match ix_users_sort_name's
        return func.coalesce(func.nullif(cls.furigana, literal_column("''")), cls.display_name)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


@event.listens_for(User, "before_update")
def _refresh_search_key(mapper, connection, user: User) -> None:
    """A changed name, ふりがな, 所属 or email changes the search key in the same UPDATE."""
    user.search_key = search_key(*(getattr(user, name) for name in SEARCH_FIELDS))


#: Lists of people (a cohort's matrix, searches) come out in this order: a page of 50 out of 10,000
#: reads 50 index entries instead of sorting them all.
Index("ix_users_sort_name", User.sort_name, User.id)


class UserSession(db.Model):
    """A server-side login session; deleting the row logs that browser out for good."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The last request seen, to the nearest SESSION_TOUCH_SECONDS: what the idle timeout counts from.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="sessions")


class SetPasswordLink(db.Model):
    """A one-time, expiring link that lets a user set their password (there is no mail server)."""

    __tablename__ = "set_password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
