"""Retention: data kept no longer than needed, removed by ``elearn retention run``.

Each rule has a period in days (``RETENTION_DAYS`` in the config, ``ELEARN_RETENTION_DAYS_<NAME>`` in
the environment; 0 turns a rule off). A run is idempotent: it removes what is older than each
period and reports how many rows each rule removed; the run itself goes into the audit log. Another
area (the mail log, say) adds its rule with :func:`register_rule`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from .. import audit
from ..extensions import db
from ..models import (AuditEntry, BoardAuthorReveal, LtiLaunchState, Notification, OutboxItem, RosterImport,
                      SetPasswordLink, User, UserSession, XapiStatement, utcnow)
from ..privacy.deletion import DeletionRefused, delete_account


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    remove: Callable[[datetime], int]  # cutoff -> rows removed


RULES: list[Rule] = []

#: Days each rule keeps data (documented in the README); 0 turns a rule off.
DEFAULT_DAYS = {
    "roster_previews": 1,
    "roster_imports": 30,
    "expired_sessions": 1,
    "set_password_links": 30,
    "author_reveals": 1095,
    "inactive_accounts": 730,
    "audit_log": 1825,
    "mail_log": 180,
    "outbox_other": 90,
    "read_notifications": 90,
    "lti_launch_states": 1,
    "xapi_statements": 365,
}


def register_rule(name: str, label: str, default_days: int) -> Callable:
    """Decorator: add a rule ``fn(cutoff) -> rows removed`` with its default period."""
    def add(fn: Callable[[datetime], int]) -> Callable[[datetime], int]:
        RULES[:] = [r for r in RULES if r.name != name] + [Rule(name, label, fn)]
        DEFAULT_DAYS.setdefault(name, default_days)
        return fn
    return add


def _rowcount(statement) -> int:
    return db.session.execute(statement).rowcount or 0


@register_rule("roster_previews", "確定されなかった名簿取り込みのプレビュー", 1)
def _previews(cutoff: datetime) -> int:
    return _rowcount(delete(RosterImport).where(RosterImport.confirmed_at.is_(None), RosterImport.created_at < cutoff))


@register_rule("roster_imports", "確定した名簿取り込みの行データ（氏名・メールアドレスを含む）", 30)
def _imports(cutoff: datetime) -> int:
    return _rowcount(delete(RosterImport).where(RosterImport.confirmed_at.is_not(None),
                                                RosterImport.confirmed_at < cutoff))


@register_rule("expired_sessions", "期限切れのログインセッション", 1)
def _sessions(cutoff: datetime) -> int:
    return _rowcount(delete(UserSession).where(UserSession.expires_at < cutoff))


@register_rule("set_password_links", "使用済み・期限切れのパスワード設定用リンク", 30)
def _links(cutoff: datetime) -> int:
    return _rowcount(delete(SetPasswordLink).where(or_(SetPasswordLink.used_at < cutoff,
                                                       SetPasswordLink.expires_at < cutoff)))


@register_rule("author_reveals", "投稿者の確認の記録", 1095)
def _reveals(cutoff: datetime) -> int:
    return _rowcount(delete(BoardAuthorReveal).where(BoardAuthorReveal.created_at < cutoff))


@register_rule("inactive_accounts", "停止中で、最後のログイン（なければ作成）から期間が過ぎたアカウント（削除の規則どおり）", 730)
def _inactive(cutoff: datetime) -> int:
    last_seen = func.coalesce(User.last_login_at, User.created_at)
    removed = 0
    for user in db.session.scalars(select(User).where(User.active.is_(False), last_seen < cutoff)).all():
        try:
            delete_account(user, None)
            removed += 1
        except DeletionRefused:
            continue
    return removed


@register_rule("audit_log", "監査ログ（アプリが消せる唯一の経路）", 1825)
def _audit(cutoff: datetime) -> int:
    return _rowcount(delete(AuditEntry).where(AuditEntry.created_at < cutoff))


def _finished_outbox(cutoff: datetime):
    """Sent or failed outbox rows whose last event (sent, last attempt, queued) is older than ``cutoff``."""
    last = func.coalesce(OutboxItem.sent_at, OutboxItem.last_attempt_at, OutboxItem.created_at)
    return OutboxItem.status.in_(("sent", "failed")) & (last < cutoff)


@register_rule("mail_log", "送信済み・送信できなかったメールの記録（宛先・件名・サーバーの応答）", 180)
def _mail_log(cutoff: datetime) -> int:
    return _rowcount(delete(OutboxItem).where(OutboxItem.channel == "mail", _finished_outbox(cutoff)))


@register_rule("outbox_other", "送信済み・送信できなかったメール以外の送信記録（LTI の得点、xAPI）", 90)
def _outbox_other(cutoff: datetime) -> int:
    return _rowcount(delete(OutboxItem).where(OutboxItem.channel != "mail", _finished_outbox(cutoff)))


@register_rule("read_notifications", "既読のひろばのお知らせ", 90)
def _notifications(cutoff: datetime) -> int:
    return _rowcount(delete(Notification).where(Notification.read_at < cutoff))


@register_rule("lti_launch_states", "期限切れの LTI 起動の状態・nonce", 1)
def _launch_states(cutoff: datetime) -> int:
    return _rowcount(delete(LtiLaunchState).where(LtiLaunchState.expires_at < cutoff))


@register_rule("xapi_statements", "xAPI ステートメント（LRS へ送信待ちのものは残します）", 365)
def _statements(cutoff: datetime) -> int:
    waiting = select(OutboxItem.id).where(OutboxItem.channel == "xapi", OutboxItem.status.in_(("queued", "sending")),
                                          OutboxItem.dedupe_key == "xapi:" + XapiStatement.id)
    return _rowcount(delete(XapiStatement).where(XapiStatement.created_at < cutoff, ~waiting.exists()))


def periods() -> dict[str, int]:
    """Each rule's period in days: the defaults, then RETENTION_DAYS from the config."""
    return DEFAULT_DAYS | (current_app.config.get("RETENTION_DAYS") or {})


def run(now: datetime | None = None) -> list[tuple[Rule, int, int]]:
    """Apply every rule that is on; returns (rule, days, rows removed) and commits, with an audit entry."""
    now = now or utcnow()
    days_by_rule = periods()
    results = []
    for rule in RULES:
        days = days_by_rule.get(rule.name, 0)
        removed = rule.remove(now - timedelta(days=days)) if days > 0 else 0
        results.append((rule, days, removed))
    audit.record("retention_run", target_type="retention",
                 removed={rule.name: removed for rule, _, removed in results})
    db.session.commit()
    return results
