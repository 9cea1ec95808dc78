"""Organiser forms, every message in Japanese."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import (BooleanField, DateField, EmailField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import db
from ..forms import max_length, normalise_email, required
from ..kana import normalise_furigana
from ..models import COHORT_CURRICULA, Role, User
from ..permissions import is_organiser
from .roster import PREFECTURES

MAX_DAYS = 20
MAX_CAPACITY = 10_000


def parse_date(text: str) -> date:
    """2026-09-26, 2026/9/26 or 2026年9月26日 (full-width digits too); ValueError otherwise."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    match = re.fullmatch(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?", text)
    if not match:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))


class _ParsedInput:
    """A text input parsed by ``parse``; an unreadable value gets ``problem`` (Japanese) as its error."""

    problem = "{label}を入力し直してください。"

    def parse(self, text: str):
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = self.parse(valuelist[0])
            except ValueError:
                raise ValueError(self.problem.format(label=self.label.text)) from None


class JapaneseDateField(_ParsedInput, DateField):
    """A date input (2026-09-26, 2026/9/26 or 2026年9月26日)."""

    problem = "{label}は 2026-09-26 の形式で入力してください。"

    def parse(self, text: str) -> date:
        return parse_date(text)


class JapaneseIntegerField(_ParsedInput, IntegerField):
    """A whole-number input (full-width digits accepted)."""

    problem = "{label}は半角数字で入力してください。"

    def parse(self, text: str) -> int:
        return int(unicodedata.normalize("NFKC", text).strip())


def choose_again(label: str) -> str:
    return f"{label}を選び直してください。"


class CheckboxesField(SelectMultipleField):
    """Checkboxes for a multiple choice of integer ids."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(choose_again(self.label.text)) from None


class CohortForm(FlaskForm):
    name = StringField("研修名", validators=[required("研修名"), max_length("研修名", 200)])
    curriculum = SelectField("研修課程", choices=[SelectChoice(key, label) for key, label in COHORT_CURRICULA.items()],
                             invalid_choice_message=choose_again("研修課程"))
    opens_on = JapaneseDateField("受講期間の開始日", validators=[InputRequired("受講期間の開始日を入力してください。")])
    closes_on = JapaneseDateField("受講期限（受講期間の終了日）",
                                  validators=[InputRequired("受講期限を入力してください。")])
    days = TextAreaField("集合研修日（1行に1日）")
    venue = StringField("会場", validators=[max_length("会場", 200)])
    online = BooleanField("オンラインで開催する")
    capacity = JapaneseIntegerField("定員", validators=[
        InputRequired("定員を入力してください。"),
        NumberRange(min=1, max=MAX_CAPACITY, message=f"定員は1〜{MAX_CAPACITY:,}人で入力してください。")])
    required_modules = CheckboxesField("必修教材", coerce=int, validators=[Optional()],
                                       invalid_choice_message=choose_again("必修教材"))
    organisers = TextAreaField("担当者のメールアドレス（1行に1人）", validators=[required("担当者のメールアドレス")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parsed_days: list[date] = []
        self.organiser_users: list[User] = []

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError("受講期限は開始日と同じか、それより後の日にしてください。")

    def validate_days(self, field):
        self.parsed_days, wrong = [], []
        for line in (field.data or "").splitlines():
            if not line.strip():
                continue
            try:
                self.parsed_days.append(parse_date(line))
            except ValueError:
                wrong.append(line.strip()[:30])
        if wrong:
            raise ValidationError(f"日付として読み取れません：{'、'.join(wrong)}（2026-09-26 の形式で1行に1日）")
        self.parsed_days = sorted(set(self.parsed_days))
        if len(self.parsed_days) > MAX_DAYS:
            raise ValidationError(f"集合研修日は{MAX_DAYS}日までです。")
        if self.opens_on.data and any(day < self.opens_on.data for day in self.parsed_days):
            raise ValidationError("集合研修日に受講期間の開始日より前の日があります。")

    def validate_venue(self, field):
        if not (field.data or "").strip() and not self.online.data:
            raise ValidationError("会場を入力するか、「オンラインで開催する」を選んでください。")

    def validate_organisers(self, field):
        emails = list(dict.fromkeys(normalise_email(line) for line in (field.data or "").splitlines() if line.strip()))
        if len(emails) > 50:
            raise ValidationError("担当者は50人までです。")
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails or [""])))}
        unknown = [e for e in emails if e not in users]
        not_organisers = [e for e in emails if e in users and (not is_organiser(users[e]) or not users[e].active)]
        if unknown:
            raise ValidationError(f"登録されていないメールアドレスです：{'、'.join(unknown)}")
        if not_organisers:
            raise ValidationError(f"研修担当または管理者の有効なアカウントではありません：{'、'.join(not_organisers)}")
        if not emails:
            raise ValidationError("担当者のメールアドレスを入力してください。")
        self.organiser_users = [users[e] for e in emails]


class ParticipantForm(FlaskForm):
    name = StringField("氏名", validators=[required("氏名"), max_length("氏名", 100)])
    furigana = StringField("ふりがな（任意）", validators=[max_length("ふりがな", 100)])
    email = EmailField("メールアドレス", validators=[
        required("メールアドレス"), max_length("メールアドレス", 254),
        Email(message="メールアドレスの形式が正しくありません。", check_deliverability=False)])
    organisation = StringField("所属", validators=[required("所属"), max_length("所属", 200)])
    prefecture = SelectField("都道府県",
                             choices=[SelectChoice("", "選んでください")] + [SelectChoice(p, p) for p in PREFECTURES],
                             validators=[InputRequired("都道府県を選んでください。")],
                             invalid_choice_message=choose_again("都道府県"))

    def validate_furigana(self, field) -> None:
        """Hiragana or katakana (full or half width) only; it is stored as hiragana."""
        problem = normalise_furigana(field.data)[1]
        if problem:
            raise ValidationError(problem + "。")


class RosterForm(FlaskForm):
    file = FileField("CSVファイル")
    text = TextAreaField("または、ここに貼り付け（Excel の表をコピーして貼り付けても構いません）")

    @property
    def upload(self):
        """The uploaded file, or None when none was chosen."""
        data = self.file.data
        return data if getattr(data, "filename", "") else None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.upload is None and not (self.text.data or "").strip():
            self.file.errors = list(self.file.errors) + ["CSVファイルを選ぶか、名簿を貼り付けてください。"]
            return False
        return True


def organiser_role_note() -> str:
    """Shown under the organisers field."""
    return f"「{Role.ORGANISER.label}」または「{Role.ADMIN.label}」の役割を持つアカウントのメールアドレス。"


class GroupSizeForm(FlaskForm):
    """The sizes a proposal aims for (e.g. 5–7 people a group)."""

    smallest = JapaneseIntegerField("1グループの人数（下限）", validators=[InputRequired("人数を入力してください。"),
                                                                   NumberRange(2, 30, "2〜30人で入力してください。")])
    largest = JapaneseIntegerField("1グループの人数（上限）", validators=[InputRequired("人数を入力してください。"),
                                                                  NumberRange(2, 30, "2〜30人で入力してください。")])

    def validate_largest(self, field) -> None:
        if self.smallest.data is not None and field.data is not None and field.data < self.smallest.data:
            raise ValidationError("上限は下限以上にしてください。")


class CopyGroupsForm(FlaskForm):
    """Another day of the cohort whose groups to copy."""

    source = SelectField("コピー元の日", coerce=int, validators=[InputRequired("コピー元の日を選んでください。")],
                         invalid_choice_message=choose_again("コピー元の日"))


class CertificateSettingsForm(FlaskForm):
    """How a cohort's 修了証 names itself and its issuer."""

    title = StringField("表題", validators=[required("表題"), max_length("表題", 40)])
    issuer = StringField("発行者名", validators=[required("発行者名"), max_length("発行者名", 200)])
    issuer_title = StringField("発行者の職名・氏名（任意）", validators=[max_length("発行者の職名・氏名", 200)])
    seal = BooleanField("公印を押す欄を印刷する")


class ReminderSettingsForm(FlaskForm):
    """A cohort's automatic reminders."""

    enabled = BooleanField("自動リマインドを送る")
    days_before_close = StringField("受講期間の終了の何日前に送るか（半角数字をカンマ区切り）", default="7,1")
    day_before_in_person = BooleanField("集合研修日の前日に送る", default=True)

    def validate_days_before_close(self, field) -> None:
        parts = [part.strip() for part in unicodedata.normalize("NFKC", field.data or "").replace("、", ",").split(",")
                 if part.strip()]
        if not parts or not all(part.isdigit() and 1 <= int(part) <= 60 for part in parts) or len(parts) > 5:
            raise ValidationError("1〜60の日数を、カンマ区切りで5つまで入力してください（例：7,1）。")
        field.data = ",".join(str(n) for n in sorted({int(p) for p in parts}, reverse=True))
