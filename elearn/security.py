"""Security headers on every response (HSTS on https ones)."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:  # behind a proxy: X-Forwarded-Proto, trusted through ELEARN_TRUSTED_PROXIES
        hsts = f"max-age={current_app.config['HSTS_MAX_AGE']}"
        if current_app.config["HSTS_INCLUDE_SUBDOMAINS"]:
            hsts += "; includeSubDomains"
        headers.setdefault("Strict-Transport-Security", hsts)
    if request.endpoint != "static" and current_user.is_authenticated:
        # Pages about learners and their difficulties stay out of shared and proxy caches.
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
