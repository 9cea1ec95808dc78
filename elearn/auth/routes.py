"""Views for signing in and out and for passwords."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import security_events
from ..errors import render_error
from ..extensions import db, limiter
from ..forms import EmptyForm, normalise_email
from ..models import User, utcnow
from ..passwords import hash_password, needs_rehash, verify_password
from ..permissions import is_organiser
from . import bp
from .forms import LANDINGS, ChangePasswordForm, LandingForm, LoginForm, SetPasswordForm
from .services import (end_session, find_set_password_link, set_password, start_session,
                       use_set_password_link)

LOGIN_FAILED = "メールアドレスまたはパスワードが正しくありません。"


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def landing_page(user: User) -> str:
    """Where signing in leads without ``?next=``: 研修管理 for organisers and admins unless they chose
    the dashboard (``users.landing``), else the dashboard."""
    if is_organiser(user) and user.landing != "dashboard":
        return url_for("organiser.index")
    return url_for("home.dashboard")


def _account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"])
def login():
    """Sign in with email and password; the same message for an unknown email and a wrong password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is None or not password_ok or not user.active:
            security_events.login_failed(user.id if user else None)
            form.password.errors.append(LOGIN_FAILED)
        else:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            session.clear()  # a fresh session (and CSRF token) for the signed-in user
            session.permanent = True
            start_session(user)
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user)
            return redirect(safe_next(form.next.data) or landing_page(user))
    return render_template("auth/login.html", form=form), 200


@bp.errorhandler(429)
def too_many_logins(error):
    """Over a login limit: logged as a lockout of the account (by id) or the address."""
    if request.endpoint != "auth.login":
        return render_error(429)
    user_id = db.session.scalar(select(User.id).where(User.email == normalise_email(request.form.get("email"))))
    security_events.login_locked(user_id)
    return render_error(429, f"ログインの試行が続いたため、しばらく受け付けを止めています。{_wait_in_japanese()}"
                             "もう一度お試しください。パスワードを忘れた場合は、研修担当者または管理者に"
                             "パスワード設定用リンクの発行を依頼してください。",
                        back=(url_for("auth.login"), "ログイン画面に戻る"))


def _wait_in_japanese() -> str:
    """「約N分待ってから、」 from the limit that was reached (a general phrase if it cannot be read)."""
    try:
        seconds = max(0, limiter.current_limit.reset_at - int(time.time()))
    except Exception:  # noqa: BLE001 - the store may be down; the page still explains
        return "しばらく時間をおいてから、"
    minutes = max(1, -(-seconds // 60))
    return f"約{minutes}分待ってから、"


@bp.post("/logout")
@login_required
def logout():
    """End the session on the server, so a copied cookie stops working."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; every other session of the account ends."""
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("現在のパスワードが正しくありません。")
        else:
            user = current_user._get_current_object()
            set_password(user, form.new_password.data)
            session.clear()
            session.permanent = True
            start_session(user)
            db.session.commit()
            login_user(user)
            flash("パスワードを変更しました。ほかの端末のログインは終了しました。", "success")
            return redirect(url_for("home.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password_from_link(token: str):
    """Choose a password from a one-time link handed out by an organiser or admin."""
    link = find_set_password_link(token)
    if link is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    form.account_email = link.user.email
    if form.validate_on_submit():
        if use_set_password_link(link, form.new_password.data):
            # The link proved who this is: they are signed in at once (a new session), not sent to an
            # empty login form asking for an address an organiser chose for them.
            user = link.user
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            session.permanent = True
            start_session(user)
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user)
            flash(f"パスワードを設定しました。次回からは {user.email} とこのパスワードでログインします。", "success")
            return redirect(landing_page(user))
        db.session.rollback()
        return render_template("auth/link_invalid.html"), 404
    return render_template("auth/set_password.html", form=form, user=link.user)


@bp.app_context_processor
def _landing_choices() -> dict:
    """The landing choices for ``auth/_landing.html`` (included on organiser pages)."""
    return {"landing_choices": LANDINGS}


@bp.post("/landing")
@login_required
def landing():
    """An organiser chooses where signing in leads (研修管理 or the dashboard); learners have no choice."""
    if not is_organiser(current_user):
        abort(403)
    form = LandingForm()
    back = safe_next(form.next.data) or url_for("organiser.index")
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(form.landing.errors[0], "error")
        return redirect(back + "#landing")
    current_user.landing = form.landing.data
    db.session.commit()
    flash(f"ログイン後は「{LANDINGS[form.landing.data]}」を開きます。", "success")
    return redirect(back + "#landing")
