"""An admin acts on a person's request: export their data (logged with the reason) or delete the account."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from .. import audit
from ..extensions import db
from ..forms import normalise_email, required
from ..models import User
from ..permissions import admin_required
from ..privacy.deletion import DeletionRefused, delete_account
from ..privacy.export import export_zip
from ..privacy.routes import zip_response
from . import bp

REASON_MAX = 500


def _reason(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[required("依頼の内容"), Length(
        max=REASON_MAX, message=f"依頼の内容は{REASON_MAX}文字以内で入力してください。")])


class ExportForm(FlaskForm):
    reason = _reason("依頼の内容（いつ・どのように依頼されたか。記録に残ります）")


class DeleteForm(FlaskForm):
    reason = _reason("依頼の内容（記録に残ります）")
    confirm_email = StringField("確認のため、このアカウントのメールアドレスを入力", validators=[required("メールアドレス")])
    remove_posts = BooleanField("ひろばの投稿も削除する（選ばないと「退会した支援者」の投稿として残ります）")

    def __init__(self, target: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target

    def validate_confirm_email(self, field) -> None:
        if normalise_email(field.data) != self.target.email:
            raise ValidationError("メールアドレスが一致しません。")


def _page(user: User, export_form: ExportForm, delete_form: DeleteForm, status: int = 200):
    return render_template("admin/privacy.html", user=user, export_form=export_form,
                           delete_form=delete_form), status


@bp.get("/users/<int:user_id>/privacy")
@admin_required
def privacy(user_id: int):
    """The person's data: export on request, delete on request."""
    user = db.get_or_404(User, user_id)
    return _page(user, ExportForm(prefix="export"), DeleteForm(user, prefix="delete"))


@bp.post("/users/<int:user_id>/privacy/export")
@admin_required
def privacy_export(user_id: int):
    """The ZIP for the person (their anonymous posts left out), the reason logged."""
    user = db.get_or_404(User, user_id)
    form = ExportForm(prefix="export")
    if not form.validate_on_submit():
        return _page(user, form, DeleteForm(user, prefix="delete"), 400)
    data = export_zip(user, by_self=False)
    audit.record("personal_data_exported", user, by_self=False, reason_chars=len(form.reason.data))
    db.session.commit()
    return zip_response(data, user.id)


@bp.post("/users/<int:user_id>/privacy/delete")
@admin_required
def privacy_delete(user_id: int):
    """Delete the account (see elearn.privacy.deletion for what goes and what stays)."""
    user = db.get_or_404(User, user_id)
    form = DeleteForm(user, prefix="delete")
    if not form.validate_on_submit():
        return _page(user, ExportForm(prefix="export"), form, 400)
    name = user.display_name
    try:
        report = delete_account(user, current_user, remove_posts=form.remove_posts.data)
    except DeletionRefused as refusal:
        form.confirm_email.errors.append(str(refusal))
        return _page(user, ExportForm(prefix="export"), form, 400)
    db.session.commit()
    kept = f"ひろばの投稿 {report.posts_kept} 件は「退会した支援者」として残しました。" if report.posts_kept else ""
    flash(f"{name} さんのアカウントを削除しました（学習の記録 {report.progress} 件、テストの解答 {report.attempts} 件、"
          f"シート {report.sheets} 件、修了証 {report.certificates} 件）。{kept}", "success")
    return redirect(url_for("admin.users"))
