"""The platform registration form (admins)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from ..forms import max_length, required


class HttpsUrl:
    """An absolute https URL (http only for localhost, for trials on one machine)."""

    def __call__(self, form, field):
        value = (field.data or "").strip()
        if not value:
            return
        parts = urlsplit(value)
        local = parts.hostname in ("localhost", "127.0.0.1")
        if not parts.netloc or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
            raise ValidationError(f"{field.label.text}は https:// で始まるURLで入力してください。")
        field.data = value


def _deployments(form, field):
    text = "\n".join(field.data) if isinstance(field.data, (list, tuple)) else (field.data or "")  # from obj=
    ids = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
    if not ids:
        raise ValidationError("デプロイメントIDを1つ以上入力してください（1行に1つ）。")
    if any(len(i) > 255 for i in ids):
        raise ValidationError("デプロイメントIDは1つ255文字以内で入力してください。")
    field.data = "\n".join(dict.fromkeys(ids))


class PlatformForm(FlaskForm):
    """What an admin copies from the platform's tool registration page."""

    name = StringField("名前（例：○○県 Moodle）", validators=[required("名前"), max_length("名前", 200)])
    issuer = StringField("発行者（Issuer / Platform ID）", validators=[required("発行者"), max_length("発行者", 500)])
    client_id = StringField("クライアントID", validators=[required("クライアントID"), max_length("クライアントID", 255)])
    deployment_ids = TextAreaField("デプロイメントID（1行に1つ）", validators=[_deployments])
    key_set_url = StringField("公開鍵セットURL（Public keyset URL）",
                              validators=[required("公開鍵セットURL"), max_length("公開鍵セットURL", 1000), HttpsUrl()])
    auth_login_url = StringField("認証リクエストURL（Authentication request URL）",
                                 validators=[required("認証リクエストURL"), max_length("認証リクエストURL", 1000), HttpsUrl()])
    auth_token_url = StringField("アクセストークンURL（Access token URL）",
                                 validators=[required("アクセストークンURL"), max_length("アクセストークンURL", 1000), HttpsUrl()])
    auth_audience = StringField("トークンの audience（空欄ならアクセストークンURL）",
                                validators=[Optional(), max_length("audience", 1000)])
    trust_email = BooleanField("プラットフォームが伝えるメールアドレスで既存のアカウントと結び付ける")
