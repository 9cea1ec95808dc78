"""Forms for signing in and choosing passwords."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import Email, ValidationError

from ..forms import NewPasswordMixin, max_length, required


class LoginForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[
        required("メールアドレス"), max_length("メールアドレス", 254),
        Email(message="メールアドレスの形式が正しくありません。", check_deliverability=False)])
    password = PasswordField("パスワード", validators=[required("パスワード"), max_length("パスワード", 1024)])
    next = StringField()


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField("現在のパスワード", validators=[required("現在のパスワード")])


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    """Used from a one-time link; ``account_email`` is set by the view for the policy check."""

    account_email = ""


class ForgotPasswordForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[
        required("メールアドレス"), max_length("メールアドレス", 254),
        Email(message="メールアドレスの形式が正しくありません。", check_deliverability=False)])


#: Where an organiser may choose to land after signing in.
LANDINGS = {"organiser": "研修管理", "dashboard": "ダッシュボード（受講者としての学習）"}


class LandingForm(FlaskForm):
    """An organiser's choice of the page signing in leads to."""

    landing = StringField("ログイン後に開くページ")  # radios drawn by auth/_landing.html from LANDINGS
    next = HiddenField()

    def validate_landing(self, field) -> None:
        if field.data not in LANDINGS:
            raise ValidationError("ログイン後に開くページを選んでください。")
