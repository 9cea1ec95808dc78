"""The mail log: admins see every mail; a cohort's organisers see the cohort's mails to its participants
only; nobody sees a body or a token."""
from __future__ import annotations

from elearn.extensions import db
from elearn.mail import queue_mail
from elearn.models import Role, User


def _queue(app, user, kind, subject, cohort_id=None):
    with app.app_context():
        queue_mail(kind, db.session.get(User, user.id), subject, "本文 http://localhost/auth/set-password/SECRET-TOKEN",
                   cohort_id=cohort_id)
        db.session.commit()


def test_admin_and_organiser_logs(app, client, auth, make_user, make_cohort):
    """Admin: all mails; organiser: their cohort's participants' mails only; learner: 403."""
    app.config["BASE_URL"] = "http://localhost"
    organiser, admin = make_user(Role.ORGANISER), make_user(Role.ADMIN)
    mine, theirs = make_user(email="mine@example.jp"), make_user(email="theirs@example.jp")
    cohort = make_cohort([organiser], [mine])
    other = make_cohort([], [theirs])
    _queue(app, mine, "invitation", "招待の件名", cohort.id)
    _queue(app, theirs, "invitation", "別の研修の招待", other.id)
    _queue(app, mine, "password_reset", "再設定の件名")
    auth.login(admin.email)
    page = client.get("/admin/mail").text
    assert "招待の件名" in page and "別の研修の招待" in page and "再設定の件名" in page
    assert "SECRET-TOKEN" not in page and "送信待ち 3件" in page
    assert "mine@example.jp" in client.get("/admin/mail?status=queued").text
    assert "mine@example.jp" not in client.get("/admin/mail?status=failed").text
    auth.logout()
    auth.login(organiser.email)
    page = client.get(f"/organiser/cohorts/{cohort.id}/mail").text
    assert "招待の件名" in page and "別の研修の招待" not in page and "再設定の件名" not in page
    assert client.get("/admin/mail").status_code == 403
    auth.logout()
    auth.login(mine.email)
    assert client.get(f"/organiser/cohorts/{cohort.id}/mail").status_code == 403
    assert client.get("/admin/mail").status_code == 403
