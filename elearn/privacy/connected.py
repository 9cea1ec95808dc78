"""Export sections of the areas built beside the core: mail, notifications, the evaluation, LTI and xAPI.

Only what concerns the person: their mail log (never a body, a link or a token), their notifications
(kind, count, thread), their mail choices, their pre/post tests, *that* they answered a survey (the
anonymous response cannot be linked to anyone), their LTI links and their xAPI statements. An admin's
export leaves out notifications on threads where the person wrote anonymously (they would show it).
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select

from ..extensions import db
from ..models import (AssessmentAttempt, BoardPost, Cohort, LtiAccount, LtiGradeLink, LtiPlatform, MailPreference,
                      Module, Notification, OutboxItem, SurveyResponded, User, XapiStatement)
from .export import Rows, register_section


@register_section("mail_log", "送ったメールの記録（種類・状態・日時・メールサーバーの応答。本文は含みません）")
def _mail_log(user: User, by_self: bool) -> Rows:
    rows = db.session.scalars(select(OutboxItem).where(
        OutboxItem.channel == "mail", or_(OutboxItem.user_id == user.id, OutboxItem.recipient == user.email))
        .order_by(OutboxItem.id))
    return [{"kind": m.kind, "recipient": m.recipient, "status": m.status, "attempts": m.attempts,
             "queued_at": m.created_at, "last_attempt_at": m.last_attempt_at, "sent_at": m.sent_at,
             "server_reply": m.last_reply} for m in rows]


@register_section("notifications", "ひろばのお知らせ（種類・件数・スレッド）")
def _notifications(user: User, by_self: bool) -> Rows:
    statement = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if not by_self:
        statement = statement.where(~exists().where(BoardPost.thread_id == Notification.thread_id,
                                                    BoardPost.author_id == user.id, BoardPost.anonymous.is_(True)))
    return [{"kind": n.kind, "count": n.count, "thread": f"/board/{n.thread_id}", "created_at": n.created_at,
             "updated_at": n.updated_at, "read_at": n.read_at} for n in db.session.scalars(statement)]


@register_section("mail_preferences", "メールの受け取り設定")
def _mail_preferences(user: User, by_self: bool) -> Rows:
    row = db.session.get(MailPreference, user.id)
    if row is None:
        return [{"reminders": True, "board_digest": False, "updated_at": None, "default": True}]
    return [{"reminders": row.reminders, "board_digest": row.board_digest, "updated_at": row.updated_at,
             "default": False}]


@register_section("assessments", "研修の事前・事後テストの解答と得点")
def _assessments(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(select(AssessmentAttempt, Cohort).join(Cohort, Cohort.id == AssessmentAttempt.cohort_id)
                              .where(AssessmentAttempt.user_id == user.id).order_by(AssessmentAttempt.id))
    return [{"cohort": c.name, "phase": a.phase, "submitted_at": a.submitted_at, "correct": a.correct,
             "total": a.total, "score": a.score, "answers": a.answers} for a, c in rows]


@register_section("surveys_answered", "アンケートに回答した研修（回答の内容は匿名のため、誰のものか分からず含まれません）")
def _surveys(user: User, by_self: bool) -> Rows:
    rows = db.session.scalars(select(Cohort.name).join(SurveyResponded, SurveyResponded.cohort_id == Cohort.id)
                              .where(SurveyResponded.user_id == user.id).order_by(Cohort.id))
    return [{"cohort": name, "answered": True} for name in rows]


@register_section("lti_accounts", "LTI でつながった学習管理システムのアカウント")
def _lti_accounts(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(select(LtiAccount, LtiPlatform).join(LtiPlatform, LtiPlatform.id == LtiAccount.platform_id)
                              .where(LtiAccount.user_id == user.id).order_by(LtiAccount.id))
    return [{"platform": p.name, "issuer": p.issuer, "sub": a.sub, "created_at": a.created_at} for a, p in rows]


@register_section("lti_grade_links", "得点を返す先（LTI の成績表）")
def _lti_grades(user: User, by_self: bool) -> Rows:
    rows = db.session.execute(
        select(LtiGradeLink, LtiPlatform, Module).join(LtiPlatform, LtiPlatform.id == LtiGradeLink.platform_id)
        .join(Module, Module.id == LtiGradeLink.module_id).where(LtiGradeLink.user_id == user.id)
        .order_by(LtiGradeLink.id))
    return [{"platform": p.name, "module": m.title, "sub": g.sub, "resource_link_id": g.resource_link_id,
             "updated_at": g.updated_at} for g, p, m in rows]


@register_section("xapi_statements", "学習記録（xAPI ステートメント）")
def _xapi(user: User, by_self: bool) -> Rows:
    rows = db.session.scalars(select(XapiStatement).where(XapiStatement.user_id == user.id)
                              .order_by(XapiStatement.created_at, XapiStatement.id))
    return [{"id": s.id, "verb": s.verb, "created_at": s.created_at, "statement": s.statement} for s in rows]
