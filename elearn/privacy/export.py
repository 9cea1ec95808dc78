"""Everything held about one person, as a ZIP of JSON and CSV files (one pair per section).

Sections are registered in :data:`SECTIONS` in order; another area (the mail log, say) adds its own
with :func:`register_section`. Each section is a function of the person and of who asked: an admin's
export on the person's request leaves out their anonymous board posts, which only the person sees
as theirs (board anonymity holds for admins).
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import (SHEET_FIELDS, Attendance, BoardPost, BoardReaction, BoardReport, BoardThread, CaseSheet,
                      Certificate, Cohort, CohortDay, Enrolment, GroupMember, Module, Progress, Quiz, QuizAttempt,
                      User, UserSession)

Rows = list[dict]


@dataclass(frozen=True)
class Section:
    name: str  # file name without extension
    label: str  # what README.txt calls it
    rows: Callable[[User, bool], Rows]  # (person, by_self) -> rows


SECTIONS: list[Section] = []


def register_section(name: str, label: str) -> Callable:
    """Decorator: add a section (``fn(user, by_self) -> list[dict]``) to every export."""
    def add(fn: Callable[[User, bool], Rows]) -> Callable[[User, bool], Rows]:
        SECTIONS[:] = [s for s in SECTIONS if s.name != name] + [Section(name, label, fn)]
        return fn
    return add


@register_section("profile", "アカウント（氏名・ふりがな・所属・都道府県・メールアドレス・役割）")
def _profile(user: User, by_self: bool) -> Rows:
    return [{"id": user.id, "email": user.email, "display_name": user.display_name, "furigana": user.furigana,
             "organisation": user.organisation, "prefecture": user.prefecture, "role": user.role,
             "active": user.active, "created_at": user.created_at, "last_login_at": user.last_login_at}]


@register_section("sessions", "ログイン中のセッション（開始・最終利用・期限）")
def _sessions(user: User, by_self: bool) -> Rows:
    return [{"created_at": s.created_at, "last_seen_at": s.last_seen_at, "expires_at": s.expires_at}
            for s in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                        .order_by(UserSession.id))]


@register_section("cohorts", "参加した研修")
def _cohorts(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(select(Enrolment, Cohort).join(Cohort, Cohort.id == Enrolment.cohort_id)
                              .where(Enrolment.user_id == user.id).order_by(Enrolment.id))
    return [{"cohort": c.name, "opens_on": c.opens_on, "closes_on": c.closes_on, "enrolled_at": e.enrolled_at}
            for e, c in rows]


@register_section("progress", "学習の進み具合（教材ごと）")
def _progress(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(select(Progress, Module).join(Module, Module.id == Progress.module_id)
                              .where(Progress.user_id == user.id).order_by(Progress.id))
    return [{"module": m.title, "slug": m.slug, "opened_at": p.opened_at, "completed_at": p.completed_at,
             "best_score": p.best_score} for p, m in rows]


@register_section("quiz_attempts", "確認テストの解答と得点")
def _attempts(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(select(QuizAttempt, Quiz).join(Quiz, Quiz.id == QuizAttempt.quiz_id)
                              .where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id))
    return [{"quiz": q.slug, "submitted_at": a.submitted_at, "score": a.score, "passed": a.passed,
             "answers": a.answers} for a, q in rows]


@register_section("case_sheets", "事例検討シート")
def _sheets(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(select(CaseSheet, Module).join(Module, Module.id == CaseSheet.module_id)
                              .where(CaseSheet.user_id == user.id).order_by(CaseSheet.id))
    return [{"case": m.title, **{field: getattr(s, field) for field in SHEET_FIELDS},
             "updated_at": s.updated_at, "shared_at": s.shared_at} for s, m in rows]


@register_section("board_posts", "支援者のひろばへの投稿（匿名の投稿は本人のダウンロードにだけ含まれます）")
def _posts(user: User, by_self: bool) -> Rows:
    statement = (select(BoardPost, BoardThread).join(BoardThread, BoardThread.id == BoardPost.thread_id)
                 .where(BoardPost.author_id == user.id).order_by(BoardPost.id))
    if not by_self:
        statement = statement.where(BoardPost.anonymous.is_(False))
    return [{"thread": t.title, "opening_post": p.is_opening, "anonymous": p.anonymous, "body": p.body_markdown,
             "created_at": p.created_at, "edited_at": p.edited_at, "deleted_at": p.deleted_at,
             "hidden_at": p.hidden_at} for p, t in db.session.execute(statement)]


@register_section("board_reactions", "「わかります」を付けた投稿")
def _reactions(user: User, by_self: bool) -> Rows:
    statement = (select(BoardReaction, BoardPost).join(BoardPost, BoardPost.id == BoardReaction.post_id)
                 .where(BoardReaction.user_id == user.id).order_by(BoardReaction.id))
    return [{"post": p.id, "created_at": r.created_at} for r, p in db.session.execute(statement)]


@register_section("board_reports", "送った通報")
def _reports(user: User, by_self: bool) -> Rows:
    return [{"post": r.post_id, "reason": r.reason, "detail": r.detail, "created_at": r.created_at,
             "resolved_at": r.resolved_at}
            for r in db.session.scalars(select(BoardReport).where(BoardReport.reporter_id == user.id)
                                        .order_by(BoardReport.id))]


@register_section("attendance", "集合研修の出欠")
def _attendance(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(
        select(Attendance, CohortDay, Cohort).join(CohortDay, CohortDay.id == Attendance.day_id)
        .join(Cohort, Cohort.id == CohortDay.cohort_id).where(Attendance.user_id == user.id)
        .order_by(CohortDay.day))
    return [{"cohort": c.name, "day": d.day, "status": a.status, "method": a.method, "recorded_at": a.recorded_at}
            for a, d, c in rows]


@register_section("groups", "グループワークのグループ")
def _groups(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(
        select(GroupMember, CohortDay, Cohort).join(CohortDay, CohortDay.id == GroupMember.day_id)
        .join(Cohort, Cohort.id == CohortDay.cohort_id).where(GroupMember.user_id == user.id)
        .order_by(CohortDay.day))
    return [{"cohort": c.name, "day": d.day, "group": g.number} for g, d, c in rows]


@register_section("certificates", "修了証")
def _certificates(user: User, by_self: bool) -> Rows:
    return [{"cohort": c.cohort_name, "holder_name": c.holder_name, "code": c.code, "issued_at": c.issued_at,
             "revoked_at": c.revoked_at}
            for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                        .order_by(Certificate.id))]


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text  # no formulas in a spreadsheet


def _csv(rows: Rows) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({key: _csv_cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def export_zip(user: User, *, by_self: bool) -> bytes:
    """The ZIP: README.txt, then ``<section>.json`` and ``<section>.csv`` for every section."""
    buffer = io.BytesIO()
    lines = [f"elearn に保存されている {user.display_name} さんのデータ（アカウントID {user.id}）", "",
             "各項目は同じ内容の JSON（.json）と CSV（.csv, UTF-8）の2つのファイルです。", ""]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS:
            rows = section.rows(user, by_self)
            archive.writestr(f"{section.name}.json",
                             json.dumps(rows, ensure_ascii=False, indent=2, default=_json_value))
            archive.writestr(f"{section.name}.csv", _csv(rows))
            lines.append(f"{section.name}: {section.label}（{len(rows)} 件）")
        if not by_self:
            lines += ["", "管理者がご本人の依頼により作成しました。匿名で書いた投稿は、ご本人がログインして"
                      "ダウンロードした場合にだけ含まれます。"]
        archive.writestr("README.txt", "\n".join(lines) + "\n")
    return buffer.getvalue()


from . import connected  # noqa: E402,F401  (the mail, evaluation, LTI and xAPI sections)
