"""Security headers on every response (HSTS on https ones), and the session cookie of LTI launches."""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

#: Set in the session by an LTI launch (elearn.lti): the origin of the platform whose frame shows us.
LTI_FRAME_ORIGIN = "lti_frame_origin"

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


def _lti_origin() -> str | None:
    return session.get(LTI_FRAME_ORIGIN) if has_request_context() else None


def _signed_in() -> bool:
    """Whether a signed-in user made the request. Asks the user Flask-Login already loaded (its
    ``g._login_user``) whether it is anonymous, which reads no column: after a view's commit
    (expired attributes) ``is_authenticated`` would start a new transaction to reload the user."""
    user = g.get("_login_user")
    return not (current_user if user is None else user).is_anonymous


def _set_headers(response):
    headers = response.headers
    framed_by = _lti_origin()
    if framed_by:
        # A session launched from an LTI platform is shown in that platform's iframe, and only there.
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.replace(
            "frame-ancestors 'none'", f"frame-ancestors {framed_by}"))
    else:
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:  # behind a proxy: X-Forwarded-Proto, trusted through ELEARN_TRUSTED_PROXIES
        hsts = f"max-age={current_app.config['HSTS_MAX_AGE']}"
        if current_app.config["HSTS_INCLUDE_SUBDOMAINS"]:
            hsts += "; includeSubDomains"
        headers.setdefault("Strict-Transport-Security", hsts)
    if request.endpoint != "static" and _signed_in():
        # Pages about learners and their difficulties stay out of shared and proxy caches.
        headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a session started by an LTI launch gets ``SameSite=None; Secure``
    so that the browser sends it inside the platform's iframe (third-party context). Others keep Lax."""

    def get_cookie_samesite(self, app):
        return "None" if _lti_origin() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app):
        return True if _lti_origin() else super().get_cookie_secure(app)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_set_headers)
