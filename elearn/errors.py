"""Japanese error pages; never a traceback. The error log quotes nothing people wrote."""
from __future__ import annotations

import traceback

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from . import security_events
from .urls import BaseUrlMissing

MESSAGES = {
    400: ("リクエストを処理できませんでした", "送信内容に問題がありました。前のページに戻って、もう一度お試しください。"),
    403: ("このページを見る権限がありません", "権限が必要な場合は、研修担当者または管理者にお問い合わせください。"),
    404: ("ページが見つかりません", "URL が正しいか確認してください。ページが移動または削除された可能性があります。"),
    405: ("この操作はできません", "ページを開き直して、もう一度お試しください。"),
    413: ("送信されたデータが大きすぎます", "ファイルや文章を小さくしてから、もう一度送信してください。"),
    429: ("短時間に操作が集中しました", "しばらく時間をおいてから、もう一度お試しください。"),
    503: ("いまはこの操作ができません", "時間をおいてもう一度お試しください。続く場合は管理者にお知らせください。"),
    500: ("システムでエラーが発生しました", "ご不便をおかけしています。時間をおいてもう一度お試しください。続く場合は管理者にお知らせください。"),
}


def wants_json() -> bool:
    """A page's script asking for JSON (``Accept: application/json``), not a browser opening a page."""
    return request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None, back: tuple[str, str] | None = None):
    """The error page for ``code`` (``back``: the (url, label) of the way back when it is not the
    dashboard); for a script asking for JSON, ``{"error": what happened}``."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return jsonify(error=detail or title), code
    return render_template("errors/error.html", code=code, title=title, message=detail or message, back=back), code


def _handle_http(error: HTTPException):
    if error.code in (401, 403):
        security_events.access_denied(error.code)
    return render_error(error.code or 500)


def _handle_csrf(error: CSRFError):
    return render_error(400, "フォームの有効期限が切れたか、送信元を確認できませんでした。ページを開き直して、もう一度送信してください。")


def _handle_unexpected(error: Exception):
    from .extensions import db

    db.session.rollback()
    return render_error(500)


def _handle_untrusted_host(error: SecurityError):
    """A Host header not in ELEARN_ALLOWED_HOSTS: no page (it would link to that host), just the reason."""
    return "このアドレスではサービスを提供していません。(400 Bad Request: unknown host)", 400, {
        "Content-Type": "text/plain; charset=utf-8"}


def _handle_base_url_missing(error: BaseUrlMissing):
    from .extensions import db

    db.session.rollback()  # nothing half-issued stays behind
    return render_error(503, "サイトのアドレス（ELEARN_BASE_URL）が設定されていないため、リンクを作成できません。"
                             "システム管理者に設定を依頼してください。")


def log_exception(app: Flask, exc_info) -> None:
    """Log an unexpected error; a database error without the database's message.

    The statement's parameters are hidden by the engine (``hide_parameters``), but PostgreSQL's
    message can quote the failing row ("DETAIL: Failing row contains (…)"), so only its error class,
    SQLSTATE and the names of the constraint, table and column are logged, with the stack.
    """
    error = exc_info[1]
    if not isinstance(error, DBAPIError):
        Flask.log_exception(app, exc_info)
        return
    diag = getattr(error.orig, "diag", None)
    facts = {"sqlstate": getattr(diag, "sqlstate", None) or getattr(error.orig, "sqlite_errorname", None),
             "constraint": getattr(diag, "constraint_name", None), "table": getattr(diag, "table_name", None),
             "column": getattr(diag, "column_name", None)}
    described = ", ".join([type(error.orig).__name__] + [f"{name} {value}" for name, value in facts.items() if value])
    app.logger.error("Exception on %s [%s]: %s (%s)\n[SQL: %s]\nTraceback (most recent call last):\n%s",
                     request.path, request.method, type(error).__name__, described, error.statement,
                     "".join(traceback.format_tb(exc_info[2])).rstrip())


def init_app(app: Flask) -> None:
    app.register_error_handler(BaseUrlMissing, _handle_base_url_missing)
    app.register_error_handler(SecurityError, _handle_untrusted_host)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
