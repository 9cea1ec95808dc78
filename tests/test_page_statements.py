"""The signed-in pages of the performance table (bench/pages.py) run as many SQL statements with many
learners, participants, threads and attempts as with few."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from sqlalchemy import insert, select

from elearn.board import services as board
from elearn.extensions import db
from elearn.models import Enrolment, Module, Progress, Quiz, QuizAttempt, Role, User
from elearn.organiser import routes as organiser_routes

from .conftest import count_statements

NOW = datetime.now(timezone.utc)
LEARNER_PAGES = ["/courses/hints/t-scene", "/courses/initial/t-alpha", "/courses/", "/board/", "/"]
ORGANISER_PAGES = ["/organiser/"]


def _statements(app, client, url: str) -> int:
    with count_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _grow(app, cohort_id: int, learner_id: int, start: int, count: int) -> None:
    """``count`` more learners enrolled in the cohort with progress and attempts, the learner's own
    attempts, and board threads with replies."""
    with app.app_context():
        modules = db.session.execute(select(Module.id, Quiz.id).join(Quiz, Quiz.module_id == Module.id)).all()
        db.session.execute(insert(User), [{"email": f"grow{i}@example.jp", "display_name": f"増{i:04d}",
                                           "organisation": "センター", "prefecture": "東京都", "role": "learner"}
                                          for i in range(start, start + count)])
        ids = db.session.scalars(select(User.id).where(User.email.like("grow%")).order_by(User.id)
                                 .offset(start)).all()
        db.session.execute(insert(Enrolment), [{"cohort_id": cohort_id, "user_id": i} for i in ids])
        db.session.execute(insert(Progress), [{"user_id": i, "module_id": m, "opened_at": NOW, "completed_at": NOW}
                                              for i in ids for m, _ in modules])
        db.session.execute(insert(QuizAttempt), [
            {"user_id": u, "quiz_id": q, "nonce": secrets.token_hex(16), "answers": {}, "score": 50,
             "passed": False, "submitted_at": NOW} for u in [*ids, *([learner_id] * count)] for _, q in modules])
        author = db.session.get(User, ids[0])
        for number in range(count // 5):
            thread = board.create_thread(author, category="other", title=f"話題{start + number}", body="本文",
                                         anonymous=bool(number % 2))
            board.add_reply(thread, author, body="返信", anonymous=False)
        db.session.commit()


def test_table_pages_do_not_grow(app, client, auth, make_user, make_cohort, content, monkeypatch):
    """Each page of the table: the same statements at 10 and at 200 learners (with their attempts and threads).
    The organiser's start page lists its participants at both sizes (the longer of its two forms)."""
    monkeypatch.setattr(organiser_routes, "LIST_WITHOUT_SEARCH", 1000)
    learner, organiser = make_user(name="計測 受講者"), make_user(Role.ORGANISER)
    cohort = make_cohort([organiser], [learner], capacity=1000)
    counts = {}
    for size in (10, 200):
        _grow(app, cohort.id, learner.id, len(counts) * 10, size - len(counts) * 10)
        counts[size] = {}
        for user, pages in ((learner, LEARNER_PAGES), (organiser, ORGANISER_PAGES)):
            client.delete_cookie("elearn_session")
            auth.login(user.email)
            for url in pages:
                _statements(app, client, url)  # first view may record 学習中 or touch the session
                counts[size][url] = _statements(app, client, url)
    assert counts[10] == counts[200], counts
    assert max(counts[200].values()) <= 20, counts  # tests reload the content snapshot on every request
