"""Case studies and the 事例検討シート."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import CaseSheet

from .conftest import AuthActions, csrf_from

SHEET = {"issues": "母親が疲れている", "assessment": "本人は安心できる場がない", "partners": "保健所と役割分担",
         "next_step": "手紙を書く", "own_area": "居場所が少ない"}


@pytest.fixture
def learner(auth, make_user, content):
    user = make_user()
    auth.login(user.email)
    return user


def save(client, data):
    page = client.get("/cases/t-case")
    return client.post("/cases/t-case/sheet", data={**data, "csrf_token": csrf_from(page.text)})


def test_sheet_saves_and_reveals_discussion_points(app, client, learner):
    page = client.get("/cases/t-case")
    assert "小さな一歩から始める" not in page.text and "シートを一度保存すると" in page.text
    assert save(client, SHEET).status_code == 302
    page = client.get("/cases/t-case")
    assert "最終保存" in page.text and "小さな一歩から始める" in page.text
    assert "母親が疲れている" in page.text
    save(client, {**SHEET, "next_step": "訪問の前に電話する"})
    with app.app_context():
        sheets = db.session.scalars(select(CaseSheet)).all()
        assert len(sheets) == 1 and sheets[0].next_step == "訪問の前に電話する"


def test_empty_sheet_is_not_saved(app, client, learner):
    response = save(client, {})
    assert response.status_code == 302
    assert "空のシートは保存されません" in client.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(CaseSheet)) is None


def test_overlong_field_is_refused_and_input_kept(client, learner):
    response = save(client, {**SHEET, "issues": "あ" * 4001})
    assert response.status_code == 400
    assert "気づいた課題は4000文字以内で入力してください。" in response.text
    assert "本人は安心できる場がない" in response.text


def test_sharing_is_offered_only_when_an_organiser_can_read_it(app, client, learner, make_user, make_cohort):
    """A learner in no cohort shares with nobody: no share button, and a forged POST is refused."""
    from elearn.models import Role

    save(client, SHEET)
    page = client.get("/cases/t-case").text
    assert "研修担当者と共有する" not in page and "今は共有できる相手がいません" in page
    refused = client.post("/cases/t-case/sheet/share", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "共有できる研修担当者がいません" in refused.text
    with app.app_context():
        assert db.session.scalar(select(CaseSheet.shared_at)) is None
    make_cohort(organisers=[make_user(Role.ORGANISER)], participants=[learner])
    page = client.get("/cases/t-case").text
    assert "研修担当者と共有する（集合研修の事例検討用）" in page and "今は共有できる相手がいません" not in page


def test_sharing_can_be_withdrawn(app, client, learner, make_user, make_cohort):
    from elearn.models import Role

    make_cohort(organisers=[make_user(Role.ORGANISER)], participants=[learner])
    save(client, SHEET)
    token = csrf_from(client.get("/cases/t-case").text)
    shared = client.post("/cases/t-case/sheet/share", data={"csrf_token": token})
    assert shared.headers["Location"].endswith("#sheet-status")  # back at the sheet, not the top of the page
    page = client.get("/cases/t-case").text
    assert "共有中（研修担当者が閲覧可" in page and "下書き（あなただけが見られます）" not in page
    assert '<div id="sheet-status" tabindex="-1" data-focus>' in page and "研修担当者と共有しました。" in page
    assert '<div class="flashes"' not in page  # the confirmation is next to the sheet, not at the top
    client.post("/cases/t-case/sheet/share", data={"csrf_token": token})
    page = client.get("/cases/t-case").text
    assert "共有中（研修担当者が閲覧可" not in page and "下書き（あなただけが見られます）" in page


def test_another_learner_cannot_read_a_private_sheet(app, client, learner, make_user):
    save(client, SHEET)
    with app.app_context():
        sheet_id = db.session.scalar(select(CaseSheet.id))
    assert "母親が疲れている" in client.get(f"/cases/sheets/{sheet_id}").text
    other = app.test_client()
    AuthActions(other).login(make_user().email)
    assert other.get(f"/cases/sheets/{sheet_id}").status_code == 404
    assert "母親が疲れている" not in other.get("/cases/t-case").text


def test_sheet_text_is_escaped(client, learner):
    save(client, {**SHEET, "issues": "<script>alert(1)</script>"})
    html = client.get("/cases/t-case").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_shared_sheet_is_readable_by_the_cohorts_organiser_only(app, client, learner, make_user, make_cohort):
    from elearn.models import Role

    organiser, stranger = make_user(Role.ORGANISER), make_user(Role.ORGANISER)
    make_cohort(organisers=[organiser], participants=[learner])
    save(client, SHEET)
    with app.app_context():
        sheet_id = db.session.scalar(select(CaseSheet.id))
    viewers = {}
    for name, user in (("organiser", organiser), ("stranger", stranger)):
        viewers[name] = app.test_client()
        AuthActions(viewers[name]).login(user.email)
    assert viewers["organiser"].get(f"/cases/sheets/{sheet_id}").status_code == 404  # not shared yet
    token = csrf_from(client.get("/cases/t-case").text)
    client.post("/cases/t-case/sheet/share", data={"csrf_token": token})
    assert "母親が疲れている" in viewers["organiser"].get(f"/cases/sheets/{sheet_id}").text
    assert viewers["stranger"].get(f"/cases/sheets/{sheet_id}").status_code == 404
    client.post("/cases/t-case/sheet/share", data={"csrf_token": token})  # withdrawn
    assert viewers["organiser"].get(f"/cases/sheets/{sheet_id}").status_code == 404
