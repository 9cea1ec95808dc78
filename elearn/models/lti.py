"""LTI 1.3: platforms registered by admins, who and what a platform launched, and launch state."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


def origin_of(url: str) -> str:
    """``https://host[:port]`` of ``url`` ("" when it is not an http(s) URL)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


class LtiPlatform(db.Model):
    """A platform (Moodle, …) registered by an admin, with the tool's own key pair for it."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    key_set_url: Mapped[str] = mapped_column(String(1000))
    #: The audience of the tool's token request when the platform wants one other than the token URL.
    auth_audience: Mapped[str] = mapped_column(String(1000), default="")
    #: Whether accounts may be matched by the e-mail the platform asserts (off: by ``sub`` only).
    trust_email: Mapped[bool] = mapped_column(default=False)
    #: The tool's RSA key for this platform (PEM): signs deep-linking answers and AGS token requests.
    tool_private_key: Mapped[str] = mapped_column(Text)
    tool_public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", order_by="LtiDeployment.id")

    @property
    def frame_origin(self) -> str:
        """The origin whose pages may frame ours (CSP frame-ancestors): where the platform lives."""
        return origin_of(self.auth_login_url) or origin_of(self.issuer)

    @property
    def deployment_ids(self) -> list[str]:
        return [d.deployment_id for d in self.deployments]


class LtiDeployment(db.Model):
    """One deployment id of a platform: launches naming any other are refused."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiAccount(db.Model):
    """A platform's user (its ``sub``) and the account it signs in as."""

    __tablename__ = "lti_accounts"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiContext(db.Model):
    """A platform course (``context``) and the cohort bound to it: its instructors organise it."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)


class LtiGradeLink(db.Model):
    """Where a learner's score for an item goes back to: the AGS endpoint of their last launch of it."""

    __tablename__ = "lti_grade_links"
    __table_args__ = (UniqueConstraint("platform_id", "user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255), default="")
    #: The AGS endpoint claim as launched: scope, lineitem and/or lineitems.
    endpoint: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    platform: Mapped[LtiPlatform] = relationship()


class LtiLaunchState(db.Model):
    """PyLTI1p3's launch data (state, nonce, validated launches) kept in the database, with an expiry.

    The OIDC login and the launch arrive in different requests, maybe at different hosts; a nonce is
    deleted when a launch uses it, so a replayed launch finds none.
    """

    __tablename__ = "lti_launch_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
