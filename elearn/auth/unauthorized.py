"""Sending a request that needs a signed-in user to the login page, and back afterwards."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, jsonify, redirect, request
from flask_login import login_url

from ..errors import wants_json
from ..extensions import login_manager
from .routes import safe_next


def return_path() -> str | None:
    """The page to come back to: this one, or for a form post the page that held the form.

    A POST-only URL cannot be opened after signing in, so a post returns to its (same-site)
    Referer, where the form and any draft the browser kept are.
    """
    if request.method in ("GET", "HEAD"):
        return request.full_path.removesuffix("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def to_login():
    """Flask-Login's unauthorized handler: the login page with ``?next=``; the usual note unless the
    session has just been ended for idleness (which left its own). A script asking for JSON gets 401
    with the reason, so the page can say it instead of reading the login page as data."""
    if wants_json():
        return jsonify(error="ログインの有効期限が切れました。ページを開き直して、もう一度ログインしてください。"), 401
    if not g.get("signed_out_idle") and login_manager.login_message:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url("auth.login", next_url=return_path()))
