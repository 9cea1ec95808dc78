"""Board notifications: replies and わかります reach the author as counts with a badge; nothing in a
notification or the digest mail names the text, the title, the author or anonymity."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.dates import today
from elearn.extensions import db
from elearn.models import MailPreference, Notification, OutboxItem
from elearn.outbox import send_due
from tests.conftest import csrf_from
from tests.smtpd import smtp_server  # noqa: F401 (fixture)
from tests.test_board import as_user, new_thread_id, people, post_ids, reply, start_thread  # noqa: F401

TITLE = "訪問先の家族との関わりで悩んでいます"
BODY = "とても個人的な返信の本文です"


def _badge(html: str) -> str | None:
    match = re.search(r'aria-label="未読 (\d+)件"', html)
    return match.group(1) if match else None


def test_reply_and_reaction_notify_the_author(app, client, auth, people):
    """A reply and a わかります give the author an unread badge; opening marks it read."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, title=TITLE))
    assert _badge(client.get("/").text) is None
    as_user(client, auth, people.learner)
    reply(client, thread_id, body=BODY, anonymous=True)
    reply(client, thread_id, body=BODY + "2")
    opening = post_ids(app, thread_id)[0]
    page = client.get(f"/board/{thread_id}")
    client.post(f"/board/posts/{opening}/reaction", data={"csrf_token": csrf_from(page.text)})
    as_user(client, auth, people.author)
    home = client.get("/").text
    assert _badge(home) == "2"  # one per kind and thread, counted up
    listing = client.get("/board/notifications").text
    assert "返信が 2件" in listing and "「わかります」が 1件" in listing
    for secret in (TITLE, BODY, people.learner.display_name, "匿名"):
        assert secret not in listing.split("<main", 1)[1]
    with app.app_context():
        first = db.session.scalars(select(Notification).where(Notification.kind == "reply")).one()
    response = client.post(f"/board/notifications/{first.id}/open", data={"csrf_token": csrf_from(listing)})
    assert response.headers["Location"].endswith(f"/board/{thread_id}")
    assert _badge(client.get("/").text) == "1"
    client.post("/board/notifications/read", data={"csrf_token": csrf_from(listing)})
    assert _badge(client.get("/").text) is None


def test_replier_is_not_notified_and_others_in_the_thread_are(app, client, auth, people):
    """Everyone who posted in a thread hears of a new reply, except who wrote it."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client))
    as_user(client, auth, people.learner)
    reply(client, thread_id)
    as_user(client, auth, people.moderator)
    reply(client, thread_id)
    with app.app_context():
        rows = {(n.user_id, n.count) for n in db.session.scalars(select(Notification))}
    assert rows == {(people.author.id, 2), (people.learner.id, 1)}


def test_someone_elses_notification_cannot_be_opened(app, client, auth, people):
    """Opening another person's notification is 404."""
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client))
    as_user(client, auth, people.learner)
    reply(client, thread_id)
    with app.app_context():
        notification_id = db.session.scalar(select(Notification.id))
    page = client.get("/board/notifications")
    response = client.post(f"/board/notifications/{notification_id}/open", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 404


def test_digest_mail_has_only_counts_and_a_link(app, client, auth, people, smtp_server):
    """The opt-in digest says how many, links to the list, and nothing else about the posts."""
    app.config.update(BASE_URL="http://localhost", MAIL_URL=smtp_server.url())
    as_user(client, auth, people.author)
    thread_id = new_thread_id(start_thread(client, title=TITLE, anonymous=True))
    as_user(client, auth, people.learner)
    reply(client, thread_id, body=BODY)
    with app.app_context():
        db.session.add(MailPreference(user_id=people.author.id, reminders=True, board_digest=True))
        db.session.commit()
    runner = app.test_cli_runner()
    assert "ひろばのお知らせ 1件" in runner.invoke(args=["reminders", "run"]).output
    assert "ひろばのお知らせ 0件" in runner.invoke(args=["reminders", "run"]).output  # once a day
    with app.app_context():
        send_due("mail")
        assert db.session.scalar(select(OutboxItem.payload)) is None
    [received] = smtp_server.received
    raw = received.message.as_string()
    body = received.message.get_content()
    assert "返信: 1 件" in body and "http://localhost/board/notifications" in body
    for secret in (TITLE, BODY, people.learner.display_name, people.learner.email, "匿名"):
        assert secret not in body and secret not in received.message["Subject"]
    assert received.rcpt_tos == [people.author.email] and raw
