"""What the printed pages of a cohort hold: 受付名簿, name tags, group lists, set-password slips with
a QR code, and the whole completion matrix. Every list is in あいうえお order (``User.sort_name``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from ..auth.links import set_password_url
from ..cohorts.groups import groups_of, participants
from ..cohorts.rules import required_modules
from ..extensions import db
from ..models import Cohort, CohortDay, Enrolment, GroupMember, User, utcnow
from ..queries import person_order
from .exports import completion_export
from .importing import issue_links, users_needing_links

#: Name tags on one A4 sheet (2 × 5, business-card size) and set-password slips on one A4 page (2 × 3).
TAGS_PER_PAGE = 10
SLIPS_PER_PAGE = 6


@dataclass
class Entry:
    """One person on the 受付名簿 or a name tag."""

    name: str
    furigana: str
    organisation: str
    prefecture: str
    group: int | None = None


def reception(cohort: Cohort, day: CohortDay | None = None) -> list[Entry]:
    """Every participant for the 受付名簿 (with their group on ``day`` when given), one query."""
    statement = (select(User.display_name, User.furigana, User.organisation, User.prefecture,
                        GroupMember.number if day is not None else None)
                 .join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.cohort_id == cohort.id))
    if day is not None:
        statement = statement.outerjoin(GroupMember, (GroupMember.user_id == User.id) & (GroupMember.day_id == day.id))
    return [Entry(*row) for row in db.session.execute(statement.order_by(*person_order()))]


def name_tags(day: CohortDay) -> list[Entry]:
    """A name tag per participant with their group on ``day`` (by group, then あいうえお)."""
    people = participants(day)
    entries = [Entry(p.name, p.furigana, p.organisation, p.prefecture, p.number) for p in people]
    return sorted(entries, key=lambda e: (e.group is None, e.group or 0))


def group_lists(day: CohortDay):
    """The day's groups and the participants in none (see :func:`elearn.cohorts.groups.groups_of`)."""
    return groups_of(participants(day))


def pages(items: list, size: int) -> list[list]:
    """``items`` in pages of ``size`` (the last one may be shorter)."""
    return [items[start:start + size] for start in range(0, len(items), size)] or [[]]


@dataclass
class Slip:
    """A set-password slip: who it is for, the link and its QR code (inline SVG)."""

    name: str
    organisation: str
    email: str
    link: str
    qr: Markup


def qr_svg(link: str) -> Markup:
    """The link as a QR code, inline SVG sized by CSS (no inline style, so the CSP holds)."""
    return Markup(segno.make(link, error="m").svg_inline(omitsize=True, svgclass="slip__qr", lineclass=None,
                                                          title="パスワード設定用リンクのQRコード"))


def password_slips(cohort: Cohort, actor: User) -> tuple[list[Slip], datetime]:
    """Fresh one-time links (earlier unused ones stop working), as the links CSV issues them, for the
    participants without a password that ``actor`` may issue links for; and the date they expire."""
    rows = issue_links(users_needing_links(cohort, actor), actor, set_password_url)
    slips = [Slip(name, organisation, email, link, qr_svg(link)) for name, email, organisation, _, link in rows]
    return slips, utcnow() + current_app.config["SET_PASSWORD_LINK_LIFETIME"]


@dataclass
class CompletionSheet:
    """The whole completion matrix for printing: module and day columns, and a row per participant."""

    modules: list[str]
    days: list[str]
    rows: list[dict]


_SHORT = {"学習中": "中", "未着手": "－", "出席": "出", "遅刻": "遅", "早退": "早", "欠席": "欠", "未記録": "未"}


def completion_sheet(cohort: Cohort) -> CompletionSheet:
    """The completion export's rows shaped for one printed table (dates as 月/日, statuses shortened)."""
    modules, days = required_modules(cohort), list(cohort.days)
    _, rows = completion_export(cohort, modules, days)
    shaped = []
    for row in rows:
        name, _email, organisation, prefecture, furigana, _login, done, required, state = row[:9]
        cells = row[9:9 + len(modules)]
        present = row[9 + len(modules):9 + len(modules) + len(days)]
        shaped.append({"name": name, "furigana": furigana, "organisation": organisation, "prefecture": prefecture,
                       "done": done, "required": required, "complete": state == "修了",
                       "cells": [f"{c.month}/{c.day}" if isinstance(c, date) else _SHORT.get(c, c) for c in cells],
                       "days": [_SHORT.get(p, p) for p in present], "certificate": row[-1]})
    return CompletionSheet([m.title for m in modules], [f"{d.day.month}/{d.day.day}" for d in days], shaped)
