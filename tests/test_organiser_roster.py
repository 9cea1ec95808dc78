"""Roster import: decoding Excel's CSVs, checking rows, the server-side preview, atomic confirmation,
set-password links and adding or removing one participant."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import Enrolment, Role, RosterImport, SetPasswordLink, User
from elearn.organiser import importing
from elearn.organiser.roster import RosterError, decode_roster, parse_roster

from .conftest import PASSWORD, csrf_from

HEADER = "氏名,メールアドレス,所属,都道府県\r\n"
ROSTER = HEADER + ("山田 花子,hanako@example.jp,○○市ひきこもり地域支援センター,東京都\r\n"
                   "佐藤 一郎,ICHIRO@Example.jp,△△町 福祉課,大阪\r\n")


@pytest.mark.parametrize("encoding, label", [("utf-8-sig", "UTF-8 (BOM付き)"), ("utf-8", "UTF-8"),
                                             ("cp932", "Shift_JIS"), ("utf-16", "UTF-16")])
def test_decode_excel_encodings(encoding, label):
    """UTF-8 with and without BOM, Shift_JIS/CP932 and UTF-16 all decode to the same text."""
    text, found = decode_roster(ROSTER.encode(encoding))
    assert found == label and text.lstrip("\ufeff") == ROSTER


def test_cp932_only_characters_decode():
    """CP932 extensions (①, ㈱, 髙) that plain Shift_JIS lacks are read correctly."""
    text, _ = decode_roster((HEADER + "髙橋 ①,t@example.jp,㈱ささえ,北海道\r\n").encode("cp932"))
    row, = parse_roster(text)
    assert row.name == "髙橋 1" and row.organisation == "(株)ささえ" and not row.problems


def test_undecodable_file_is_refused():
    with pytest.raises(RosterError, match="文字コードを判別できませんでした"):
        decode_roster(b"\x81\xff\x81\xfa")


def test_rows_are_normalised_and_checked():
    """Emails lower-cased, full-width characters folded, prefecture suffix completed; problems listed."""
    text = HEADER + "\n".join([
        "山田　花子,ＨＡＮＡＫＯ＠example.jp,センター,東京",
        ",blank@example.jp,センター,京都",
        "名無し,not-an-email,センター,東京都",
        "二重,hanako@example.jp,センター,東京都",
        "遠く,far@example.jp,センター,ムー大陸",
        "空,empty@example.jp,,",
    ])
    rows = parse_roster(text)
    assert (rows[0].name, rows[0].email, rows[0].prefecture, rows[0].problems) == \
        ("山田 花子", "hanako@example.jp", "東京都", [])
    assert rows[1].problems == ["氏名が空欄です"] and rows[1].prefecture == "京都府"
    assert rows[2].problems == ["メールアドレスの形式が正しくありません"]
    assert rows[3].problems == ["メールアドレスが2行目と重複しています"]
    assert rows[4].problems == ["都道府県名が正しくありません"]
    assert rows[5].problems == ["所属が空欄です", "都道府県が空欄です"]
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7]


def test_tab_separated_paste_and_reordered_header():
    """A paste from Excel (tabs) with columns in another order and a quoted comma still parses."""
    rows = parse_roster("メール\t氏名\t都道府県\t所属\r\na@example.jp\t青木\t沖縄県\t\"A, B センター\"\r\n")
    assert (rows[0].email, rows[0].name, rows[0].prefecture, rows[0].organisation) == \
        ("a@example.jp", "青木", "沖縄県", "A, B センター")


def test_roster_without_header_uses_fixed_order():
    rows = parse_roster("青木,a@example.jp,センター,沖縄県\n")
    assert rows[0].email == "a@example.jp" and not rows[0].problems


@pytest.mark.parametrize("text, message", [
    ("", "名簿が空です"),
    (HEADER, "見出しのほかに行がありません"),
    ("氏名,所属\n青木,センター\n", "「メールアドレス」「都道府県」の列がありません"),
])
def test_unusable_rosters(text, message):
    with pytest.raises(RosterError, match=message):
        parse_roster(text)


# --- through the pages ---------------------------------------------------------------------------

@pytest.fixture
def organiser_and_cohort(make_user, make_cohort, auth):
    """A logged-in organiser and their cohort (capacity 3) with no participants."""
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser], capacity=3)
    auth.login(organiser.email)
    return organiser, cohort


def _upload(client, cohort_id: int, data: bytes, filename: str = "名簿.csv"):
    page = client.get(f"/organiser/cohorts/{cohort_id}/roster/import")
    return client.post(f"/organiser/cohorts/{cohort_id}/roster/import", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Enrolment.id))))


def test_cp932_roster_with_bad_row_previews_without_writing(app, client, make_user, organiser_and_cohort):
    """An Excel (Shift_JIS) roster shows every row and its problem; no account or enrolment is written."""
    organiser, cohort = organiser_and_cohort
    make_user(email="existing@example.jp", name="既存 太郎")
    before = _counts(app)
    roster = HEADER + ("山田 花子,hanako@example.jp,センター,東京都\r\n"
                       "既存 さん,existing@example.jp,センター,東京都\r\n"
                       "壊れた 行,broken-at-example.jp,センター,東京都\r\n"
                       "山田 花子,hanako@example.jp,センター,東京都\r\n")
    response = _upload(client, cohort.id, roster.encode("cp932"))
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    html = preview.text
    assert "文字コード：Shift_JIS" in html
    assert "新規アカウントを作成して登録" in html and "既存アカウントを登録" in html
    assert "登録済みの氏名「既存 太郎」のまま登録します" in html
    assert "メールアドレスの形式が正しくありません" in html and "メールアドレスが2行目と重複しています" in html
    assert "2人を取り込む" in html
    assert _counts(app) == before


def test_capacity_is_enforced_in_file_order(app, client, organiser_and_cohort):
    """Rows past the free places are marked 定員超過 and not imported."""
    _, cohort = organiser_and_cohort
    roster = HEADER + "".join(f"人{i},p{i}@example.jp,センター,東京都\n" for i in range(5))
    response = _upload(client, cohort.id, roster.encode("utf-8-sig"))
    html = client.get(response.headers["Location"]).text
    assert html.count("定員（3人）を超えています") == 2 and "3人を取り込む" in html


def test_confirm_enrols_exactly_the_preview_and_links_download(app, client, make_user, organiser_and_cohort):
    """Confirmation creates the new accounts and enrols everyone previewed; the links CSV has a BOM,
    one working link per new account, and each download replaces the previous links."""
    _, cohort = organiser_and_cohort
    existing = make_user(email="existing@example.jp")
    response = _upload(client, cohort.id, (HEADER + "新人 花子,new@example.jp,センター,東京都\n"
                                           "既存,existing@example.jp,センター,東京都\n").encode("utf-8"))
    preview_url = response.headers["Location"]
    token = csrf_from(client.get(preview_url).text)
    done = client.post(preview_url + "/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "1人のアカウントを作成し、1人の既存アカウントとあわせて登録しました。" in done.text
    with app.app_context():
        enrolled = set(db.session.scalars(select(User.email).join(Enrolment, Enrolment.user_id == User.id)))
        assert enrolled == {"new@example.jp", "existing@example.jp"}
        new = db.session.scalar(select(User).where(User.email == "new@example.jp"))
        assert new.role == Role.LEARNER.value and new.password_hash is None and new.prefecture == "東京都"
    again = client.post(preview_url + "/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "すでに取り込み済みです" in again.text and _counts(app)[1] == 2

    links = client.post(preview_url + "/links.csv", data={"csrf_token": token})
    assert links.status_code == 200 and links.mimetype == "text/csv"
    assert links.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(links.data.decode("utf-8-sig"))))
    assert rows[0] == ["氏名", "メールアドレス", "所属", "都道府県", "パスワード設定用リンク"]
    assert len(rows) == 2 and rows[1][:2] == ["新人 花子", "new@example.jp"]
    link = rows[1][4]
    assert re.match(r"http://localhost/auth/set-password/[\w-]+$", link)
    second = client.post(preview_url + "/links.csv", data={"csrf_token": token})
    newer = list(csv.reader(io.StringIO(second.data.decode("utf-8-sig"))))[1][4]
    assert newer != link
    assert client.get(link.replace("http://localhost", "")).status_code == 404
    assert client.get(newer.replace("http://localhost", "")).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(SetPasswordLink.id))) == 1
    assert existing.email not in second.data.decode("utf-8-sig")


def test_confirm_is_atomic(app, client, organiser_and_cohort, monkeypatch):
    """A failure part-way through leaves no account, no enrolment and the import unconfirmed."""
    _, cohort = organiser_and_cohort
    response = _upload(client, cohort.id, (HEADER + "一,one@example.jp,センター,東京都\n"
                                           "二,two@example.jp,センター,東京都\n").encode("utf-8"))
    preview_url = response.headers["Location"]
    before = _counts(app)

    def failing_enrolment(*args, **kwargs):
        db.session.add(User(email="one@example.jp", display_name="一", role="learner"))
        db.session.flush()  # the accounts are written ... then the enrolments fail
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "enrol_rows", failing_enrolment)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.post(preview_url + "/confirm", data={"csrf_token": csrf_from(client.get(preview_url).text)})
    assert failed.status_code == 500 and "システムでエラーが発生しました" in failed.text
    assert _counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(RosterImport.confirmed_at)) is None


def test_confirm_sees_changes_since_preview(app, client, make_user, make_cohort, organiser_and_cohort):
    """If someone was enrolled since the preview, the preview is refreshed instead of imported blindly."""
    _, cohort = organiser_and_cohort
    response = _upload(client, cohort.id, (HEADER + "一,one@example.jp,センター,東京都\n").encode("utf-8"))
    preview_url = response.headers["Location"]
    token = csrf_from(client.get(preview_url).text)
    with app.app_context():
        for _ in range(3):
            db.session.add(Enrolment(cohort_id=cohort.id, user_id=make_user().id))
        db.session.commit()
    result = client.post(preview_url + "/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "確認のあとで登録状況が変わりました" in result.text and "定員（3人）を超えています" in result.text
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.email == "one@example.jp")) == 0


def test_preview_of_another_cohort_is_404(app, client, make_cohort, organiser_and_cohort):
    organiser, cohort = organiser_and_cohort
    other = make_cohort([organiser])
    response = _upload(client, cohort.id, (HEADER + "一,one@example.jp,センター,東京都\n").encode("utf-8"))
    import_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/organiser/cohorts/{other.id}/roster/imports/{import_id}").status_code == 404


@pytest.mark.parametrize("payload, message", [
    ({}, "CSVファイルを選ぶか、名簿を貼り付けてください。"),
    ({"text": "氏名,所属\nA,B\n"}, "「メールアドレス」「都道府県」の列がありません"),
    ({"file": (io.BytesIO(b"\x81\xff\xfe\xfa"), "x.csv")}, "文字コードを判別できませんでした"),
])
def test_import_form_errors(client, organiser_and_cohort, payload, message):
    _, cohort = organiser_and_cohort
    url = f"/organiser/cohorts/{cohort.id}/roster/import"
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url).text), **payload},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.text


def test_paste_is_accepted(client, organiser_and_cohort):
    _, cohort = organiser_and_cohort
    url = f"/organiser/cohorts/{cohort.id}/roster/import"
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url).text),
                                      "text": "氏名\tメールアドレス\t所属\t都道府県\n青木\ta@example.jp\tセンター\t沖縄県\n"})
    assert response.status_code == 302
    assert "文字コード：貼り付け" in client.get(response.headers["Location"]).text


def test_add_and_remove_participant_by_hand(app, client, make_user, organiser_and_cohort):
    """Adding a new person shows their link once; an existing one is linked; removing takes them out."""
    _, cohort = organiser_and_cohort
    existing = make_user(email="known@example.jp")
    url = f"/organiser/cohorts/{cohort.id}/participants"
    token = csrf_from(client.get(url).text)
    added = client.post(url, data={"csrf_token": token, "name": "新人", "email": "New@Example.jp",
                                   "organisation": "センター", "prefecture": "東京都"})
    assert added.status_code == 200 and "/auth/set-password/" in added.text
    linked = client.post(url, data={"csrf_token": token, "name": "別名", "email": "known@example.jp",
                                    "organisation": "センター", "prefecture": "東京都"}, follow_redirects=True)
    assert "既存のアカウント（利用者" in linked.text and "known@example.jp）をこの研修に登録しました" in linked.text
    twice = client.post(url, data={"csrf_token": token, "name": "別名", "email": "known@example.jp",
                                   "organisation": "センター", "prefecture": "東京都"})
    assert twice.status_code == 400 and "この研修にすでに登録されています。" in twice.text
    invalid = client.post(url, data={"csrf_token": token, "name": "", "email": "x", "organisation": "",
                                     "prefecture": "アトランティス"})
    assert invalid.status_code == 400
    for message in ("氏名を入力してください。", "メールアドレスの形式が正しくありません。", "所属を入力してください。",
                    "都道府県を選び直してください。"):
        assert message in invalid.text
    removed = client.post(f"{url}/{existing.id}/remove", data={"csrf_token": token}, follow_redirects=True)
    assert "この研修から外しました" in removed.text
    with app.app_context():
        assert set(db.session.scalars(select(User.email).join(Enrolment, Enrolment.user_id == User.id))) == \
            {"new@example.jp"}
        assert db.session.get(User, existing.id) is not None


def test_add_refused_when_full(client, make_user, make_cohort, auth):
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser], [make_user()], capacity=1)
    auth.login(organiser.email, PASSWORD)
    url = f"/organiser/cohorts/{cohort.id}/participants"
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url).text), "name": "A",
                                      "email": "a@example.jp", "organisation": "B", "prefecture": "東京都"})
    assert response.status_code == 400 and "定員（1人）を超えています" in response.text


def test_text_posted_as_file_field_is_not_a_crash(client, organiser_and_cohort):
    """A hand-made POST with a string in the file field falls back to the pasted text."""
    _, cohort = organiser_and_cohort
    url = f"/organiser/cohorts/{cohort.id}/roster/import"
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url).text), "file": "not a file",
                                      "text": "青木,a@example.jp,センター,沖縄県\n"})
    assert response.status_code == 302


def test_huge_cell_is_refused_naming_row_and_column(app, client, organiser_and_cohort):
    """A 200,000-character cell (the csv module's limit is 131,072) is refused in Japanese, naming the
    row and column, and nothing is written."""
    _, cohort = organiser_and_cohort
    roster = HEADER + "一,one@example.jp,センター,東京都\r\n" + f"二,two@example.jp,{'長' * 200_000},東京都\r\n"
    before = _counts(app)
    response = _upload(client, cohort.id, roster.encode("utf-8"))
    assert response.status_code == 400
    assert "3行目の「所属」が長すぎて（200,000文字）名簿を読み取れません。" in response.text
    assert _counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count(RosterImport.id))) == 0


def test_unclosed_quote_is_refused_where_it_starts():
    """An unclosed quote swallows the following lines into one cell: the row where it opened is named."""
    following = "".join(f"人{n},p{n}@example.jp,センター,東京都\r\n" for n in range(100))
    with pytest.raises(RosterError, match="3行目の「メールアドレス」が長すぎて"):
        parse_roster(HEADER + "一,one@example.jp,センター,東京都\r\n" + '二,"two@example.jp,センター,東京都\r\n'
                     + following)


def test_values_longer_than_their_column_are_row_problems():
    """Below the refusal, a value longer than its database column is listed as the row's problem."""
    rows = parse_roster(HEADER + f"{'名' * 101},a@example.jp,{'所' * 201},東京都\r\n")
    assert rows[0].problems == ["氏名が長すぎます（100文字まで）", "所属が長すぎます（200文字まで）"]


def test_control_characters_in_cells_are_dropped():
    """A NUL or escape in an uploaded cell is removed like in any form; tabs and line breaks become a space."""
    row, = parse_roster(HEADER + '山田\x00花子,ha\x1bnako@example.jp,"セン\tター\n本部",東京都\x7f\r\n')
    assert (row.name, row.email, row.organisation, row.prefecture, row.problems) == \
        ("山田花子", "hanako@example.jp", "セン ター 本部", "東京都", [])
