"""``elearn doctor``: a deployment's checks, each with a Japanese explanation, and an exit status for
monitoring (0: all OK, 1: a warning, 2: a failure — the Nagios convention).

Checks are registered in :data:`CHECKS` in order; another area (the mail sender, say) adds its own
with :func:`register_check`.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, or_, select, text

from ..config import PLACEHOLDER_SECRETS
from ..dates import jdatetime
from ..extensions import db, limiter
from ..models import AuditEntry, Module, OutboxItem, utcnow

OK, WARN, FAIL = "OK", "WARN", "FAIL"
INFO = "INFO"  # something off by choice (mail, an LRS): said, never a warning
EXIT_CODES = {OK: 0, INFO: 0, WARN: 1, FAIL: 2}
LABELS = {OK: "OK", INFO: "情報", WARN: "注意", FAIL: "要対応"}


@dataclass(frozen=True)
class Result:
    name: str
    status: str
    message: str


CHECKS: list[tuple[str, Callable[[], tuple[str, str]]]] = []


def register_check(name: str) -> Callable:
    """Decorator: add a check ``fn() -> (status, Japanese message)``."""
    def add(fn):
        CHECKS[:] = [c for c in CHECKS if c[0] != name] + [(name, fn)]
        return fn
    return add


@register_check("secret_key")
def _secret_key():
    key = os.environ.get("ELEARN_SECRET_KEY", "")
    if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < 32:
        return FAIL, ("ELEARN_SECRET_KEY が未設定か短すぎます（32文字以上のランダムな値が必要）。"
                      "セッションとリンクの署名に使うため、推測されるとなりすましができます。")
    if len(set(key)) < 12:
        return WARN, "ELEARN_SECRET_KEY の文字の種類が少なすぎます。secrets.token_hex(32) などで作り直してください。"
    return OK, "秘密鍵は十分な長さのランダムな値です。"


@register_check("debug")
def _debug():
    if current_app.debug or os.environ.get("FLASK_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
        return FAIL, "デバッグモードが有効です。エラー画面から内部の情報やコードの実行が漏れるため、本番では必ず無効にしてください。"
    return OK, "デバッグモードは無効です。"


@register_check("session_cookie_secure")
def _cookie_secure():
    if not current_app.config["SESSION_COOKIE_SECURE"]:
        return FAIL, ("SESSION_COOKIE_SECURE が無効です（ELEARN_SESSION_COOKIE_SECURE=0）。"
                      "ログインのクッキーが http でも送られ、盗み見られるおそれがあります。")
    return OK, "ログインのクッキーは https でのみ送られます。"


@register_check("https_proxy")
def _https():
    base = current_app.config.get("BASE_URL") or ""
    if not base:
        return FAIL, "ELEARN_BASE_URL が未設定です。パスワード設定用リンクや修了証の照合URLを作れません。"
    if urlsplit(base).scheme != "https":
        return FAIL, f"ELEARN_BASE_URL（{base}）が https ではありません。TLS を終端するプロキシ（nginx）を前に置いてください。"
    if not current_app.config.get("TRUSTED_PROXIES"):
        return WARN, ("ELEARN_TRUSTED_PROXIES が 0 です。nginx の後ろでは 1 にしないと、https と利用者の IP アドレスを"
                      "認識できません（IP ごとのログイン制限がプロキシの1アドレスに集まります）。")
    return OK, f"{base} を https で提供し、プロキシ {current_app.config['TRUSTED_PROXIES']} 段の X-Forwarded-* を信頼しています。"


@register_check("rate_limit_store")
def _rate_limit_store():
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        return FAIL, ("ログイン回数などの制限をプロセスごとのメモリで数えています（memory://）。ワーカーやホストが複数あると"
                      "制限が人数分に緩みます。ELEARN_RATELIMIT_STORAGE_URL=redis://… を設定してください。")
    try:
        answers = limiter.storage.check()
    except Exception:  # noqa: BLE001 - any failure means the store does not answer
        answers = False
    if not answers:
        return FAIL, f"制限の保存先（{urlsplit(uri).scheme}://）が応答しません。Redis が動いているか確認してください。"
    return OK, f"制限は共有の保存先（{urlsplit(uri).scheme}://）で数えています。"


@register_check("database")
def _database():
    from .backup import head_revision

    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        return FAIL, "データベースに接続できないか、スキーマがありません。ELEARN_DATABASE_URL と `elearn db upgrade` を確認してください。"
    head = head_revision()
    if revision != head:
        return FAIL, f"スキーマが最新ではありません（{revision}、最新は {head}）。`elearn db upgrade` を実行してください。"
    return OK, f"データベースに接続でき、スキーマは最新（{head}）です。"


@register_check("content")
def _content():
    from pathlib import Path

    from ..content import load_catalog
    from ..content.importer import not_imported

    try:
        if db.session.scalar(select(Module.id).limit(1)) is None:
            return FAIL, "教材が取り込まれていません。`elearn content import` を実行してください。"
        catalog = load_catalog(Path(current_app.config["CONTENT_DIR"]))
        stale = not_imported(catalog, db.session)
    except Exception:  # noqa: BLE001
        db.session.rollback()
        return FAIL, "教材を確認できませんでした（データベースか ELEARN_CONTENT_DIR を確認してください）。"
    if catalog.problems:
        return WARN, f"教材ファイルに {len(catalog.problems)} 件の問題があります。`elearn content check` で確認してください。"
    if stale:
        return WARN, (f"教材ファイル {len(stale)} 件がまだ取り込まれていません（例: {stale[0]}）。"
                      "`elearn content import` を実行してください。")
    return OK, "教材は取り込み済みで、ファイルと同じ版です。"


def _last(action: str):
    try:
        return db.session.scalar(select(AuditEntry.created_at).where(AuditEntry.action == action)
                                 .order_by(AuditEntry.id.desc()).limit(1))
    except Exception:  # noqa: BLE001
        db.session.rollback()
        return None


@register_check("backup")
def _backup():
    hours = int(os.environ.get("ELEARN_BACKUP_MAX_AGE_HOURS") or 26)
    last = _last("backup_made")
    if last is None:
        return FAIL, "バックアップの記録がありません。`elearn backup -o FILE` を毎日実行してください（deploy/ のタイマー）。"
    age = utcnow() - last
    if age > timedelta(hours=hours):
        return WARN, f"最後のバックアップから {age.days} 日 {age.seconds // 3600} 時間たっています（目安 {hours} 時間以内）。"
    return OK, f"最後のバックアップは {int(age.total_seconds() // 3600)} 時間前です。"


@register_check("retention")
def _retention():
    last = _last("retention_run")
    if last is None or utcnow() - last > timedelta(days=2):
        return WARN, "保存期間の適用（`elearn retention run`）が2日以上実行されていません。毎日のタイマーを確認してください。"
    return OK, "保存期間の適用は毎日実行されています。"


#: How long a due outbox item may wait before the doctor says its sender is not running.
STALE_MINUTES = 10


def _outbox(channel: str, setting: str, what: str, command: str):
    """Whether the sender of ``channel`` keeps up: items due for more than STALE_MINUTES mean it is not running."""
    if not current_app.config.get(setting):
        return INFO, f"ELEARN_{setting} が未設定のため、{what}の送信はオフです（必要なら設定し、`{command}` を動かしてください）。"
    now = utcnow()
    stale = now - timedelta(minutes=STALE_MINUTES)
    try:
        waiting = db.session.scalar(select(func.count()).select_from(OutboxItem).where(
            OutboxItem.channel == channel,
            or_((OutboxItem.status == "queued") & (OutboxItem.next_attempt_at < stale),
                (OutboxItem.status == "sending") & (OutboxItem.claimed_until < stale)))) or 0
        last = db.session.scalar(select(func.max(OutboxItem.sent_at)).where(OutboxItem.channel == channel))
    except Exception:  # noqa: BLE001
        db.session.rollback()
        return FAIL, f"{what}の送信待ちを確認できませんでした（データベースを確認してください）。"
    last_text = f"最後の送信は {jdatetime(last)}（日本時間）" if last else "まだ1件も送信していません"
    if waiting:
        return WARN, (f"{what} {waiting} 件が {STALE_MINUTES} 分以上送信されずに待っています。`{command}` が動いているか"
                      f"確認してください（{last_text}）。")
    return OK, f"{what}の送信は滞っていません（{last_text}）。"


@register_check("mail_sender")
def _mail_sender():
    return _outbox("mail", "MAIL_URL", "メール", "elearn mail send --loop")


@register_check("xapi_sender")
def _xapi_sender():
    return _outbox("xapi", "XAPI_URL", "xAPI ステートメント", "elearn xapi send --loop")


def run_checks() -> list[Result]:
    return [Result(name, *check()) for name, check in CHECKS]


def exit_code(results: list[Result]) -> int:
    return max((EXIT_CODES[r.status] for r in results), default=0)
