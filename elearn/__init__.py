"""elearn: training and case-study e-learning for staff who support people in ひきこもり状態."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import PLACEHOLDER_SECRETS, Config, TestingConfig, from_environment
from .inputs import CleanRequest

__all__ = ["create_app"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class InsecureConfigError(RuntimeError):
    """Raised when the app would start in production without a real secret key."""


class ElearnFlask(Flask):
    """Flask whose requests are bounded and cleaned (:mod:`.inputs`) and whose error log quotes
    nothing people wrote (:func:`.errors.log_exception`)."""

    request_class = CleanRequest

    def log_exception(self, exc_info) -> None:
        from .errors import log_exception

        log_exception(self, exc_info)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app. ``config`` overrides everything else (used by tests)."""
    app = ElearnFlask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config and config.get("TESTING"):
        app.config.from_object(TestingConfig)
    if app.debug:
        app.config["SESSION_COOKIE_SECURE"] = False  # local http; ELEARN_SESSION_COOKIE_SECURE still wins
    app.config.update(from_environment(app.instance_path))
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)
    _check_secret_key(app)
    _check_hosts(app)

    from . import cli, database, errors, filters, layout, permissions, security, security_events, static_files, urls
    from .cohorts import counts as completion_counts
    from .extensions import csrf, db, limiter, login_manager, migrate

    database.init_app(app)
    completion_counts.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app, login_manager)
    security.init_app(app)
    security_events.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    layout.init_app(app)
    permissions.init_app(app)
    urls.init_app(app)
    static_files.init_app(app)
    cli.init_app(app)
    _register_blueprints(app)
    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx & co. the client address (per-IP login limits) and https come from the proxy.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app


def _check_secret_key(app: Flask) -> None:
    """Refuse to start outside debug/testing without a real secret key."""
    key = app.config.get("SECRET_KEY") or ""
    if app.config.get("MAINTENANCE_COMMAND") and not key:
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # never used to sign anything a browser sees
        return
    if app.debug or app.testing:
        if not key:
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        return
    if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < 32:
        raise InsecureConfigError(
            "ELEARN_SECRET_KEY is not set to a real secret (32+ random characters). Set it, e.g.\n"
            "  export ELEARN_SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\"\n"
            "ELEARN_SECRET_KEY に32文字以上のランダムな値を設定してください。"
        )


def _check_hosts(app: Flask) -> None:
    """Answer only the configured host names, and say at start when links cannot be issued."""
    from .urls import allowed_hosts

    app.config["BASE_URL"] = (app.config.get("BASE_URL") or "").rstrip("/")
    hosts = allowed_hosts(app)
    if hosts:
        app.config["TRUSTED_HOSTS"] = hosts  # any other Host header is answered 400
    if not app.config["BASE_URL"] and not (app.debug or app.testing or app.config.get("MAINTENANCE_COMMAND")):
        app.logger.warning("ELEARN_BASE_URL is not set: set-password links cannot be issued until it is.")


def _init_login(app: Flask, login_manager) -> None:
    from .auth.services import load_session_user
    from .auth.unauthorized import to_login

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "このページを見るにはログインしてください。"
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)
    login_manager.unauthorized_handler(to_login)


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in URLs, capped at the largest database id, so /users/99999999999 is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    from . import (admin, auth, board, cases, certificates, checkin, evaluation, health, home, learning, mail,
                   organiser, privacy, search)

    app.url_map.converters["int"] = DatabaseIdConverter

    for module in (auth, learning, cases, board, certificates, checkin, evaluation, organiser, privacy, admin, home,
                   health, mail, search):
        app.register_blueprint(module.bp)

    from . import lti, xapi  # LTI 1.3 tool; xAPI statements (no routes: its hooks and outbox channel)

    app.register_blueprint(lti.bp)
    xapi.init_app(app)
