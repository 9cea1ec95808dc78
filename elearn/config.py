"""Settings read from ``ELEARN_*`` environment variables, with safe defaults."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Secret keys that must never reach production (placeholders people paste from examples).
PLACEHOLDER_SECRETS = {"", "dev", "changeme", "change-me", "secret", "please-change-me"}


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def _env_minutes(name: str) -> timedelta | None:
    minutes = _env_int(name)
    return timedelta(minutes=minutes) if minutes else None


def from_environment(instance_path: str) -> dict:
    """Settings given by ``ELEARN_*`` variables; the database and content folder always get a value."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("ELEARN_DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'elearn.sqlite3'}",
        "CONTENT_DIR": os.environ.get("ELEARN_CONTENT_DIR") or str(PROJECT_ROOT),
    }
    optional = {
        "SECRET_KEY": os.environ.get("ELEARN_SECRET_KEY"),
        "RATELIMIT_STORAGE_URI": os.environ.get("ELEARN_RATELIMIT_STORAGE_URL"),
        "MAX_CONTENT_LENGTH": _env_int("ELEARN_MAX_CONTENT_LENGTH"),
        "LOGIN_LIMIT_PER_IP": os.environ.get("ELEARN_LOGIN_LIMIT_PER_IP"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("ELEARN_LOGIN_LIMIT_PER_ACCOUNT"),
        "CONTENT_CACHE_SECONDS": _env_int("ELEARN_CONTENT_CACHE_SECONDS"),
        "CERTIFICATE_ISSUER": os.environ.get("ELEARN_CERTIFICATE_ISSUER"),
        "TRUSTED_PROXIES": _env_int("ELEARN_TRUSTED_PROXIES"),
        "BASE_URL": os.environ.get("ELEARN_BASE_URL"),
        "ALLOWED_HOSTS": os.environ.get("ELEARN_ALLOWED_HOSTS"),
        "MAX_FORM_FIELDS": _env_int("ELEARN_MAX_FORM_FIELDS"),
        "IDLE_TIMEOUT_STAFF": _env_minutes("ELEARN_IDLE_MINUTES_STAFF"),
        "IDLE_TIMEOUT_LEARNER": _env_minutes("ELEARN_IDLE_MINUTES_LEARNER"),
        "MAIL_URL": os.environ.get("ELEARN_MAIL_URL"),
        "MAIL_FROM": os.environ.get("ELEARN_MAIL_FROM"),
        "XAPI_URL": os.environ.get("ELEARN_XAPI_URL"),
        "XAPI_KEY": os.environ.get("ELEARN_XAPI_KEY"),
        "XAPI_SECRET": os.environ.get("ELEARN_XAPI_SECRET"),
    }
    if os.environ.get("ELEARN_SESSION_COOKIE_SECURE"):
        optional["SESSION_COOKIE_SECURE"] = _env_bool("ELEARN_SESSION_COOKIE_SECURE", True)
    if os.environ.get("ELEARN_HSTS_INCLUDE_SUBDOMAINS"):
        optional["HSTS_INCLUDE_SUBDOMAINS"] = _env_bool("ELEARN_HSTS_INCLUDE_SUBDOMAINS", False)
    settings.update({key: value for key, value in optional.items() if value not in (None, "")})
    retention = {name[len("ELEARN_RETENTION_DAYS_"):].lower(): int(value) for name, value in os.environ.items()
                 if name.startswith("ELEARN_RETENTION_DAYS_") and value.strip().isdigit()}
    if retention:
        settings["RETENTION_DAYS"] = retention
    return settings


class Config:
    """Defaults shared by every environment; overridden by the environment and by ``config``."""

    SECRET_KEY = ""
    # hide_parameters: a failed statement's error (and so the log) never shows the values, which
    # hold what people wrote (sheets, posts, reports).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    SESSION_COOKIE_SECURE = True
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # bytes; larger requests get 413
    #: Fields a form may send, urlencoded or multipart (413 past it); attendance posts up to 2,000 ids.
    MAX_FORM_FIELDS = 2500
    HSTS_MAX_AGE = 31536000  # a year; Strict-Transport-Security goes on https responses only
    HSTS_INCLUDE_SUBDOMAINS = False
    RATELIMIT_STORAGE_URI = "memory://"
    # When the store (Redis) does not answer, limits are counted in memory per process until it answers
    # again, with a warning in the log and on /healthz: a request never fails because of the store.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}  # a silent Redis fails fast
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "elearn_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The server-side session row carries the expiry; re-signing the cookie on every response is waste.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the login session
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "moving-window"
    # Per IP generous enough for a training room of 150 people behind one NAT address.
    LOGIN_LIMIT_PER_IP = "200 per minute; 2000 per hour"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute; 20 per hour"
    #: Saved board posts (threads, replies and edits together) per user; storage from ELEARN_RATELIMIT_STORAGE_URL.
    BOARD_POST_LIMIT = "5 per minute; 30 per hour"
    #: Submitted post forms per user, saved or not (each runs the privacy guard), counted on arrival.
    BOARD_GUARD_LIMIT = "20 per minute; 200 per hour"
    BOARD_REPORT_LIMIT = "10 per hour"
    VERIFY_LIMIT = "30 per minute; 300 per hour"  # /verify/<code>, per IP
    SET_PASSWORD_LINK_LIFETIME = timedelta(days=7)
    #: A login session ends after this long without a request (organisers, moderators, admins).
    IDLE_TIMEOUT_STAFF = timedelta(minutes=30)
    #: The same for learners: long enough to read a module and write a sheet (see the README).
    IDLE_TIMEOUT_LEARNER = timedelta(minutes=120)
    #: A session's last_seen_at is written at most this often, not on every request.
    SESSION_TOUCH_SECONDS = 60
    CONTENT_CACHE_SECONDS = 30  # how stale a worker's content snapshot may get after an import
    #: The issuer printed on a 修了証 whose cohort has no certificate settings of its own.
    CERTIFICATE_ISSUER = "ひきこもり支援者研修 事務局"
    TRUSTED_PROXIES = 0  # reverse proxies in front of the app whose X-Forwarded-* headers to trust
    #: The site's address as people reach it (https://elearn.example.jp); every absolute link is built
    #: from it, never from the request's Host header. Required outside debug to issue links.
    BASE_URL = ""
    #: Host names the app answers (comma-separated or a list); others get 400. Default: BASE_URL's host.
    ALLOWED_HOSTS = ""
    #: The LRS's xAPI endpoint (https://lrs.example.jp/xAPI/); empty: statements are kept, not sent.
    XAPI_URL = ""
    XAPI_KEY = ""
    XAPI_SECRET = ""
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_LENGTH = 1024
    #: Where mail goes (smtp://, smtps://, file:///path); empty: no mail, links are handed out by hand.
    MAIL_URL = ""
    #: The From of every mail; default no-reply@ the host of BASE_URL.
    MAIL_FROM = ""
    MAIL_TIMEOUT_SECONDS = 30  # one SMTP connection attempt or command; past it the batch is retried
    #: A self-service password reset link lives this long (an organiser's set-password link: 7 days).
    RESET_LINK_LIFETIME = timedelta(hours=1)
    #: 「パスワードをお忘れの方」 requests, per IP and per account (the answer is the same either way).
    RESET_LIMIT_PER_IP = "10 per minute; 50 per hour"
    RESET_LIMIT_PER_ACCOUNT = "3 per hour; 6 per day"


class TestingConfig(Config):
    """Used by the test suite: fast, no secure cookies, rate limits off unless a test turns them on."""

    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    SESSION_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    CONTENT_CACHE_SECONDS = 0  # tests change content between requests
