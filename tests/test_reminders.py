"""Reminders: by hand to those behind (list and mail shown first), automatic ones by `elearn reminders run`
(idempotent), stopped from settings and by one-click unsubscribe (RFC 8058), never for invitations."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from elearn.dates import today
from elearn.extensions import db
from elearn.models import CohortReminder, MailPreference, OutboxItem, Progress, Role
from elearn.outbox import send_due
from tests.conftest import csrf_from
from tests.smtpd import smtp_server  # noqa: F401 (fixture)


@pytest.fixture
def setup(app, content, smtp_server, make_user, make_cohort, auth):
    """An organiser signed in; a cohort half-way through with three participants, one done."""
    app.config.update(BASE_URL="http://localhost", MAIL_URL=smtp_server.url())
    organiser = make_user(Role.ORGANISER)
    people = [make_user(name=f"受講 {n}", email=f"p{n}@example.jp") for n in range(3)]
    cohort = make_cohort([organiser], people, opens_on=today() - timedelta(days=20),
                         closes_on=today() + timedelta(days=7), days=[today() + timedelta(days=1)])
    with app.app_context():
        for module_id in cohort.module_ids:
            db.session.add(Progress(user_id=people[0].id, module_id=module_id, completed_at=datetime.now(timezone.utc)))
        db.session.commit()
    auth.login(organiser.email)
    return organiser, people, cohort


def _outbox(app, kind=None):
    with app.app_context():
        statement = select(OutboxItem).order_by(OutboxItem.id)
        if kind:
            statement = statement.where(OutboxItem.kind == kind)
        return db.session.scalars(statement).all()


def test_remind_behind_shows_list_and_mail_then_sends_once_a_day(app, client, setup, smtp_server):
    """The page lists those behind and the exact mail; sending twice the same day sends once."""
    _, people, cohort = setup
    page = client.get(f"/organiser/cohorts/{cohort.id}/reminders")
    assert "2人にリマインドを送る" in page.text and "受講 1" in page.text and "受講 0（" not in page.text
    assert "の学習のお願い" in page.text
    for _ in range(2):
        page = client.get(f"/organiser/cohorts/{cohort.id}/reminders")
        client.post(f"/organiser/cohorts/{cohort.id}/reminders/send", data={"csrf_token": csrf_from(page.text)})
    assert len(_outbox(app, "reminder_behind")) == 2
    assert "今日リマインドを送る相手はいません" in client.get(f"/organiser/cohorts/{cohort.id}/reminders").text
    with app.app_context():
        send_due("mail")
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ["p1@example.jp", "p2@example.jp"]
    body = smtp_server.received[0].message.get_content()
    assert "完了は 0 件です" in body and "http://localhost/" in body


def test_reminders_run_is_idempotent(app, setup, smtp_server):
    """`elearn reminders run` queues 7-days-before and the day-before mails once, however often it runs."""
    _, people, cohort = setup
    with app.app_context():
        db.session.add(CohortReminder(cohort_id=cohort.id, enabled=True, days_before_close="7,1",
                                      day_before_in_person=True))
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "run"])
    assert first.exit_code == 0, first.output
    assert "受講期間の終了前 2件" in first.output and "集合研修の前日 3件" in first.output
    again = runner.invoke(args=["reminders", "run"])
    assert "受講期間の終了前 0件" in again.output and "集合研修の前日 0件" in again.output
    assert len(_outbox(app, "reminder_close")) == 2 and len(_outbox(app, "reminder_day")) == 3
    # The 1-day-before reminder is another kind of the same family: it goes out on its own day.
    tomorrow = (today() + timedelta(days=6)).isoformat()
    later = runner.invoke(args=["reminders", "run", "--date", tomorrow])
    assert "受講期間の終了前 2件" in later.output
    with app.app_context():
        send_due("mail")
    subjects = sorted(r.message["Subject"] for r in smtp_server.received)
    assert any("あと7日" in s for s in subjects) and any("あと1日" in s for s in subjects)
    assert any("明日は集合研修です" in s for s in subjects)


def test_disabled_cohort_gets_no_automatic_reminders(app, setup):
    """Without enabled settings `reminders run` queues nothing."""
    result = app.test_cli_runner().invoke(args=["reminders", "run"])
    assert result.exit_code == 0 and "合計 0件" in result.output and _outbox(app) == []


def test_reminder_queue_statements_do_not_grow_with_the_cohort(app, setup, make_user):
    """Queueing reminders for 3 or 30 people takes the same number of SQL statements."""
    from elearn.models import Cohort, Enrolment
    from elearn.organiser.reminders import remind_behind

    _, _, cohort_ids = setup

    def statements() -> int:
        with app.app_context():
            count = 0

            def counter(*args):
                nonlocal count
                count += 1

            event.listen(db.engine, "before_cursor_execute", counter)
            try:
                cohort = db.session.get(Cohort, cohort_ids.id)
                count = 0
                remind_behind(cohort)
                db.session.rollback()
            finally:
                event.remove(db.engine, "before_cursor_execute", counter)
            return count

    small = statements()
    with app.app_context():
        for n in range(27):
            db.session.add(Enrolment(cohort_id=cohort_ids.id, user_id=make_user().id))
        db.session.commit()
    assert statements() == small


def test_settings_form_validates_in_japanese(app, client, setup):
    """Wrong day lists are refused with a Japanese message; good ones are saved normalised."""
    _, _, cohort = setup
    url = f"/organiser/cohorts/{cohort.id}/reminders"
    page = client.get(url)
    bad = client.post(url + "/settings", data={"csrf_token": csrf_from(page.text), "enabled": "y",
                                               "days_before_close": "七日"})
    assert bad.status_code == 400 and "1〜60の日数を" in bad.text
    client.post(url + "/settings", data={"csrf_token": csrf_from(page.text), "enabled": "y",
                                         "days_before_close": "１、7"})
    with app.app_context():
        row = db.session.get(CohortReminder, cohort.id)
        assert row.enabled and row.days_before_close == "7,1" and not row.day_before_in_person


def test_one_click_unsubscribe_stops_reminders_not_invitations(app, setup, smtp_server):
    """The List-Unsubscribe URL accepts the RFC 8058 POST; afterwards no reminders are queued."""
    _, people, cohort = setup
    from elearn.models import Cohort
    from elearn.organiser.reminders import remind_behind

    with app.app_context():
        remind_behind(db.session.get(Cohort, cohort.id))
        db.session.commit()
        send_due("mail")
    message = next(r.message for r in smtp_server.received if r.rcpt_tos == ["p1@example.jp"])
    url = message["List-Unsubscribe"].strip().strip("<>")
    path = url.removeprefix("http://localhost")
    mail_client = app.test_client()  # a mail provider: no session, no CSRF token
    assert "メールを停止する" in mail_client.get(path).text  # GET only asks (link scanners open links)
    with app.app_context():
        assert db.session.get(MailPreference, people[1].id) is None
    response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "メールを停止しました" in response.text
    assert mail_client.post(path + "x", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    with app.app_context():
        assert db.session.get(MailPreference, people[1].id).reminders is False
        db.session.execute(OutboxItem.__table__.delete())
        db.session.commit()
        remind_behind(db.session.get(Cohort, cohort.id))
        db.session.commit()
        assert db.session.scalars(select(OutboxItem.recipient)).all() == ["p2@example.jp"]


def test_learner_settings_stop_reminders(app, client, setup, auth):
    """「メールの設定」: a learner turns reminders off and the next reminder leaves them out."""
    _, people, cohort = setup
    auth.logout()
    auth.login(people[2].email)
    page = client.get("/mail/settings")
    assert "招待とパスワード再設定のメールは" in page.text
    client.post("/mail/settings", data={"csrf_token": csrf_from(page.text)})  # both boxes unticked
    with app.app_context():
        from elearn.models import Cohort
        from elearn.organiser.reminders import remind_behind

        assert remind_behind(db.session.get(Cohort, cohort.id)) == 1
        db.session.commit()
        assert db.session.scalars(select(OutboxItem.recipient)).all() == ["p1@example.jp"]
