"""Invitation mails from the participants page and after a roster import: preview with the count,
send, status per participant (未送信 / 送信待ち / 送信済み / 失敗), resend; links that work from the mail."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import OutboxItem, Role, User
from elearn.outbox import send_due
from tests.conftest import csrf_from
from tests.smtpd import smtp_server  # noqa: F401 (fixture)

ROSTER = "氏名,メールアドレス,所属,都道府県\r\n山田 花子,hanako@example.jp,○○センター,東京都\r\n鈴木 一郎,ichiro@example.jp,△△ステーション,大阪府\r\n"


@pytest.fixture
def organiser_cohort(app, smtp_server, make_user, make_cohort, auth):
    app.config.update(BASE_URL="http://localhost", MAIL_URL=smtp_server.url())
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser])
    auth.login(organiser.email)
    return organiser, cohort


def _import(client, cohort_id):
    page = client.get(f"/organiser/cohorts/{cohort_id}/roster/import")
    preview = client.post(f"/organiser/cohorts/{cohort_id}/roster/import", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(ROSTER.encode()), "名簿.csv")},
        content_type="multipart/form-data").headers["Location"]
    page = client.get(preview)
    confirm = re.search(r'action="([^"]+/confirm)"', page.text).group(1)
    client.post(confirm, data={"csrf_token": csrf_from(page.text)})
    return preview


def _send_invitations(client, url):
    page = client.get(url)
    count = re.search(r'name="count" value="(\d+)"', page.text).group(1)
    return page, client.post(url, data={"csrf_token": csrf_from(page.text), "count": count})


def test_import_then_invite_then_set_password(app, client, organiser_cohort, smtp_server):
    """After an import: preview (exact mail, count), send, 送信済み, and the mailed link sets a password."""
    _, cohort = organiser_cohort
    done = client.get(_import(client, cohort.id))
    invite_url = re.search(r'href="([^"]+/invitations\?import=\d+)"', done.text).group(1)
    page, response = _send_invitations(client, invite_url)
    assert "2人に招待メールを送る" in page.text
    assert "【ひきこもり支援者研修】「令和8年度 新任職員研修 第1期」へのご招待" in page.text
    assert "この人だけの1回限りのリンク" in page.text  # the preview never holds a real link
    assert response.status_code == 302
    participants = client.get(f"/organiser/cohorts/{cohort.id}/participants").text
    assert participants.count("送信待ち") >= 2
    with app.app_context():
        assert send_due("mail").sent == 2
    participants = client.get(f"/organiser/cohorts/{cohort.id}/participants").text
    assert participants.count("送信済み（") == 2
    by_address = {r.rcpt_tos[0]: r.message for r in smtp_server.received}
    assert set(by_address) == {"hanako@example.jp", "ichiro@example.jp"}
    body = by_address["hanako@example.jp"].get_content()
    assert "山田 花子 様" in body and "ログインIDはこのメールの宛先のメールアドレス（hanako@example.jp）" in body
    link = re.search(r"http://localhost(/auth/set-password/\S+)", body).group(1)
    invitee = app.test_client()
    form = invitee.get(link)
    password = "はじめての長い合言葉 horse battery"
    response = invitee.post(link, data={"new_password": password, "confirm": password,
                                        "csrf_token": csrf_from(form.text)})
    assert response.status_code == 302 and "ログアウト" in invitee.get("/").text
    with app.app_context():  # no token survives in the outbox
        assert all(item.payload is None for item in db.session.scalars(select(OutboxItem)))


def test_failure_is_shown_with_the_reply_and_resend_works(app, client, organiser_cohort, smtp_server):
    """A 550 shows 失敗（reason）on the participant; 再送 queues a new mail with a new link."""
    _, cohort = organiser_cohort
    _import(client, cohort.id)
    smtp_server.handler.reject["ichiro@example.jp"] = "550 5.1.1 User unknown"
    _send_invitations(client, f"/organiser/cohorts/{cohort.id}/invitations")
    with app.app_context():
        report = send_due("mail")
        assert (report.sent, report.failed) == (1, 1)
        ichiro = db.session.scalar(select(User).where(User.email == "ichiro@example.jp"))
    page = client.get(f"/organiser/cohorts/{cohort.id}/participants").text
    assert "失敗（550 5.1.1 User unknown）" in page
    assert f"/invitations?user={ichiro.id}" in page and "招待メールを再送" in page
    del smtp_server.handler.reject["ichiro@example.jp"]
    preview, response = _send_invitations(client, f"/organiser/cohorts/{cohort.id}/invitations?user={ichiro.id}")
    assert "1人に招待メールを送る" in preview.text
    with app.app_context():
        assert send_due("mail").sent == 1
    assert smtp_server.received[-1].rcpt_tos == ["ichiro@example.jp"]
    log = client.get(f"/organiser/cohorts/{cohort.id}/mail").text
    assert "550 5.1.1 User unknown" in log and "送信済み" in log and "set-password" not in log


def test_count_changed_since_preview_sends_nothing(app, client, organiser_cohort):
    """If the targets changed after the preview, nothing is sent and the fresh preview is shown."""
    _, cohort = organiser_cohort
    _import(client, cohort.id)
    url = f"/organiser/cohorts/{cohort.id}/invitations"
    page = client.get(url)
    response = client.post(url, data={"csrf_token": csrf_from(page.text), "count": "5"})
    assert "対象者が変わりました" in response.text
    with app.app_context():
        assert db.session.scalars(select(OutboxItem)).all() == []


def test_existing_accounts_are_not_invited(app, client, organiser_cohort, make_user, make_cohort):
    """An existing account linked into the cohort is no invitation target (no link power over it)."""
    organiser, _ = organiser_cohort
    outsider = make_user(email="own@example.jp", password_hash=None)
    cohort = make_cohort([organiser], [outsider])
    page = client.get(f"/organiser/cohorts/{cohort.id}/invitations")
    assert "招待メールを送る相手はいません" in page.text
    assert client.get(f"/organiser/cohorts/{cohort.id}/invitations?user={outsider.id}").status_code == 200
    response = client.post(f"/organiser/cohorts/{cohort.id}/invitations?user={outsider.id}",
                           data={"csrf_token": csrf_from(page.text), "count": "1"})
    assert "対象者が変わりました" in response.text


def test_without_mail_pages_say_so(app, client, make_user, make_cohort, auth):
    """Without ELEARN_MAIL_URL the participants page says mail is not configured; the CSV stays."""
    organiser = make_user(Role.ORGANISER)
    cohort = make_cohort([organiser])
    auth.login(organiser.email)
    page = client.get(f"/organiser/cohorts/{cohort.id}/participants").text
    assert "メールの送信が設定されていないため" in page and "リンクをまとめて発行（CSV）" in page
    assert client.get(f"/organiser/cohorts/{cohort.id}/invitations").status_code == 302


def test_other_organisers_cannot_invite_or_read_the_log(app, client, organiser_cohort, make_user, auth):
    """Another cohort's organiser gets 403 on the invitation and mail log pages."""
    _, cohort = organiser_cohort
    auth.logout()
    other = make_user(Role.ORGANISER)
    auth.login(other.email)
    assert client.get(f"/organiser/cohorts/{cohort.id}/invitations").status_code == 403
    assert client.get(f"/organiser/cohorts/{cohort.id}/mail").status_code == 403


@pytest.mark.parametrize("query", ["user=99999999999", "import=99999999999", "user=-1", "import=abc", "user=１"])
def test_odd_ids_are_not_errors(app, client, organiser_cohort, query):
    """Ids no row can have are 404 (or ignored), never a 500, on both databases."""
    _, cohort = organiser_cohort
    assert client.get(f"/organiser/cohorts/{cohort.id}/invitations?{query}").status_code in (200, 404)
