"""ふりがな: roster column and form field, あいうえお order everywhere, and name search folded in one place."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select

from elearn import create_app
from elearn.extensions import db
from elearn.kana import fold, normalise_furigana, search_key
from elearn.models import Role, User
from elearn.models.base import UTCDateTime
from elearn.organiser.roster import parse_roster
from elearn.queries import person_matches, search_users

from .conftest import csrf_from


@pytest.mark.parametrize("typed, stored", [
    ("髙橋", "高橋"), ("山﨑", "山崎"), ("齋藤", "斎藤"), ("齊藤", "斎藤"), ("渡邊", "渡辺"), ("渡邉", "渡辺"),
    ("濵田", "浜田"), ("濱田", "浜田"), ("德田", "徳田"), ("\ufa10本", "塚本"), ("ﾀｶﾊｼ", "たかはし"),
    ("タカハシ", "たかはし"), ("ＡＢＣ", "abc"), ("山田　太郎", "山田太郎"), ("Hanako@Example.JP", "hanako@example.jp"),
])
def test_fold(typed, stored):
    """Variant kanji, katakana / half-width kana, full-width letters, case and spaces fold alike."""
    assert fold(typed) == fold(stored) == stored


@pytest.mark.parametrize("typed, stored, problem", [
    ("ヤマダ　ハナコ", "やまだ はなこ", None), ("ﾔﾏﾀﾞ ﾊﾅｺ", "やまだ はなこ", None), ("やまだ", "やまだ", None),
    ("ジョン・スミス", "じょん・すみす", None), ("", "", None), ("山田", "山田", "ふりがなはひらがなかカタカナで入力してください"),
])
def test_normalise_furigana(typed, stored, problem):
    """ふりがな is stored in hiragana; anything but kana is a problem."""
    assert normalise_furigana(typed) == (stored, problem)


@pytest.mark.parametrize("header", ["ふりがな", "フリガナ", "よみ", "ﾌﾘｶﾞﾅ", "氏名（ふりがな）", "読み", "カナ"])
def test_roster_reads_furigana_column(header):
    """The optional column is found by its usual headers and normalised to hiragana."""
    row, = parse_roster(f"氏名,{header},メールアドレス,所属,都道府県\n山田 花子,ヤマダ ハナコ,h@example.jp,センター,東京都\n")
    assert (row.name, row.furigana, row.problems) == ("山田 花子", "やまだ はなこ", [])


def test_roster_furigana_is_optional_and_checked():
    """Without the column it is empty; without a header it is the fifth column; kanji there is a problem."""
    row, = parse_roster("氏名,メールアドレス,所属,都道府県\n山田,h@example.jp,センター,東京都\n")
    assert row.furigana == "" and not row.problems
    first, second = parse_roster("山田,h@example.jp,センター,東京都,やまだ\n佐藤,s@example.jp,センター,東京都,佐藤\n")
    assert first.furigana == "やまだ" and not first.problems
    assert second.problems == ["ふりがなはひらがなかカタカナで入力してください"]


def _people(app, make_user):
    people = [("高橋 一郎", "たかはし いちろう", "北センター"), ("安藤 花子", "あんどう はなこ", "南センター"),
              ("渡邉 三郎", "", "東センター"), ("齋藤 次郎", "さいとう じろう", "西センター")]
    return [make_user(name=name, furigana=furigana, organisation=org) for name, furigana, org in people]


@pytest.mark.parametrize("query, expected", [
    ("たかはし", ["高橋 一郎"]), ("タカハシ", ["高橋 一郎"]), ("ﾀｶﾊｼ", ["高橋 一郎"]), ("髙橋", ["高橋 一郎"]),
    ("渡辺", ["渡邉 三郎"]), ("渡邊", ["渡邉 三郎"]), ("斎藤", ["齋藤 次郎"]), ("斉藤", ["齋藤 次郎"]),
    ("高橋一郎", ["高橋 一郎"]), ("ＳＯＵＴＨ", []), ("南ｾﾝﾀｰ", ["安藤 花子"]), ("USER2@EXAMPLE", ["安藤 花子"]),
    ("いちろう\n", ["高橋 一郎"]), ("%", []),
])
def test_person_search_folds(app, make_user, query, expected):
    """person_matches finds ふりがな, variant kanji, kana and width variants, in one LIKE on search_key."""
    _people(app, make_user)
    with app.app_context():
        assert [u.display_name for u in search_users(query).items] == expected
        assert str(person_matches(query).compile()).startswith("users.search_key LIKE")


def test_lists_are_in_aiueo_order(app, make_user):
    """People are listed by ふりがな when given, else by name (User.sort_name, the one sort key)."""
    _people(app, make_user)
    with app.app_context():
        names = [u.display_name for u in search_users("センター").items]
        assert names == ["安藤 花子", "齋藤 次郎", "高橋 一郎", "渡邉 三郎"]
        assert [u.sort_name for u in search_users("センター").items][:1] == ["あんどう はなこ"]


def test_search_key_follows_changes(app, make_user):
    """Changing name, ふりがな, 所属 or email updates search_key; bulk inserts get one too."""
    user = make_user(name="山田 花子")
    with app.app_context():
        row = db.session.get(User, user.id)
        row.display_name, row.furigana, row.organisation = "髙田 花子", "たかだ はなこ", "ｾﾝﾀｰ"
        db.session.commit()
        assert db.session.get(User, user.id).search_key == search_key("髙田 花子", "たかだ はなこ", "ｾﾝﾀｰ", user.email)
        db.session.execute(insert(User), [{"email": "bulk@example.jp", "display_name": "一括 タロウ", "role": "learner"}])
        db.session.commit()
        assert [u.email for u in search_users("たろう").items] == ["bulk@example.jp"]


def test_participant_form_takes_furigana(app, client, make_user, make_cohort, auth):
    """Adding a participant by hand stores ふりがな as hiragana; kanji there is refused; the list is by ふりがな."""
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser], [make_user(name="安藤 花子", furigana="あんどう はなこ")])
    auth.login(organiser.email)
    url = f"/organiser/cohorts/{cohort.id}/participants"
    token = csrf_from(client.get(url).text)
    values = {"csrf_token": token, "name": "渡辺 一", "email": "w@example.jp", "organisation": "センター",
              "prefecture": "東京都"}
    refused = client.post(url, data=values | {"furigana": "渡辺"})
    assert refused.status_code == 400 and "ふりがなはひらがなかカタカナで入力してください。" in refused.text
    assert client.post(url, data=values | {"furigana": "ｱｲｻﾞﾜ ﾊｼﾞﾒ"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.furigana).where(User.email == "w@example.jp")) == "あいざわ はじめ"
    page = client.get(url).text
    assert page.index("渡辺 一") < page.index("安藤 花子")  # あいざわ before あんどう
    assert client.get(url, query_string={"q": "アイザワ"}).text.count("w@example.jp") == 1


def test_roster_export_has_furigana_in_aiueo_order(app, client, make_user, make_cohort, auth):
    """The roster export is in あいうえお order with ふりがな as its fifth column (re-importable)."""
    organiser = make_user(Role.ORGANISER)
    people = _people(app, make_user)
    cohort = make_cohort([organiser], people)
    auth.login(organiser.email)
    rows = list(csv.reader(io.StringIO(client.get(f"/organiser/cohorts/{cohort.id}/roster.csv")
                                       .get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["氏名", "メールアドレス", "所属", "都道府県", "ふりがな"]
    assert [r[0] for r in rows[1:]] == ["安藤 花子", "齋藤 次郎", "高橋 一郎", "渡邉 三郎"]
    reparsed = parse_roster("\n".join(",".join(r) for r in rows))
    assert [r.furigana for r in reparsed][:2] == ["あんどう はなこ", "さいとう じろう"]


def test_0009_backfills_search_key(tmp_path):
    """Accounts from before 0009 get ふりがな "" and a folded search_key."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    users = sa.table("users", *(sa.column(name) for name in ("id", "email", "display_name", "organisation",
                                                              "prefecture", "role", "active")),
                     sa.column("created_at", UTCDateTime))
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            connection.execute(users.insert().values(id=1, email="T@example.jp", display_name="髙橋 ﾀﾛｳ",
                                                     organisation="Ｎセンター", prefecture="", role="learner",
                                                     active=True, created_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
        upgrade()
        user = db.session.get(User, 1)
        assert user.furigana == "" and user.search_key == "高橋たろう\n\nnせんたー\nt@example.jp"
        assert [u.id for u in search_users("たかはし").items] == []
        assert [u.id for u in search_users("高橋").items] == [1]
        db.session.remove()
        db.engine.dispose()
