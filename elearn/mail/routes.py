"""The person's mail settings and the one-click unsubscribe (RFC 8058)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ..extensions import csrf, db
from ..forms import EmptyForm
from . import bp
from .unsubscribe import preference, unsubscribe_user_id


class MailSettingsForm(FlaskForm):
    reminders = BooleanField("受講期間の終了や集合研修の前にリマインドメールを受け取る")
    board_digest = BooleanField("支援者のひろばで返信や「わかります」があった日に、件数だけのお知らせメールを受け取る")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Stop or start reminder mails and the board digest (invitations and resets always arrive)."""
    row = preference(current_user.id)
    form = MailSettingsForm(obj=row)
    if form.validate_on_submit():
        row.reminders = form.reminders.data
        row.board_digest = form.board_digest.data
        db.session.commit()
        flash("メールの設定を保存しました。", "success")
        return redirect(url_for("mail.settings"))
    db.session.rollback()  # a GET does not keep the default row it may have made
    return render_template("mail/settings.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without any page of ours
def unsubscribe(token: str):
    """GET shows a button (link scanners open links); POST stops reminder and notice mails."""
    user_id = unsubscribe_user_id(token)
    if user_id is None:
        abort(404)
    if request.method == "POST":
        form_ok = request.form.get("List-Unsubscribe") == "One-Click" or EmptyForm().validate_on_submit()
        if not form_ok:
            abort(400)
        row = preference(user_id)
        row.reminders = False
        row.board_digest = False
        db.session.commit()
        return render_template("mail/unsubscribed.html")
    return render_template("mail/unsubscribe.html", form=EmptyForm())
