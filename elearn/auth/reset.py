"""Self-service password reset: 「パスワードをお忘れの方」 mails a one-time link valid for one hour.

The answer is the same whether or not the address has an account; requests are limited per IP and
per address; the link is the set-password link machinery (one-time, ends every other session when
used), issued with RESET_LINK_LIFETIME. The raw token exists only in the queued mail's body, which
the outbox drops once the mail is sent.
"""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import security_events
from ..extensions import db, limiter
from ..forms import normalise_email
from ..mail import mail_configured, queue_mail, render_mail
from ..models import User, utcnow
from ..urls import external_url
from . import bp
from .forms import ForgotPasswordForm
from .links import set_password_url
from .services import issue_set_password_link


def _address_key() -> str:
    return "reset-account:" + normalise_email(request.form.get("email"))


def queue_reset_mail(user: User) -> None:
    """Issue a one-hour link for ``user`` and queue the reset mail (the caller commits)."""
    lifetime = current_app.config["RESET_LINK_LIFETIME"]
    token = issue_set_password_link(user, None, lifetime=lifetime)
    subject, text = render_mail("password_reset", user=user, link=set_password_url(token),
                                expires=utcnow() + lifetime, login_url=external_url("auth.login"))
    queue_mail("password_reset", user, subject, text)
    security_events.record("password_reset_requested", account=user.id)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ACCOUNT"], key_func=_address_key, methods=["POST"])
def forgot_password():
    """Ask for a reset link by mail; the same answer for any address."""
    if not mail_configured():
        return render_template("auth/forgot.html", form=None)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
        if user is not None and user.active:
            queue_reset_mail(user)
            db.session.commit()
        return redirect(url_for("auth.forgot_sent"))
    return render_template("auth/forgot.html", form=form)


@bp.get("/forgot/sent")
def forgot_sent():
    """What everyone sees after asking, whether or not the address has an account."""
    return render_template("auth/forgot_sent.html")
