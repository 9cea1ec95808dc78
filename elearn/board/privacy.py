"""The privacy guard: find likely personal identifiers of clients in a post before it is saved.

Pure functions, no Flask. :func:`find_identifiers` returns the spans that look like a phone number,
an email address, a postal code, a street address (丁目・番地・番・号) or a person's name followed
by an exact age; :func:`mark_identifiers` returns the post as escaped HTML with those spans in
``<mark>``. The author then removes them or confirms that nobody can be identified.

It is a safety net, not a filter: it finds what has a recognisable shape. It cannot know that
「〇〇町の元教員の長男」 identifies someone, and it does not flag ages without a name (「40代の男性」
「20歳のころ」), place names (「大分県の取組」), years (「令和3年度」) or figures (「146万人」).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

KINDS = {
    "phone": "電話番号",
    "email": "メールアドレス",
    "postal": "郵便番号",
    "address": "番地などの住所",
    "name_age": "氏名と年齢",
}


@dataclass(frozen=True)
class Finding:
    """One span of the original text that looks like a personal identifier."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]


# --- Normalisation: one character for one character, so offsets stay those of the original text. ---

_FULL_WIDTH_ASCII = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}  # ！…～ → !…~
_WIDTH = str.maketrans({**_FULL_WIDTH_ASCII, "\u3000": " ", **dict.fromkeys("‐‑‒–—―−ｰ", "-")})
_LONG_VOWEL_BETWEEN_DIGITS = re.compile(r"(?<=\d)ー(?=\d)")


def normalise(text: str) -> str:
    """Full-width digits, letters and dashes to ASCII, keeping every offset."""
    text = text.translate(_WIDTH)
    return _LONG_VOWEL_BETWEEN_DIGITS.sub("-", text)


# --- Patterns (run on the normalised text). ---
#
# Linear time: a pattern that begins with an unbounded run (``\d+``, kanji numerals, an email's local
# part) only starts where such a run starts (a negative lookbehind). From inside the run it would rescan
# the rest of it and fail the same way, at every position: 5,000 digits cost a second.

_NOT_BEFORE_NUMBER = r"(?<![0-9A-Za-z+\-.])"
_NOT_AFTER_NUMBER = r"(?![0-9A-Za-z]|-\d)"
#: Units after a number mean a figure (「100-1000人」), not a postal code or block number.
_UNIT = r"(?:人|名|円|件|年|歳|才|万|千|億|%|％|回|割|倍|時間|分|秒|か月|ヶ月|カ月|ケ月|日|週|冊|枚|本|個|点|世帯|km|m)"

PHONE = re.compile(
    _NOT_BEFORE_NUMBER
    + r"(?:\+81[ -]?(?:\(0\))?|\(?0)\d{1,4}\)?[ -]?\(?\d{1,4}\)?[ -]?\d{3,4}"
    + _NOT_AFTER_NUMBER
)
_EMAIL_AT = re.compile(
    r"[A-Za-z0-9._%+\-]+(?:@|\s?[(\[]at[)\]]\s?)[A-Za-z0-9\-]+(?:(?:\.|\s?[(\[]dot[)\]]\s?)[A-Za-z0-9\-]+)+"
)
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])" + _EMAIL_AT.pattern)
POSTAL = re.compile(
    r"(?:〒|郵便番号[:\s]*)\s?\d{3}-?\d{4}(?!\d)"
    + r"|" + _NOT_BEFORE_NUMBER + r"\d{3}-\d{4}" + _NOT_AFTER_NUMBER + r"(?!\s?" + _UNIT + r")"
)
_NUM = r"(?:(?<!\d)\d+|(?<![一二三四五六七八九十])[一二三四五六七八九十]+)"
ADDRESS = re.compile(
    # 3丁目 / 三丁目5番地 / 1丁目2番3号 / 1丁目2-3
    _NUM + r"丁目(?:\s?\d+(?:番地?|-)(?:\s?\d+(?:号|-\d+)?)?)?"
    # 12番地 / 12番地の3 / 5番2号
    + r"|" + _NUM + r"番地(?:の?\d+)?|(?<!\d)\d+番\d+号"
    # 本町2-3-4, 中央区1-2 (a place name, then block numbers)
    + r"|[一-龥々ヶケ]{0,6}[町村区市丁条通]\s?\d+-\d+(?:-\d+){0,2}" + _NOT_AFTER_NUMBER + r"(?!\s?" + _UNIT + r")"
    # 霞が関1-2-2 (丁目-番-号 written with hyphens, right after a place name)
    + r"|(?<=[一-龥々ヶケ])(?<!第)\d{1,2}-\d{1,3}-\d{1,4}" + _NOT_AFTER_NUMBER + r"(?!\s?" + _UNIT + r")"
    # 203号室
    + r"|(?<!\d)\d+号室"
)

_KANJI = r"[一-龥々〆ヵヶ]"
_HONORIFIC = r"(?:さん|くん|君|ちゃん|様|さま|氏|殿)"
_AGE = (
    r"(?:\(\s?(?:\d{1,3}|[一二三四五六七八九十]{1,4})\s?(?:歳|才)?\s?\)"
    r"|(?:\d{1,3}|[一二三四五六七八九十]{1,4})\s?(?:歳|才))"
)
_BETWEEN = r"\s?(?:[、,:]|は|が)?\s?(?:当時|現在|満)?\s?"

#: Common Japanese surnames (two kanji or more: one-kanji ones such as 原 are also ordinary words).
SURNAMES = """
佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邉 渡邊 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 斎藤 斉藤
清水 山崎 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本
福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田
柴田 酒井 工藤 横山 宮崎 宮本 内田 高木 安藤 島田 谷口 大野 高田 丸山 今井 河野 藤本 村田 武田 上野
杉山 増田 小山 平野 大塚 千葉 久保 松井 小島 岩崎 桜井 野口 松尾 野村 木下 菊地 菊池 佐野 大西 杉本
新井 浜田 菅原 市川 水野 小松 山内 西田 五十嵐 北村 安田 中田 川口 平田 川崎 飯田 吉川 本田 久保田
沢田 吉村 渡部 岩田 中西 服部 樋口 福島 川上 永井 松岡 田口 山中 森本 土屋 矢野 広瀬 秋山 石原 松下
大橋 松浦 吉岡 小池 馬場 浅野 荒木 大久保 野田 小沢 田辺 川村 星野 黒田 尾崎 望月 永田 熊谷 内藤
松村 西山 大谷 平井 大島 岩本 片山 本間 早川 横田 岡崎 荒井 大石 鎌田 成田 宮田 小田 石橋 篠原 須藤
河合 大川 高野 小西 宮下 比嘉 金城 大城 宮城 上原 新垣 玉城 佐久間 菅野 千田 及川 三上 木内 高山
""".split()
_SURNAME = "(?:" + "|".join(sorted(SURNAMES, key=len, reverse=True)) + ")"
_GIVEN = r"(?:" + _KANJI + r"{1,3}|[ぁ-ゖ]{2,4}|[ァ-ヺー]{2,5})"

NAME_AGE = re.compile(
    # 山田太郎さん（34歳） / 山田 花子 45歳 / 佐藤さん、34歳  (a common surname)
    r"(?P<known>" + _SURNAME + r"(?:\s?(?P<given>" + _GIVEN + r"))?(?P<hon>" + _HONORIFIC + r")?)"
    + _BETWEEN + _AGE
    # 東海林太郎さん（34歳）  (three kanji or more, then an honorific)
    + r"|(?<!" + _KANJI + r")(?P<long>" + _KANJI + r"{3,6})" + _HONORIFIC + _BETWEEN + _AGE
    # 鈴木 花子 45歳  (family and given name separated by a space)
    + r"|(?<!" + _KANJI + r")(?P<family>" + _KANJI + r"{1,4}) (?P<first>" + _KANJI + r"{1,3})"
    + _HONORIFIC + r"?" + _BETWEEN + _AGE
    # ヤマダ タロウ（34歳） / Taro Yamada (34)
    + r"|[ァ-ヺー]{2,6}[ ・][ァ-ヺー]{2,6}" + _HONORIFIC + r"?" + _BETWEEN + _AGE
    + r"|[A-Z][a-z]{1,15} [A-Z][a-z]{1,15}" + _BETWEEN + _AGE
)

#: Words that end a kanji run which is a role or relation, not a name (担当者, 相談員, 長男, 父親 …).
_ROLE_ENDINGS = set("者員長親族師士生性人方男女父母兄弟姉妹夫妻婦嫁婿孫医様官家")
#: First characters that make the "given name" part a place: 石川県, 中野区, 福島市.
_PLACE_STARTS = set("県市町村区都府郡道")


def _is_name(match: re.Match) -> bool:
    """Reject runs that are roles, relations or places rather than names."""
    if match.group("known"):
        given, honorific = match.group("given"), match.group("hon")
        if given and given[0] in _PLACE_STARTS:
            return False
        return bool(given or honorific)
    if match.group("long"):
        return match.group("long")[-1] not in _ROLE_ENDINGS
    if match.group("family"):
        family, first = match.group("family"), match.group("first")
        return not ({family[-1], first[-1]} & _ROLE_ENDINGS or first[0] in _PLACE_STARTS
                    or family[-1] in _PLACE_STARTS)
    return True


def _valid_phone(number: str) -> bool:
    """Japanese numbers: 10 digits (landline, 0120) or 11 (mobile, IP, 0800); +81 without the 0."""
    digits = re.sub(r"\D", "", number)
    if number.startswith("+81"):
        national = digits[2:].removeprefix("0")
        return len(national) in (9, 10)
    if digits.startswith("00"):
        return False
    if len(digits) == 11:
        return digits[:3] in {"050", "070", "080", "090"} or digits.startswith("0800")
    return len(digits) == 10


def _emails(text: str):
    """The matches of ``_EMAIL_AT.finditer``, in linear time.

    EMAIL starts only where a run of address characters starts; right after a match that ended inside
    such a run (「a@b.jp_c@d.jp」) ``finditer`` tries that position first, and so does this.
    """
    match = EMAIL.search(text)
    while match:
        yield match
        match = _EMAIL_AT.match(text, match.end()) or EMAIL.search(text, match.end())


_CHECKS = (
    ("email", _emails, None),
    ("phone", PHONE.finditer, lambda m: _valid_phone(m.group())),
    ("postal", POSTAL.finditer, None),
    ("address", ADDRESS.finditer, None),
    ("name_age", NAME_AGE.finditer, _is_name),
)


def find_identifiers(text: str) -> list[Finding]:
    """Every span of ``text`` that looks like a personal identifier, in order, never overlapping."""
    normalised = normalise(text or "")
    candidates = []
    for kind, matches, accept in _CHECKS:
        for match in matches(normalised):
            if accept is None or accept(match):
                start, end = match.span()
                candidates.append(Finding(kind, start, end, text[start:end].strip()))
    candidates.sort(key=lambda f: (f.start, -(f.end - f.start)))
    findings: list[Finding] = []
    for finding in candidates:
        if not findings or finding.start >= findings[-1].end:
            findings.append(finding)
    return findings


def mark_identifiers(text: str, findings: list[Finding]) -> Markup:
    """``text`` as escaped HTML with each finding wrapped in ``<mark>`` and named for screen readers."""
    parts: list[str] = []
    position = 0
    for finding in findings:  # plain joins: Markup.format costs ~10 µs a finding, and a post can hold 1,000s
        parts += (escape(text[position:finding.start]), '<mark class="privacy-mark"><span class="visually-hidden">（',
                  escape(finding.label), "の可能性）</span>", escape(text[finding.start:finding.end]), "</mark>")
        position = finding.end
    parts.append(escape(text[position:]))
    return Markup("".join(parts))


def findings_digest(findings: list[Finding]) -> str:
    """A short fingerprint of what was found, so a confirmation covers exactly what the author saw."""
    joined = "\n".join(f"{f.kind}:{f.text}" for f in findings)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]
