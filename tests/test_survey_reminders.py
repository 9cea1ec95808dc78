"""The survey reminder (issue 15): 「未回答の人にリマインド」 on the report page and `elearn reminders run` on the
day the survey opens and SURVEY_REMINDER_DAYS later; once per person and day, not for those who answered or
stopped reminders; an anonymous mail with only the survey's link, sent through a real SMTP server (aiosmtpd)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.dates import today
from elearn.extensions import db
from elearn.models import MailPreference, OutboxItem, Role
from elearn.outbox import send_due
from tests.conftest import csrf_from
from tests.smtpd import smtp_server  # noqa: F401 (fixture)
from tests.test_evaluation import _answer_survey, evaluation_content  # noqa: F401 (fixture)


@pytest.fixture
def setup(app, client, auth, smtp_server, evaluation_content, make_user, make_cohort):
    """Four participants of a cohort whose survey opens today: one answered, one stopped reminders."""
    app.config.update(BASE_URL="http://localhost", MAIL_URL=smtp_server.url())
    organiser = make_user(Role.ORGANISER)
    people = [make_user(name=f"受講 さくら{n}", email=f"s{n}@example.jp") for n in range(4)]
    cohort = make_cohort([organiser], people, days=[today()])
    _answer_survey(client, auth, people[0], cohort.id, 4, "個人的な感想です")
    with app.app_context():
        db.session.add(MailPreference(user_id=people[1].id, reminders=False, board_digest=False))
        db.session.commit()
    return organiser, people, cohort


def _survey_mails(app):
    with app.app_context():
        return db.session.scalars(select(OutboxItem).where(OutboxItem.kind == "reminder_survey")
                                  .order_by(OutboxItem.id)).all()


def test_reminders_run_queues_once_for_non_responders_only(app, setup, smtp_server):
    """Opening day and 3 days later, once each however often it runs; never to who answered or unsubscribed."""
    _, people, cohort = setup
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "run"])
    assert first.exit_code == 0, first.output
    assert "受講後アンケート 2件" in first.output
    assert "受講後アンケート 0件" in runner.invoke(args=["reminders", "run"]).output
    assert sorted(m.recipient for m in _survey_mails(app)) == ["s2@example.jp", "s3@example.jp"]
    between = runner.invoke(args=["reminders", "run", "--date", (today() + timedelta(days=1)).isoformat()])
    assert "受講後アンケート" not in between.output
    for _ in range(2):
        later = runner.invoke(args=["reminders", "run", "--date", (today() + timedelta(days=3)).isoformat()])
    assert "受講後アンケート 0件" in later.output and len(_survey_mails(app)) == 4
    before = runner.invoke(args=["reminders", "run", "--date", (today() - timedelta(days=1)).isoformat()])
    assert "受講後アンケート" not in before.output and len(_survey_mails(app)) == 4
    with app.app_context():
        report = send_due("mail")
    assert report.sent == 4
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ["s2@example.jp", "s2@example.jp",
                                                                     "s3@example.jp", "s3@example.jp"]


def test_mail_is_anonymous_with_only_the_link_and_unsubscribe(app, setup, smtp_server):
    """Japanese, says it is anonymous, links the survey; no name, no answers, nothing about others; RFC 8058."""
    _, people, cohort = setup
    app.test_cli_runner().invoke(args=["reminders", "run"])
    with app.app_context():
        send_due("mail")
    message = smtp_server.received[0].message
    body = message.get_content()
    assert "受講後アンケート" in message["Subject"]
    assert "匿名" in body and f"http://localhost/evaluation/{cohort.id}/survey" in body
    assert "/mail/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for other in ("さくら", "個人的な感想", "s0@", "s1@", "s3@" if message["To"] == "s2@example.jp" else "s2@"):
        assert other not in body
    links = [line for line in body.splitlines() if "http" in line]
    assert len(links) == 2  # the survey and the unsubscribe page, nothing else


def test_one_click_unsubscribe_stops_the_survey_reminder(app, client, setup, smtp_server):
    """The List-Unsubscribe link of a survey reminder stops the next one."""
    _, people, cohort = setup
    runner = app.test_cli_runner()
    runner.invoke(args=["reminders", "run"])
    with app.app_context():
        send_due("mail")
    to_s2 = next(r.message for r in smtp_server.received if r.rcpt_tos == ["s2@example.jp"])
    link = str(to_s2["List-Unsubscribe"]).strip().strip("<>").replace("http://localhost", "")
    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code in (200, 204)
    runner.invoke(args=["reminders", "run", "--date", (today() + timedelta(days=3)).isoformat()])
    assert [m.recipient for m in _survey_mails(app)][2:] == ["s3@example.jp"]


def test_organiser_button_shows_count_and_mail_never_names(app, client, auth, setup, smtp_server):
    """The report offers the reminder with the count and the mail; no non-responder's name or address
    anywhere (page, mail log); sending twice the same day queues once."""
    organiser, people, cohort = setup
    auth.login(organiser.email)
    url = f"/evaluation/cohorts/{cohort.id}/report"
    page = client.get(url)
    assert "未回答の人にリマインド" in page.text and "2人にリマインドを送る" in page.text
    assert "受講後アンケートのお願い" in page.text and "匿名" in page.text
    for person in people:
        assert person.display_name not in page.text and person.email not in page.text
    for _ in range(2):
        client.post(f"{url}/remind", data={"csrf_token": csrf_from(client.get(url).text)})
    assert len(_survey_mails(app)) == 2
    assert "今日リマインドを送る相手はいません" in client.get(url).text
    log = client.get(f"/organiser/cohorts/{cohort.id}/mail")
    assert log.status_code == 200
    for person in people:
        assert person.email not in log.text
    assert client.post(f"{url}/remind", data={}).status_code == 400  # CSRF


def test_without_mail_or_before_opening_nothing_is_offered(app, client, auth, setup, make_cohort):
    """No ELEARN_MAIL_URL: the page says so and a POST queues nothing; before the survey opens: no button."""
    organiser, people, cohort = setup
    auth.login(organiser.email)
    url = f"/evaluation/cohorts/{cohort.id}/report"
    app.config.update(MAIL_URL=None)
    page = client.get(url)
    assert "メールの送信が設定されていないため" in page.text and "人にリマインドを送る" not in page.text
    response = client.post(f"{url}/remind", data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "メールの送信が設定されていないため" in response.text and _survey_mails(app) == []
    app.config.update(MAIL_URL="smtp://127.0.0.1:1")
    later = make_cohort([organiser], people[2:], days=[today() + timedelta(days=5)])
    page = client.get(f"/evaluation/cohorts/{later.id}/report")
    assert "回答期間ではないため" in page.text and "人にリマインドを送る" not in page.text
    client.post(f"/evaluation/cohorts/{later.id}/report/remind", data={"csrf_token": csrf_from(page.text)})
    assert _survey_mails(app) == []
