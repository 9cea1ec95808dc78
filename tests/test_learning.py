"""The learning flow: module pages, quizzes, scenes, records — through the test client."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import Module, Progress, QuizAttempt

from .conftest import AuthActions, csrf_from

RIGHT = {"q-q1": "a", "q-q2": ["a", "b"], "q-q3": "true"}
WRONG = {"q-q1": "b", "q-q2": ["a", "c"], "q-q3": "false"}


@pytest.fixture
def learner(auth, make_user, content):
    user = make_user()
    auth.login(user.email)
    return user


def quiz_form(client, url="/courses/initial/t-alpha") -> dict:
    """The hidden fields of the quiz form on ``url``."""
    html = client.get(url).text
    token = re.search(r'name="attempt" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_from(html), "attempt": token}


def submit(client, answers, slug="t-alpha", form=None, url="/courses/initial/t-alpha"):
    data = dict(form or quiz_form(client, url))
    data.update(answers)
    return client.post(f"/quiz/{slug}", data=data)


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(QuizAttempt.id))),
                db.session.scalar(select(func.count(Progress.id))))


def test_quiz_page_holds_no_correct_answers(client, learner):
    """Before submitting, the page has option ids and texts only: no flags, reasons or explanations."""
    html = client.get("/courses/initial/t-alpha").text
    assert "確認テスト" in html and "正解の選択肢" in html
    for secret in ("correct", "これは誤りです", "正解は a です", "三つ目は当てはまりません", "テスト ＞ 見出し"):
        assert secret not in html


def test_option_order_is_shuffled_per_attempt(client, learner):
    orders = set()
    for _ in range(12):
        html = client.get("/courses/initial/t-alpha").text
        orders.add(tuple(re.findall(r'name="q-q2" value="(\w)"', html)))
    assert len(orders) > 1 and all(sorted(order) == ["a", "b", "c"] for order in orders)


def test_passing_marks_module_complete_and_shows_explanations(app, client, learner):
    response = submit(client, RIGHT)
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    assert "100%" in result.text and "合格です" in result.text
    assert "正解は a です" in result.text and "出典：テスト ＞ 見出し" in result.text
    assert "これは誤りです" in result.text  # the reason a wrong option is wrong
    with app.app_context():
        progress = db.session.scalar(select(Progress))
        assert progress.completed_at is not None and progress.best_score == 100
    assert "修了" in client.get("/courses/initial/").text
    assert "1 / 2 修了" in client.get("/").text


def test_a_pass_leads_on_and_a_fail_lists_the_missed_questions(client, learner):
    """After a pass the primary button opens the next module; after a fail the missed questions are
    listed as links to their explanations, and a multiple-answer question says how many were right."""
    passed = client.get(submit(client, RIGHT).headers["Location"]).text
    assert re.search(r'class="button button--primary button--large" href="/courses/initial/t-beta">次の教材へ：テスト教材B',
                     passed)
    failed = client.get(submit(client, {"q-q1": "b", "q-q2": ["a", "c"], "q-q3": "true"}).headers["Location"]).text
    assert "まちがえた問題（2問）" in failed
    assert '<a href="#review-q1">問1</a>' in failed and '<a href="#review-q2">問2</a>' in failed
    assert 'href="#review-q3"' not in failed and 'id="review-q3"' in failed
    assert "正解は2つ。あなたが選んだうち正解は1つ、誤りは1つです。" in failed
    assert "次の教材へ" not in failed


def test_failing_keeps_best_score_and_completion(app, client, learner):
    submit(client, RIGHT)
    response = submit(client, WRONG)
    assert "0%" in client.get(response.headers["Location"]).text
    with app.app_context():
        progress = db.session.scalar(select(Progress))
        assert progress.best_score == 100 and progress.completed_at is not None
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 2


def test_missing_answer_is_explained_and_nothing_recorded(app, client, learner):
    response = submit(client, {"q-q1": "a", "q-q3": "true"})
    assert response.status_code == 400
    assert "未回答の問題があります。" in response.text
    assert 'value="a" id="q-q1-a" checked' in response.text  # the answers given are kept
    assert counts(app) == (0, 1)


@pytest.mark.parametrize("answers, message", [
    ({"q-q1": "z", "q-q2": ["a"], "q-q3": "true"}, "存在しない選択肢が送信されました。"),
    ({"q-q1": ["a", "b"], "q-q2": ["a"], "q-q3": "true"}, "選択肢を1つだけ選んでください。"),
])
def test_bad_options_are_refused(app, client, learner, answers, message):
    response = submit(client, answers)
    assert response.status_code == 400 and message in response.text
    assert counts(app)[0] == 0


def test_unknown_question_is_refused(app, client, learner):
    response = submit(client, {**RIGHT, "q-q99": "a"})
    assert response.status_code == 302
    assert "このテストにない問題" in client.get(response.headers["Location"]).text
    assert counts(app)[0] == 0


def test_forged_or_foreign_token_is_refused(app, client, learner, make_user):
    other = app.test_client()
    AuthActions(other).login(make_user().email)
    foreign = quiz_form(other)
    mine = quiz_form(client)
    for token in (foreign["attempt"], mine["attempt"] + "x", ""):
        response = submit(client, RIGHT, form={"csrf_token": mine["csrf_token"], "attempt": token})
        assert response.status_code == 302
    assert "回答フォームを確認できませんでした" in client.get("/courses/initial/t-alpha").text
    assert counts(app)[0] == 0


def test_double_submit_records_one_attempt(app, client, learner):
    """Submitting the same form twice (double click, replay) keeps one attempt and one score."""
    form = quiz_form(client)
    first = submit(client, WRONG, form=form)
    second = submit(client, RIGHT, form=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert "すでに送信済み" in client.get(second.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
        assert db.session.scalar(select(Progress.best_score)) == 0


def test_post_without_csrf_is_refused(client, learner):
    form = quiz_form(client)
    response = client.post("/quiz/t-alpha", data={"attempt": form["attempt"], **RIGHT})
    assert response.status_code == 400


def test_quiz_of_retired_or_unknown_module_is_404(app, client, learner):
    form = quiz_form(client)
    with app.app_context():
        db.session.execute(db.update(Module).where(Module.slug == "t-alpha").values(retired=True))
        db.session.commit()
    assert submit(client, RIGHT, form=form).status_code == 404
    assert client.post("/quiz/nothing", data=form).status_code == 404
    assert client.get("/courses/initial/t-alpha").status_code == 404


def test_result_of_another_learner_is_404(app, client, learner, make_user):
    location = submit(client, RIGHT).headers["Location"]
    other = app.test_client()
    AuthActions(other).login(make_user().email)
    assert other.get(location).status_code == 404


def test_concurrent_passing_submissions_leave_one_completed_row(app, learner, make_user, database_url):
    """Two passing submissions at the same moment: exactly one progress row, marked complete."""
    user = make_user()
    clients = [app.test_client() for _ in range(2)]
    forms = []
    for c in clients:
        AuthActions(c).login(user.email)
        forms.append(quiz_form(c, "/courses/initial/t-beta"))
    # the quiz forms opened t-beta, creating its progress row; remove it so the race creates it
    with app.app_context():
        db.session.execute(db.delete(Progress).where(Progress.user_id == user.id))
        db.session.commit()
    barrier = threading.Barrier(2)
    codes = []

    def go(c, form):
        barrier.wait()
        codes.append(submit(c, RIGHT, slug="t-beta", form=form).status_code)

    threads = [threading.Thread(target=go, args=pair) for pair in zip(clients, forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302, 302]
    with app.app_context():
        rows = db.session.scalars(select(Progress).where(Progress.user_id == user.id)).all()
        assert len(rows) == 1 and rows[0].completed_at is not None and rows[0].best_score == 100
        assert db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user.id)) == 2


def test_scene_choice_shows_feedback_then_hints_and_quiz(client, learner):
    page = client.get("/courses/hints/t-scene")
    assert "次にすることは？" in page.text and "急かすと関係が途切れます" not in page.text
    assert 'id="quiz"' not in page.text
    chosen = client.get("/courses/hints/t-scene?choice=b")
    text = chosen.text
    assert "あなたが選んだ対応" in text and "急かすと関係が途切れます" in text
    assert text.index("急かすと関係が途切れます") < text.index("待つことも支援です")
    assert "信じて長期的に支援する" in text and 'id="quiz"' in text


def test_scene_quiz_completes_it(app, client, learner):
    response = submit(client, RIGHT, slug="t-scene", form=quiz_form(client, "/courses/hints/t-scene?choice=a"))
    assert "合格です" in client.get(response.headers["Location"]).text


def test_records_page_lists_modules_and_attempts(client, learner):
    submit(client, WRONG)
    submit(client, RIGHT)
    html = client.get("/records").text
    assert "学習の記録" in html and "テスト教材A" in html
    assert html.count(">合格（詳細）") == 1 and html.count(">不合格（詳細）") == 1


def test_dashboard_resumes_last_opened_unfinished_module(client, learner):
    client.get("/courses/initial/t-beta")
    assert "続きから：テスト教材B" in client.get("/").text


def test_content_snapshot_is_reused_until_it_expires(app, client, learner, monkeypatch):
    """Workers serve content from memory and pick up a re-import once the snapshot expires."""
    import elearn.content.snapshot as cache

    app.config["CONTENT_CACHE_SECONDS"] = 30
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    assert "テスト教材A" in client.get("/courses/initial/t-alpha").text
    with app.app_context():
        db.session.execute(db.update(Module).where(Module.slug == "t-alpha").values(title="改訂した教材A"))
        db.session.commit()
    assert "テスト教材A" in client.get("/courses/initial/t-alpha").text
    clock[0] += 31
    assert "改訂した教材A" in client.get("/courses/initial/t-alpha").text


def test_dashboard_lists_recent_board_threads_without_authors(app, client, learner, make_user):
    from elearn.board.services import create_thread

    author = make_user(name="匿名にしたい人")
    with app.app_context():
        create_thread(db.session.get(type(author), author.id), category="other", title="夜の訪問がつらい",
                      body="本文です。", anonymous=True)
        db.session.commit()
    html = client.get("/").text
    assert "夜の訪問がつらい" in html and "匿名にしたい人" not in html


def test_dashboard_shows_the_learners_cohorts_and_deadlines(app, client, learner, make_cohort):
    cohort = make_cohort(participants=[learner])
    html = client.get("/").text
    assert "受講中の研修" in html and "令和8年度 新任職員研修 第1期" in html and "オンデマンド受講期限" in html
    assert "必修教材 0 / 2 修了" in html and cohort.id
