"""What a cohort's printed 修了証 says about who issues it (the rest comes from the cohort)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

DEFAULT_CERTIFICATE_TITLE = "修了証"


class CertificateSettings(db.Model):
    """A cohort's certificate wording: its title, the issuer and their title, and whether a seal area
    (公印) is printed. A cohort without a row uses the app's ``CERTIFICATE_ISSUER`` and these defaults."""

    __tablename__ = "certificate_settings"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(String(40), default=DEFAULT_CERTIFICATE_TITLE)
    #: 発行者名, e.g. ○○県ひきこもり地域支援センター.
    issuer: Mapped[str] = mapped_column(String(200), default="")
    #: 発行者の職名・氏名, e.g. センター長 山田 太郎.
    issuer_title: Mapped[str] = mapped_column(String(200), default="")
    seal: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
