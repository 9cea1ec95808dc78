"""Board forms: every field validated with a Japanese message; text cleaned before it is checked."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import max_length, required
from ..inputs import strip_control_characters
from ..models import REPORT_REASONS
from markupsafe import Markup

from .categories import categories
from .privacy import Finding, find_identifiers, findings_digest, mark_identifiers

TITLE_MAX = 80
BODY_MAX = 5000
REPORT_DETAIL_MAX = 1000
REASON_MAX = 500
REVEAL_REASON_MIN = 10


def clean_text(value: str | None) -> str | None:
    """Unix newlines, no control characters (PostgreSQL refuses NUL), no surrounding blanks."""
    if value is None:
        return None
    return strip_control_characters(value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def clean_line(value: str | None) -> str | None:
    """One line of text: newlines and tabs become spaces."""
    value = clean_text(value)
    return re.sub(r"\s+", " ", value) if value else value


class PrivacyCheckedForm(FlaskForm):
    """A form whose text fields pass the privacy guard or carry the author's confirmation.

    ``privacy_digest`` holds a fingerprint of the findings the author was shown; ticking the box
    confirms exactly those, so text changed after the check is checked again.
    """

    confirm_privacy = BooleanField("個人が特定される情報ではないことを確認しました。このまま投稿します。")
    privacy_digest = HiddenField()

    #: Names of the fields the guard reads (set by each subclass).
    checked_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.findings: dict[str, list[Finding]] = {}

    def passes_privacy_guard(self) -> bool:
        """True when nothing was found, or the author confirmed what they were shown."""
        self.findings = {name: find_identifiers(getattr(self, name).data or "") for name in self.checked_fields}
        self.findings = {name: found for name, found in self.findings.items() if found}
        if not self.findings:
            return True
        digest = findings_digest([f for name in self.checked_fields for f in self.findings.get(name, [])])
        if self.confirm_privacy.data and self.privacy_digest.data == digest:
            return True
        if self.confirm_privacy.data:
            self.confirm_privacy.errors = ["内容が変わったため、もう一度確認してください。"]
        self.privacy_digest.data = digest
        self.confirm_privacy.data = False
        return False

    def marked(self, name: str) -> Markup:
        """The text of field ``name`` as escaped HTML with the findings marked."""
        return mark_identifiers(getattr(self, name).data or "", self.findings.get(name, []))

    @property
    def privacy_confirmed(self) -> bool:
        """The post is saved with findings the author confirmed."""
        return bool(self.findings)


def chosen(label: str) -> DataRequired:
    """DataRequired for a select: 「…を選んでください。」"""
    return DataRequired(message=f"{label}を選んでください。")


def _title_field() -> StringField:
    return StringField("タイトル", filters=[clean_line], render_kw={"data-maxlength": TITLE_MAX},
                       validators=[required("タイトル"), max_length("タイトル", TITLE_MAX)])


def _body_field(label: str = "本文") -> TextAreaField:
    return TextAreaField(label, filters=[clean_text], render_kw={"data-maxlength": BODY_MAX, "rows": 10},
                         validators=[required(label), max_length(label, BODY_MAX)])


_ANONYMOUS_LABEL = "匿名で投稿する（名前は誰にも表示されません）"


class ThreadForm(PrivacyCheckedForm):
    """Start a thread: category, title, the first post, and whether to post anonymously."""

    category = SelectField("カテゴリ", validators=[chosen("カテゴリ")], validate_choice=False)
    title = _title_field()
    body = _body_field()
    anonymous = BooleanField(_ANONYMOUS_LABEL)
    checked_fields = ("title", "body")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", "選んでください")] + [
            SelectChoice(c.slug, c.title) for c in categories().values()]

    def validate_category(self, field) -> None:
        if field.data not in categories():
            raise ValidationError("カテゴリを一覧から選んでください。")


class ReplyForm(PrivacyCheckedForm):
    """Reply to a thread."""

    body = _body_field("返信")
    anonymous = BooleanField(_ANONYMOUS_LABEL)
    checked_fields = ("body",)


class EditPostForm(PrivacyCheckedForm):
    """Edit one's post (anonymity cannot change: a name once shown cannot be taken back)."""

    body = _body_field()
    checked_fields = ("body",)


class EditThreadForm(EditPostForm):
    """Edit the opening post of one's thread, title included."""

    title = _title_field()
    checked_fields = ("title", "body")


class ReportForm(FlaskForm):
    """Report a post to the moderators."""

    reason = SelectField("通報の理由", choices=[SelectChoice("", "選んでください")]
                         + [SelectChoice(value, label) for value, label in REPORT_REASONS.items()],
                         validators=[chosen("通報の理由")], validate_choice=False)
    detail = TextAreaField("補足（任意）", filters=[clean_text],
                           validators=[Optional(), max_length("補足", REPORT_DETAIL_MAX)])

    def validate_reason(self, field) -> None:
        if field.data not in REPORT_REASONS:
            raise ValidationError("通報の理由を一覧から選んでください。")

    def validate(self, extra_validators=None) -> bool:
        """「その他」 needs a word of explanation (checked here: Optional() ends the field's own chain)."""
        valid = super().validate(extra_validators)
        if self.reason.data == "other" and not self.detail.data:
            self.detail.errors = [*self.detail.errors, "「その他」を選んだ場合は、補足を入力してください。"]
            return False
        return valid


class ModerationForm(FlaskForm):
    """A moderation action with an optional reason (logged)."""

    reason = TextAreaField("理由（記録に残ります）", filters=[clean_text],
                           validators=[Optional(), max_length("理由", REASON_MAX)])


class HideForm(FlaskForm):
    """Hiding a post needs a reason (logged, and shown to the author)."""

    reason = TextAreaField("非表示にする理由（記録に残り、投稿者にも表示されます）", filters=[clean_text],
                           validators=[required("非表示にする理由"), max_length("理由", REASON_MAX)])


class RevealForm(FlaskForm):
    """「投稿者を確認」: an admin states why (logged)."""

    reason = TextAreaField("確認する理由（記録に残ります）", filters=[clean_text], validators=[
        required("確認する理由"),
        Length(min=REVEAL_REASON_MIN, max=REASON_MAX,
               message=f"確認する理由は{REVEAL_REASON_MIN}文字以上{REASON_MAX}文字以内で入力してください。")])
