"""The privacy guard: what it catches, what it leaves alone, and how it marks what it found."""
from __future__ import annotations

import html
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elearn.board.privacy import KINDS, Finding, find_identifiers, findings_digest, mark_identifiers, normalise


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_identifiers(text)]


@pytest.mark.parametrize("text, expected", [
    ("携帯は090-1234-5678です", ("phone", "090-1234-5678")),
    ("０９０ー１２３４ー５６７８に電話", ("phone", "０９０ー１２３４ー５６７８")),
    ("自宅 03-1234-5678", ("phone", "03-1234-5678")),
    ("(03)1234-5678", ("phone", "(03)1234-5678")),
    ("03(1234)5678", ("phone", "03(1234)5678")),
    ("番号は0312345678", ("phone", "0312345678")),
    ("09012345678", ("phone", "09012345678")),
    ("0120-123-456", ("phone", "0120-123-456")),
    ("+81-90-1234-5678", ("phone", "+81-90-1234-5678")),
    ("連絡先 yamada.taro@example.jp まで", ("email", "yamada.taro@example.jp")),
    ("ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ", ("email", "ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ")),
    ("taro (at) example (dot) com", ("email", "taro (at) example (dot) com")),
    ("〒123-4567 ○○市", ("postal", "〒123-4567")),
    ("〒1234567", ("postal", "〒1234567")),
    ("住所は123-4567の", ("postal", "123-4567")),
    ("郵便番号 1234567", ("postal", "郵便番号 1234567")),
    ("中央町1丁目2番3号に住む", ("address", "1丁目2番3号")),
    ("三丁目のアパート", ("address", "三丁目")),
    ("2丁目5-3", ("address", "2丁目5-3")),
    ("12番地の3", ("address", "12番地の3")),
    ("5番2号", ("address", "5番2号")),
    ("本町2-3-4の家", ("address", "本町2-3-4")),
    ("霞が関1-2-2", ("address", "1-2-2")),
    ("203号室", ("address", "203号室")),
    ("山田太郎さん（34歳）が来所", ("name_age", "山田太郎さん（34歳）")),
    ("鈴木花子 45歳", ("name_age", "鈴木花子 45歳")),
    ("山田 花子（45）", ("name_age", "山田 花子（45）")),
    ("佐藤さん、34歳", ("name_age", "佐藤さん、34歳")),
    ("東海林太郎さん(34歳)", ("name_age", "東海林太郎さん(34歳)")),
    ("ヤマダ タロウ（34歳）", ("name_age", "ヤマダ タロウ（34歳）")),
    ("Taro Yamada (34)", ("name_age", "Taro Yamada (34)")),
    ("利用者の高橋一郎さんは当時34歳で", ("name_age", "高橋一郎さんは当時34歳")),
    ("渡辺はなこさん 20歳", ("name_age", "渡辺はなこさん 20歳")),
    ("山田太郎（三十四歳）", ("name_age", "山田太郎（三十四歳）")),
])
def test_detects_identifiers(text, expected):
    """Each kind of identifier is found, in full- and half-width forms, with its exact span."""
    assert kinds(text) == [expected]


@pytest.mark.parametrize("text", [
    "40代の男性が、母親に連れられて来所した。",
    "20歳のころから外に出られなくなったそうです。",
    "大分県の取組を参考に、居場所づくりを始めました。",
    "函館市の事例検討に参加しました。",
    "令和3年度から相談窓口を設置しています。",
    "本人と会えるまで1～2年がかりでした。",
    "推計146万人という数字に驚きました。",
    "約146万人（15～64歳の2%）",
    "Aさん（34歳）は、家族以外と話さない。",
    "息子さん（34歳）について、母親から相談があった。",
    "長男（40歳）と両親の三人暮らし。",
    "当時20歳だった本人は、現在35歳です。",
    "母親 70歳、父親 75歳。",
    "2020-2021年に訪問を重ねた。",
    "1番大切なのは、焦らないことだと思います。",
    "平成21年からセンターが設置されています。",
    "原則として6か月以上。",
    "3か月以上続いている",
    "相談件数は100-1000人規模",
    "石川県 30歳の男性",
    "中野区 40歳の方",
    "福島市在住30歳",
    "支援者 男性 45歳",
    "中学2年生（14歳）",
    "高校生（17歳）のころ",
    "太郎さん（34歳）",
    "お母さん（60歳）",
    "相談員さん（40歳）",
    "主治医さん（50歳）",
    "原則20歳以上",
    "令和5年度 35百万円 (15百万円)",
    "電話で相談を受けた",
    "2024-03-15に訪問",
    "第1-2回の研修",
    "市町村の1-2割",
    "8050問題",
    "第3-2-1項",
    "午後3時-5時",
    "1日2-3回",
])
def test_leaves_ordinary_talk_alone(text):
    """Ages without a name, places, years and figures are not flagged."""
    assert kinds(text) == []


def test_realistic_post_without_identifiers():
    """A long, realistic post full of ages, places and figures raises nothing."""
    post = """場面1のような状況で悩んでいます。

40代の男性で、20歳のころから自宅にいる方です。母親（70代）からの相談が始まりで、
令和3年度から訪問を続けていますが、本人とはまだ会えていません。大分県や函館市の取組も読みました。
全国で146万人と推計されていることを考えると、同じように1～2年がかりで関係を作っている方も多いのでしょうか。
週1回、15分ほどの訪問で、手紙を置いて帰っています。"""
    assert find_identifiers(post) == []


def test_realistic_post_with_identifiers():
    """A post naming a client with an age, a phone number and an address gets every span."""
    post = "山田太郎さん（34歳）の件です。自宅は中央町1丁目2番3号、電話は090-1234-5678、〒123-4567です。"
    assert [f.kind for f in find_identifiers(post)] == ["name_age", "address", "phone", "postal"]


def test_offsets_point_into_the_original_text():
    """Full-width text is normalised one character for one, so spans index the original."""
    text = "電話：０３－１２３４－５６７８です"
    (finding,) = find_identifiers(text)
    assert text[finding.start:finding.end] == "０３－１２３４－５６７８"
    assert len(normalise(text)) == len(text)


def test_marking_escapes_everything():
    """The marked preview is escaped HTML; only the <mark> tags are markup."""
    text = "<script>alert(1)</script> 090-1234-5678 <b>x</b>"
    html = str(mark_identifiers(text, find_identifiers(text)))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<mark class="privacy-mark">' in html and "090-1234-5678</mark>" in html
    assert "電話番号の可能性" in html


def test_marking_escapes_inside_a_finding():
    """Even a finding's own text is escaped."""
    text = "<i>x</i>"
    html = str(mark_identifiers(text, [Finding("phone", 0, len(text), text)]))
    assert "<i>" not in html and "&lt;i&gt;x&lt;/i&gt;</mark>" in html


def test_digest_changes_with_findings():
    """The confirmation fingerprint changes when what was found changes."""
    first = findings_digest(find_identifiers("090-1234-5678"))
    assert first == findings_digest(find_identifiers("電話 090-1234-5678 です"))
    assert first != findings_digest(find_identifiers("090-1234-5679"))


def test_empty_and_none():
    assert find_identifiers("") == [] and find_identifiers(None) == []


def test_emails_written_back_to_back_are_both_found():
    """An address glued to the end of another is found on its own, as before the guard was made linear."""
    assert kinds("a@b.jp_c@d.jp") == [("email", "a@b.jp"), ("email", "_c@d.jp")]


def test_long_runs_are_matched_whole():
    """A pattern starts only where its run starts, and still takes the whole run."""
    digits = "9" * 4000
    assert kinds(digits + "号室") == [("address", digits + "号室")]
    assert kinds("x" * 4000 + "@example.jp") == [("email", "x" * 4000 + "@example.jp")]


#: Shapes that cost the quadratic guard seconds: long runs that a pattern starts on and rescans.
WORST_SHAPES = {
    "digits": "1" * 10_000,
    "letters": "a" * 10_000,
    "address characters": "a." * 5_000,
    "kanji numerals": "一" * 10_000,
    "place, then digits": "町" + "1" * 9_999,
    "丁目, then digits": "1丁目" + "1" * 9_997,
    "many findings": "1丁目" * 3_333,
}


@pytest.mark.parametrize("text", WORST_SHAPES.values(), ids=WORST_SHAPES)
def test_guard_is_linear_on_adversarial_text(text):
    """10,000 characters take milliseconds: the quadratic guard took 0.6–3 s on each shape but the last
    (whose 3,333 findings keep the marking honest); the bound leaves a wide margin for a busy machine."""
    def seconds() -> float:
        started = time.perf_counter()
        mark_identifiers(text, find_identifiers(text))
        return time.perf_counter() - started

    assert any(seconds() < 0.25 for _ in range(3))


#: Text made of what the patterns look for, so that near-misses and overlaps are common.
_GUARD_TEXT = st.lists(st.sampled_from([*"0123456789０一二十漢町区丁目番地の号室第人歳（）() 　-ー.@_+aAZ、はさん様〒\n<&",
                                        "(at)", "(dot)", "山田", "佐藤", "当時"]), max_size=200).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), _GUARD_TEXT))
def test_findings_are_ordered_spans_of_the_text(text):
    """On any text: no exception, findings in order and apart, each the (stripped) text it points at."""
    findings = find_identifiers(text)
    end = 0
    for finding in findings:
        assert end <= finding.start < finding.end <= len(text)
        assert finding.kind in KINDS and finding.text == text[finding.start:finding.end].strip()
        end = finding.end
    marked = re.sub(r'<mark class="privacy-mark"><span class="visually-hidden">（[^<]*）</span>|</mark>', "",
                    str(mark_identifiers(text, findings)))
    assert html.unescape(marked) == text
