"""Roster CSV as Excel writes it: decode, find the columns, check every row. No database here."""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from ..inputs import strip_control_characters
from ..kana import normalise_furigana

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)
#: "東京" and "東京都" both mean 東京都 (the suffix is often left out); "京都" is 京都府.
_PREFECTURE_LOOKUP = {p: p for p in PREFECTURES} | {p[:-1]: p for p in PREFECTURES if p != "北海道"}

FIELDS = ("name", "email", "organisation", "prefecture")
#: Columns a roster may have but need not; without a header they follow FIELDS in this order.
OPTIONAL_FIELDS = ("furigana",)
LABELS = {"name": "氏名", "email": "メールアドレス", "organisation": "所属", "prefecture": "都道府県",
          "furigana": "ふりがな"}
MAX_LENGTHS = {"name": 100, "email": 254, "organisation": 200, "furigana": 100}
_HEADER_ALIASES = {
    "name": ("氏名", "名前", "お名前", "受講者名", "name"),
    "email": ("メールアドレス", "メール", "eメール", "e-mail", "email", "mail", "メールアドレス(ログインid)"),
    "organisation": ("所属", "所属機関", "所属先", "所属機関名", "organisation", "organization"),
    "prefecture": ("都道府県", "都道府県名", "prefecture"),
    "furigana": ("ふりがな", "フリガナ", "よみ", "ヨミ", "よみがな", "ヨミガナ", "読み", "読みがな", "読み仮名",
                 "氏名ふりがな", "氏名フリガナ", "氏名(ふりがな)", "氏名(フリガナ)", "ふりがな(氏名)",
                 "カナ", "氏名カナ", "カナ氏名", "furigana", "kana", "yomi"),
}
HEADER_LOOKUP = {alias: key for key, aliases in _HEADER_ALIASES.items() for alias in aliases}
MAX_ROWS = 10_000
#: A cell longer than this is not a typo but a broken file (typically an unclosed quote that swallowed
#: the following lines): the whole roster is refused, naming the row and column.
MAX_CELL_LENGTH = 1_000
# The csv module's own limit (128 KiB a field) ends in an error naming neither row nor column; cells
# are measured in _row instead, and the whole file is bounded by MAX_CONTENT_LENGTH.
csv.field_size_limit(2**31 - 1)


class RosterError(ValueError):
    """The file as a whole cannot be read (the message is for the organiser, in Japanese)."""


@dataclass
class RosterRow:
    """One data row: its line in the file, the normalised values and what is wrong with it."""

    line: int
    name: str = ""
    email: str = ""
    organisation: str = ""
    prefecture: str = ""
    furigana: str = ""
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"line": self.line, "name": self.name, "email": self.email, "organisation": self.organisation,
                "prefecture": self.prefecture, "furigana": self.furigana, "problems": list(self.problems)}


def decode_roster(data: bytes) -> tuple[str, str]:
    """The text of an uploaded file and the encoding found: UTF-8 (with or without BOM), UTF-16, CP932."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "UTF-8 (BOM付き)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise RosterError("ファイルの文字コードを読み取れませんでした。") from exc
    try:
        return data.decode("utf-8", errors="strict"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932", errors="strict"), "Shift_JIS"
    except UnicodeDecodeError as exc:
        raise RosterError("ファイルの文字コードを判別できませんでした。Excel で「CSV UTF-8（コンマ区切り）」"
                          "または「CSV（コンマ区切り）」として保存し直してください。") from exc


def clean(value: str) -> str:
    """NFKC (full-width letters and digits, half-width kana), no control characters (removed as from
    every request; tabs, line breaks and C1 controls become a space), one space between words, trimmed."""
    text = strip_control_characters(unicodedata.normalize("NFKC", value or ""))
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def normalise_prefecture(value: str) -> str | None:
    """The prefecture's full name, or None if ``value`` is not one."""
    return _PREFECTURE_LOOKUP.get(clean(value).replace(" ", ""))


def check_email(value: str) -> tuple[str, str | None]:
    """The normalised address and a problem (or None)."""
    email = clean(value).replace(" ", "").lower()
    if not email:
        return email, None
    try:
        return validate_email(email, check_deliverability=False).normalized.lower(), None
    except EmailNotValidError:
        return email, "メールアドレスの形式が正しくありません"


def parse_roster(text: str) -> list[RosterRow]:
    """Every data row of a roster with its problems (missing field, invalid email, unknown
    prefecture, too long, duplicate in the file). Raises RosterError when the file is unusable."""
    text = text.lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip().strip(",\t")]
    if not lines:
        raise RosterError("名簿が空です。1行目に見出し（氏名,メールアドレス,所属,都道府県）、2行目から1人1行で入力してください。")
    delimiter = "\t" if lines[0].count("\t") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[str, int] | None = None
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    next_line = 1
    for record in reader:
        line, next_line = next_line, reader.line_num + 1  # its first line: a quoted cell may span several
        if not any(cell.strip() for cell in record):
            continue
        if columns is None:
            columns = _columns(record)
            if columns is not None:
                continue
            columns = {key: index for index, key in enumerate(FIELDS + OPTIONAL_FIELDS)}
        if len(rows) >= MAX_ROWS:
            raise RosterError(f"1回に取り込めるのは{MAX_ROWS:,}人までです。名簿を分けてください。")
        rows.append(_row(line, record, columns, seen))
    if not rows:
        raise RosterError("見出しのほかに行がありません。2行目から1人1行で入力してください。")
    return rows


def _columns(record: list[str]) -> dict[str, int] | None:
    """Column positions from a header row; None when ``record`` is data, not a header."""
    found = {}
    for index, cell in enumerate(record):
        key = HEADER_LOOKUP.get(clean(cell).replace(" ", "").lower())
        if key and key not in found:
            found[key] = index
    if not found:
        return None
    missing = [LABELS[key] for key in FIELDS if key not in found]
    if missing:
        raise RosterError(f"見出し行に「{'」「'.join(missing)}」の列がありません。"
                          "1行目を「氏名,メールアドレス,所属,都道府県」にしてください。")
    return found


def _row(line: int, record: list[str], columns: dict[str, int], seen: dict[str, int]) -> RosterRow:
    raw = {key: record[index] if index < len(record) else "" for key, index in columns.items()}
    for key, value in raw.items():
        if len(value) > MAX_CELL_LENGTH:
            raise RosterError(f"{line}行目の「{LABELS[key]}」が長すぎて（{len(value):,}文字）名簿を読み取れません。"
                              "引用符（\"）が閉じられていないと、後の行まで1つの欄として読まれます。"
                              "その欄を確かめてから、もう一度取り込んでください。")
    return check_row(line, raw, seen)


def check_row(line: int, raw: dict[str, str], seen: dict[str, int] | None = None) -> RosterRow:
    """Normalise one person's values and list their problems; ``seen`` (email -> line) finds duplicates."""
    seen = {} if seen is None else seen
    row = RosterRow(line=line, name=clean(raw.get("name", "")), organisation=clean(raw.get("organisation", "")))
    row.email, email_problem = check_email(raw.get("email", ""))
    raw_prefecture = clean(raw.get("prefecture", ""))
    row.prefecture = normalise_prefecture(raw_prefecture) or raw_prefecture
    row.furigana, furigana_problem = normalise_furigana(clean(raw.get("furigana", "")))
    for key in FIELDS:
        if not getattr(row, key):
            row.problems.append(f"{LABELS[key]}が空欄です")
    for key, limit in MAX_LENGTHS.items():
        if len(getattr(row, key)) > limit:
            row.problems.append(f"{LABELS[key]}が長すぎます（{limit}文字まで）")
    if email_problem:
        row.problems.append(email_problem)
    if raw_prefecture and normalise_prefecture(raw_prefecture) is None:
        row.problems.append("都道府県名が正しくありません")
    if furigana_problem:
        row.problems.append(furigana_problem)
    if row.email and not email_problem:
        if row.email in seen:
            row.problems.append(f"メールアドレスが{seen[row.email]}行目と重複しています")
        else:
            seen[row.email] = line
    return row
