"""Japanese names as people type them: ふりがな in hiragana, and the one folding every name search uses.

``fold`` is the single place where text is made comparable for search: NFKC (full-width letters and
digits, half-width kana), lower case, katakana as hiragana, common variant kanji of names as their
usual form (髙→高, 﨑→崎, 齋/齊→斎, 邊/邉→辺, 濵/濱→浜 …) and no spaces. The stored
``users.search_key`` and every search query go through it, so a search is one substring match.
"""
from __future__ import annotations

import re
import unicodedata

#: Variant (異体字・旧字) kanji of names and the form they are searched as. NFKC already folds the
#: compatibility ideographs that have a decomposition (塚 U+FA10 → 塚, 﨔 …); these have none.
VARIANT_KANJI = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "碕": "崎",
    "齋": "斎", "齊": "斎", "斉": "斎", "齎": "斎",
    "邊": "辺", "邉": "辺",
    "濵": "浜", "濱": "浜",
    "德": "徳", "\ufa10": "塚", "𠮷": "吉", "栁": "柳", "國": "国", "澤": "沢", "廣": "広", "櫻": "桜",
    "嶋": "島", "嶌": "島", "峯": "峰", "冨": "富", "眞": "真", "惠": "恵", "瀨": "瀬", "壽": "寿",
    "實": "実", "藏": "蔵", "淺": "浅", "來": "来", "彌": "弥", "與": "与", "增": "増", "條": "条",
    "槇": "槙", "藪": "薮", "龍": "竜", "禮": "礼", "舘": "館", "萬": "万", "乘": "乗", "驒": "騨",
}
_VARIANTS = str.maketrans(VARIANT_KANJI)
#: Katakana ァ (U+30A1) … ヶ (U+30F6) and their hiragana ぁ (U+3041) … ゖ (U+3096).
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_FURIGANA = re.compile(r"[\u3041-\u3096\u309b\u309cー・ ]+")
#: Separates the fields inside ``search_key``; a folded query never holds one, so no match spans two.
KEY_SEPARATOR = "\n"


def nfkc(text: str | None) -> str:
    """NFKC with runs of white space as one space, trimmed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def to_hiragana(text: str | None) -> str:
    """Katakana (full or half width) as hiragana; everything else as NFKC leaves it."""
    return nfkc(text).translate(_KATAKANA_TO_HIRAGANA)


def normalise_furigana(text: str | None) -> tuple[str, str | None]:
    """ふりがな as stored (hiragana, NFKC, one space between words) and a problem (Japanese) or None."""
    value = to_hiragana(text)
    if value and not _FURIGANA.fullmatch(value):
        return value, "ふりがなはひらがなかカタカナで入力してください"
    return value, None


def fold(text: str | None) -> str:
    """``text`` as searched: NFKC, lower case, katakana as hiragana, variant kanji folded, no spaces."""
    value = unicodedata.normalize("NFKC", text or "").lower().translate(_KATAKANA_TO_HIRAGANA)
    return re.sub(r"\s+", "", value.translate(_VARIANTS))


def search_key(*fields: str | None) -> str:
    """The folded fields of a person, separated so that a match never spans two of them."""
    return KEY_SEPARATOR.join(fold(field) for field in fields)


def sort_name(furigana: str | None, display_name: str | None) -> str:
    """The name people are listed by (あいうえお order): the ふりがな when there is one, else the name.

    ``User.sort_name`` is the same rule in SQL; both databases compare code points (SQLite's BINARY,
    PostgreSQL's C.UTF-8), so hiragana sort in 五十音 order and Python agrees with the database.
    """
    return furigana or display_name or ""
