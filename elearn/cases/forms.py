"""The 事例検討シート form."""
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from ..forms import max_length
from ..models import SHEET_FIELDS

SHEET_FIELD_LIMIT = 4000

SHEET_HINTS = {
    "issues": "事例を読んで気づいた課題を、本人・家族・環境に分けて書いてみましょう。",
    "assessment": "なぜそうなっているのか、今の時点での仮説（見立て）を書きましょう。",
    "partners": "どの機関・誰と連携し、それぞれ何を担うか。",
    "next_step": "明日からできる、小さな一歩は何か。",
    "own_area": "自分の地域・職場だったら、何が使えて何が足りないか。",
}


class SheetForm(FlaskForm):
    """Five free-text fields; each may be left empty while drafting."""

    issues = TextAreaField(SHEET_FIELDS["issues"], validators=[max_length(SHEET_FIELDS["issues"], SHEET_FIELD_LIMIT)])
    assessment = TextAreaField(SHEET_FIELDS["assessment"],
                               validators=[max_length(SHEET_FIELDS["assessment"], SHEET_FIELD_LIMIT)])
    partners = TextAreaField(SHEET_FIELDS["partners"],
                             validators=[max_length(SHEET_FIELDS["partners"], SHEET_FIELD_LIMIT)])
    next_step = TextAreaField(SHEET_FIELDS["next_step"],
                              validators=[max_length(SHEET_FIELDS["next_step"], SHEET_FIELD_LIMIT)])
    own_area = TextAreaField(SHEET_FIELDS["own_area"],
                             validators=[max_length(SHEET_FIELDS["own_area"], SHEET_FIELD_LIMIT)])

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in SHEET_FIELDS}

    def is_empty(self) -> bool:
        return not any(value.strip() for value in self.values().values())
