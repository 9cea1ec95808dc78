"""Form pieces shared by every area: Japanese validators and the one-click POST form."""
from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from .passwords import password_problem


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for one-click POST buttons."""


def required(label: str) -> DataRequired:
    """A DataRequired validator whose message names the field in Japanese."""
    return DataRequired(message=f"{label}を入力してください。")


def max_length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"{label}は{limit}文字以内で入力してください。")


def normalise_email(value: str | None) -> str:
    """Emails are compared trimmed and lower-cased."""
    return (value or "").strip().lower()


class StrongPassword:
    """Refuses passwords that the policy in :mod:`elearn.passwords` rejects."""

    def __init__(self, email_field: str | None = None):
        self.email_field = email_field

    def __call__(self, form, field):
        email = ""
        if self.email_field and hasattr(form, self.email_field):
            email = getattr(form, self.email_field).data or ""
        elif getattr(form, "account_email", None):
            email = form.account_email
        problem = password_problem(
            field.data or "", email=email,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            max_length=current_app.config["PASSWORD_MAX_LENGTH"],
        )
        if problem:
            raise ValidationError(problem)


class NewPasswordMixin:
    """Two fields for choosing a new password, checked against the policy."""

    new_password = PasswordField("新しいパスワード", validators=[required("新しいパスワード"), StrongPassword()])
    confirm = PasswordField(
        "新しいパスワード（確認）",
        validators=[required("確認用のパスワード"),
                    EqualTo("new_password", message="確認用のパスワードが一致しません。")],
    )
