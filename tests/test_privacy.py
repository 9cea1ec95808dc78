"""Personal data rights: the person's own ZIP, an admin's export on request, and account deletion."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from sqlalchemy import func, select

from elearn.board import services as board
from elearn.cohorts.certificates import ensure_certificate, verify
from elearn.extensions import db
from elearn.models import (AuditEntry, BoardPost, CaseSheet, Certificate, Cohort, Enrolment, Module, Progress, Quiz,
                           QuizAttempt, Role, User, utcnow)
from elearn.organiser.dashboard import completion_by_module, completion_counts, summary

from .conftest import csrf_from


def _fill(app, person_id: int, cohort_id: int) -> dict:
    """Progress on every required module, an attempt, a sheet, a named and an anonymous post, a certificate."""
    with app.app_context():
        person = db.session.get(User, person_id)
        cohort = db.session.get(Cohort, cohort_id)
        modules = cohort.required_modules
        for module in modules:
            db.session.add(Progress(user_id=person.id, module_id=module.id, completed_at=utcnow()))
        quiz = db.session.scalars(select(Quiz)).first()
        db.session.add(QuizAttempt(nonce=f"n-{person.id}", user_id=person.id, quiz_id=quiz.id,
                                   answers={"q1": [0]}, score=90, passed=True))
        case = db.session.scalars(select(Module).where(Module.kind == "case")).first()
        db.session.add(CaseSheet(user_id=person.id, module_id=case.id, issues="家族の孤立が課題"))
        named = board.create_thread(person, category="other", title="名前つきの相談", body="名前つきの本文",
                                    anonymous=False)
        hidden = board.create_thread(person, category="other", title="匿名の相談", body="匿名の本文", anonymous=True)
        db.session.flush()
        code = ensure_certificate(cohort, person).code
        db.session.commit()
        return {"named_thread": named.id, "anonymous_thread": hidden.id, "code": code}


def _zip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_person_downloads_everything_including_own_anonymous_posts(app, client, auth, make_user, make_cohort,
                                                                     content):
    person = make_user(name="山田 花子", furigana="やまだ はなこ")
    cohort = make_cohort(participants=[person])
    _fill(app, person.id, cohort.id)
    auth.login(person.email)
    page = client.get("/account/data")
    assert page.status_code == 200 and "修了証" in page.text
    assert client.post("/account/data.zip").status_code == 400  # no CSRF token
    response = client.post("/account/data.zip", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    files = _zip(response)
    profile = json.loads(files["profile.json"])
    assert profile[0]["display_name"] == "山田 花子" and profile[0]["furigana"] == "やまだ はなこ"
    assert len(json.loads(files["progress.json"])) == len(db_required(app, cohort.id))
    assert json.loads(files["quiz_attempts.json"])[0]["score"] == 90
    assert json.loads(files["case_sheets.json"])[0]["issues"] == "家族の孤立が課題"
    bodies = {p["body"]: p["anonymous"] for p in json.loads(files["board_posts.json"])}
    assert bodies == {"名前つきの本文": False, "匿名の本文": True}
    assert len(json.loads(files["certificates.json"])) == 1
    rows = list(csv.DictReader(io.StringIO(files["case_sheets.csv"].decode("utf-8-sig"))))
    assert rows[0]["issues"] == "家族の孤立が課題"
    assert "board_posts: " in files["README.txt"].decode()
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "personal_data_exported"))
        assert entry.actor_id == person.id and entry.target_id == person.id and entry.details == {"by_self": True}


def db_required(app, cohort_id):
    with app.app_context():
        return [m.id for m in db.session.get(Cohort, cohort_id).required_modules]


def test_admin_export_leaves_out_anonymous_posts_and_is_logged_with_reason(app, client, auth, make_user,
                                                                           make_cohort, content):
    admin = make_user(Role.ADMIN)
    person = make_user()
    cohort = make_cohort(participants=[person])
    _fill(app, person.id, cohort.id)
    auth.login(admin.email)
    page = client.get(f"/admin/users/{person.id}/privacy")
    token = csrf_from(page.text)
    refused = client.post(f"/admin/users/{person.id}/privacy/export", data={"csrf_token": token})
    assert refused.status_code == 400 and "依頼の内容を入力してください" in refused.text
    response = client.post(f"/admin/users/{person.id}/privacy/export",
                           data={"csrf_token": token, "export-csrf_token": token, "export-reason": "本人から電話で依頼"})
    assert response.status_code == 200, response.text
    posts = json.loads(_zip(response)["board_posts.json"])
    assert [p["body"] for p in posts] == ["名前つきの本文"]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "personal_data_exported"))
        assert entry.actor_id == admin.id and entry.target_id == person.id and entry.details["by_self"] is False


def _delete(client, person, admin_token, **extra):
    data = {"delete-csrf_token": admin_token, "delete-reason": "本人の依頼", "delete-confirm_email": person.email}
    return client.post(f"/admin/users/{person.id}/privacy/delete", data=data | extra)


def test_deletion_removes_personal_data_keeps_posts_as_former_member(app, client, auth, make_user, make_cohort,
                                                                      content):
    admin = make_user(Role.ADMIN)
    person, other = make_user(name="消える人"), make_user(name="残る人")
    cohort = make_cohort(participants=[person, other])
    made = _fill(app, person.id, cohort.id)
    with app.app_context():
        required = db_required(app, cohort.id)
        db.session.add(Progress(user_id=other.id, module_id=required[0], completed_at=utcnow()))
        db.session.commit()
    auth.login(admin.email)
    token = csrf_from(client.get(f"/admin/users/{person.id}/privacy").text)
    wrong = _delete(client, person, token, **{"delete-confirm_email": "someone@example.jp"})
    assert wrong.status_code == 400 and "メールアドレスが一致しません" in wrong.text
    assert _delete(client, person, token).status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id) is None
        for model in (Progress, QuizAttempt, CaseSheet, Enrolment, Certificate):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == person.id)) == 0
        assert verify(made["code"]) is None  # the certificates rule: a deleted account's certificates lapse
        posts = list(db.session.scalars(select(BoardPost).order_by(BoardPost.id)))
        assert [(p.body_markdown, p.author_id) for p in posts] == [("名前つきの本文", None), ("匿名の本文", None)]
        cohort_row = db.session.get(Cohort, cohort.id)
        completion = completion_counts(cohort_row, required)
        assert summary(cohort_row, completion).participants == 1
        assert completion_by_module(cohort_row, required).get(required[0]) == 1  # only the other person
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account_deleted"))
        assert entry.target_id == person.id and entry.actor_id == admin.id and entry.details["certificates"] == 1
        assert "消える人" not in json.dumps(entry.details, ensure_ascii=False)
    client.get("/")  # a fresh page as a reader
    named = client.get(f"/board/{made['named_thread']}")
    assert "退会した支援者" in named.text and "名前つきの本文" in named.text
    anonymous = client.get(f"/board/{made['anonymous_thread']}")
    assert "匿名の支援者" in anonymous.text and "退会した支援者" not in anonymous.text


def test_deletion_can_remove_posts_and_refuses_own_account(app, client, auth, make_user, make_cohort, content):
    admin = make_user(Role.ADMIN)
    person = make_user()
    cohort = make_cohort(participants=[person])
    _fill(app, person.id, cohort.id)
    auth.login(admin.email)
    token = csrf_from(client.get(f"/admin/users/{person.id}/privacy").text)
    own = _delete(client, admin, token)
    assert own.status_code == 400 and "自分自身のアカウントは削除できません" in own.text
    assert _delete(client, person, token, **{"delete-remove_posts": "y"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BoardPost)
                                 .where(BoardPost.deleted_at.is_(None))) == 0
        assert db.session.get(User, admin.id) is not None
