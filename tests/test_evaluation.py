"""Training effect (issue 15): pre/post tests, the anonymous survey, question analysis and the report."""
from __future__ import annotations

import io
import math
import shutil
import statistics
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select, text

from elearn.dates import today
from elearn.extensions import db
from elearn.models import (AssessmentAttempt, Cohort, QuestionResult, Quiz, Role, SurveyAnswer, SurveyResponded,
                           SurveyResponse)
from elearn.evaluation.analysis import point_biserial, question_analysis
from elearn.evaluation.report import paired_statistics
from elearn.learning.quiz import grade, record_attempt

from .conftest import FIXTURE_CONTENT, AuthActions, csrf_from

FORM = """id: prepost-t
curriculum: initial
title: テスト用 事前・事後テスト
questions:
  - id: q1
    type: single
    prompt: 正しいものはどれ？
    options:
      - id: a
        text: 正解の選択肢
        correct: true
      - id: b
        text: 誤りの選択肢
        reason: これは誤りです。
    explanation: 正解は a です。
    source: テスト ＞ 見出し
  - id: q2
    type: truefalse
    prompt: これは正しい。
    answer: true
    explanation: 正しいです。
    source: テスト ＞ 見出し
"""
SURVEY = """id: survey-t
curriculum: initial
title: テスト用 受講後アンケート
items:
  - id: understood
    type: scale
    prompt: 理解できた
  - id: best
    type: single
    prompt: 役に立った内容
    options:
      - id: a
        text: 講義
      - id: b
        text: グループワーク
  - id: more
    type: multiple
    prompt: 取り上げてほしい内容
    required: false
    options:
      - id: x
        text: 事例検討
      - id: y
        text: 家族支援
  - id: comment
    type: text
    prompt: ご意見
"""
RIGHT = {"q-q1": "a", "q-q2": "true"}
HALF = {"q-q1": "b", "q-q2": "true"}


@pytest.fixture
def evaluation_content(tmp_path, runner):
    """The fixture content plus a pre/post form and a survey, imported."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "prepost").mkdir()
    (root / "prepost" / "t.yaml").write_text(FORM, encoding="utf-8")
    (root / "surveys").mkdir()
    (root / "surveys" / "t.yaml").write_text(SURVEY, encoding="utf-8")
    result = runner.invoke(args=["content", "import", "--dir", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def people(make_user):
    return {"organiser": make_user(role=Role.ORGANISER), "other_organiser": make_user(role=Role.ORGANISER),
            "learners": [make_user(name=f"受講者{i}") for i in range(7)]}


def post_form(client, url, answers):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page.text), **answers})


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_content_check_reports_survey_and_form_problems_with_lines(tmp_path, runner):
    """A survey with an unknown item type and a form without explanation are problems at their lines."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "surveys").mkdir()
    (root / "surveys" / "bad.yaml").write_text(SURVEY.replace("type: scale", "type: slider"), encoding="utf-8")
    (root / "prepost").mkdir()
    (root / "prepost" / "bad.yaml").write_text(FORM.replace("    explanation: 正解は a です。\n", ""), encoding="utf-8")
    result = runner.invoke(args=["content", "check", "--dir", str(root)])
    assert result.exit_code == 1
    assert "surveys/bad.yaml:6: type は scale / single / multiple / text のいずれかにしてください。" in result.output
    assert "prepost/bad.yaml:5: explanation がありません。" in result.output


def test_shipped_forms_and_surveys_are_valid():
    """The shipped pre/post forms have 20–30 questions each, with an explanation and a source, and a survey per curriculum."""
    from pathlib import Path

    from elearn.content import load_catalog
    catalog = load_catalog(Path(__file__).resolve().parent.parent)
    assert catalog.ok, catalog.problems[:3]
    by_curriculum = {f.curriculum: f for f in catalog.forms.values()}
    assert set(by_curriculum) == {"initial", "followup"}
    for form in by_curriculum.values():
        assert 20 <= len(form.questions) <= 30
        assert all(q["explanation"].strip() and q["source"].strip() for q in form.questions)
    assert {s.curriculum for s in catalog.surveys.values()} == {"initial", "followup"}


def test_pre_test_once_without_feedback_then_growth_after_post(app, client, auth, people, evaluation_content, make_cohort):
    """The pre-test is taken once and shows no answers until the post-test is done; then both scores and the gain."""
    learner = people["learners"][0]
    cohort = make_cohort([people["organiser"]], [learner], days=[today() + timedelta(days=2)])
    auth.login(learner.email)
    assert post_form(client, f"/evaluation/{cohort.id}/test/pre", HALF).status_code == 302
    page = client.get(f"/evaluation/{cohort.id}").text
    assert "結果と解説は事後テストのあとに表示されます" in page and "正解は a です" not in page
    second = post_form(client, f"/evaluation/{cohort.id}/test/pre", RIGHT)
    assert second.status_code in (403, 409) and "すでに回答済み" in second.text
    assert count(app, AssessmentAttempt) == 1
    with app.app_context():  # the in-person day comes
        db.session.get(Cohort, cohort.id).days[0].day = today()
        db.session.commit()
    assert post_form(client, f"/evaluation/{cohort.id}/test/post", RIGHT).status_code == 302
    page = client.get(f"/evaluation/{cohort.id}").text
    assert "+50点" in page and "正解は a です" in page
    with app.app_context():
        scores = sorted(db.session.execute(select(AssessmentAttempt.phase, AssessmentAttempt.score)).all())
    assert scores == [("post", 100), ("pre", 50)]


def test_pre_test_closes_when_a_required_module_is_opened(app, client, auth, people, evaluation_content, make_cohort):
    """Opening the first required module ends the pre-test window; a submission then is refused and not stored."""
    learner = people["learners"][0]
    cohort = make_cohort([people["organiser"]], [learner])
    auth.login(learner.email)
    page = client.get(f"/evaluation/{cohort.id}/test/pre")
    assert page.status_code == 200
    client.get("/courses/initial/t-alpha")
    response = client.post(f"/evaluation/{cohort.id}/test/pre", data={"csrf_token": csrf_from(page.text), **RIGHT})
    assert response.status_code == 409 and "必修教材を開いたため" in response.text
    assert count(app, AssessmentAttempt) == 0


def test_post_test_before_it_opens_and_bad_answers_are_refused(app, client, auth, people, evaluation_content, make_cohort):
    """Before the last in-person day the post-test is refused in Japanese; an unknown option is refused too; nothing stored."""
    learner = people["learners"][0]
    later = make_cohort([people["organiser"]], [learner], days=[today() + timedelta(days=3)])
    auth.login(learner.email)
    page = client.get(f"/evaluation/{later.id}/test/pre")
    response = client.post(f"/evaluation/{later.id}/test/post", data={"csrf_token": csrf_from(page.text), **RIGHT})
    assert response.status_code == 409 and "事後テストは" in response.text and "から回答できます" in response.text
    bad = client.post(f"/evaluation/{later.id}/test/pre", data={"csrf_token": csrf_from(page.text), "q-q1": "z", "q-q2": "true"})
    assert bad.status_code == 400 and "存在しない選択肢が送信されました" in bad.text
    assert count(app, AssessmentAttempt) == 0


def test_another_cohorts_tests_and_survey_are_refused(app, client, auth, people, evaluation_content, make_cohort):
    """Someone not enrolled gets a Japanese refusal for the tests and the survey, and nothing is stored."""
    learner, outsider = people["learners"][:2]
    cohort = make_cohort([people["organiser"]], [learner], days=[today()])
    auth.login(outsider.email)
    page = client.get("/")
    for url, data in ((f"/evaluation/{cohort.id}/test/pre", RIGHT),
                      (f"/evaluation/{cohort.id}/survey", {"s-understood": "5", "s-best": "a"})):
        response = client.post(url, data={"csrf_token": csrf_from(page.text), **data})
        assert response.status_code == 403 and "この研修の参加者ではないため" in response.text
    assert count(app, AssessmentAttempt) == 0 and count(app, SurveyResponse) == 0


def _answer_survey(client, auth, user, cohort_id, value, comment):
    auth.login(user.email)
    response = post_form(client, f"/evaluation/{cohort_id}/survey",
                         {"s-understood": str(value), "s-best": "a", "s-more": ["x", "y"], "s-comment": comment})
    AuthActions(client).logout()
    return response


def test_survey_refuses_out_of_range_and_second_answers(app, client, auth, people, evaluation_content, make_cohort):
    """A 6 on a 5-point item and a missing required item are refused with messages; a second response is refused."""
    learner = people["learners"][0]
    cohort = make_cohort([people["organiser"]], [learner], days=[today()])
    auth.login(learner.email)
    response = post_form(client, f"/evaluation/{cohort.id}/survey", {"s-understood": "6"})
    assert response.status_code == 400
    assert "1〜5 のいずれかを選んでください。" in response.text and "未回答です。" in response.text
    assert count(app, SurveyResponse) == 0 and count(app, SurveyResponded) == 0
    AuthActions(client).logout()
    assert _answer_survey(client, auth, learner, cohort.id, 4, "よかった").status_code == 302
    second = _answer_survey(client, auth, learner, cohort.id, 1, "二回目")
    assert second.status_code in (403, 409) and "すでに回答済み" in second.text
    assert count(app, SurveyResponse) == 1


def test_survey_is_anonymous_and_hidden_below_five(app, client, auth, people, evaluation_content, make_cohort):
    """Responses have no person column, random ids, a date only and no rowid; the report and its XLSX show no
    figure below 5 responses, and from 5 on show figures and free texts but never who answered or in what order."""
    organiser, learners = people["organiser"], people["learners"]
    cohort = make_cohort([organiser], learners, days=[today()])
    for index, learner in enumerate(learners[:4]):
        assert _answer_survey(client, auth, learner, cohort.id, 5, f"コメント{index}").status_code == 302
    auth.login(organiser.email)
    page = client.get(f"/evaluation/cohorts/{cohort.id}/report").text
    assert "回答が5件に満たないため" in page and "コメント0" not in page
    book = load_workbook(io.BytesIO(client.get(f"/evaluation/cohorts/{cohort.id}/report.xlsx").data))
    assert "5件未満" in str([c.value for row in book["アンケート"].iter_rows() for c in row])
    AuthActions(client).logout()
    for index, learner in enumerate(learners[4:], start=4):
        _answer_survey(client, auth, learner, cohort.id, 3, f"コメント{index}")
    auth.login(organiser.email)
    page = client.get(f"/evaluation/cohorts/{cohort.id}/report").text
    assert "回答 7件" in page and "平均 4.14" in page  # (4 × 5 + 3 × 3) / 7
    assert all(f"コメント{i}" in page for i in range(7))
    orders = set()
    for _ in range(6):
        html = client.get(f"/evaluation/cohorts/{cohort.id}/report").text
        orders.add(tuple(sorted(range(7), key=lambda i: html.index(f"コメント{i}"))))
    assert len(orders) > 1, "free texts are shown in random order"
    for learner in learners:
        assert learner.display_name not in page and learner.email not in page
    data = client.get(f"/evaluation/cohorts/{cohort.id}/report.xlsx").data
    book = load_workbook(io.BytesIO(data))
    cells = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert "コメント3" in cells and all(l.display_name not in cells and l.email not in cells for l in learners)
    with app.app_context():
        for table in ("survey_responses", "survey_answers"):
            columns = {c["name"] for c in inspect(db.engine).get_columns(table)}
            assert not columns & {"user_id", "created_at", "submitted_at"}, columns
        assert {c["name"] for c in inspect(db.engine).get_columns("survey_responded")} == {"cohort_id", "user_id"}
        ids = [row.id for row in db.session.scalars(select(SurveyResponse))]
        assert len(ids) == 7 and all(len(i) == 32 for i in ids)
        # Neither the stored order (a SELECT without ORDER BY) nor the ids follow the order of answering
        # (コメント0 … コメント6 were written in that order; chance of a false failure 2/5040).
        natural = [t for t in db.session.scalars(text("SELECT text FROM survey_answers WHERE text IS NOT NULL"))]
        by_id = [t for t in db.session.scalars(select(SurveyAnswer.text).where(SurveyAnswer.text.is_not(None))
                                                .order_by(SurveyAnswer.response_id))]
        written = [f"コメント{i}" for i in range(7)]
        assert sorted(natural) == written and natural != written and by_id != written
        if db.engine.dialect.name == "sqlite":
            for table in ("survey_responses", "survey_answers", "survey_responded"):
                with pytest.raises(Exception):
                    db.session.execute(text(f"SELECT rowid FROM {table}")).all()
                db.session.rollback()


def test_point_biserial_worked_example():
    """README's example: scores 100, 80, 60, 40, 20, right 1, 1, 0, 1, 0 → facility 0.6, r_pb = 0.577."""
    scores, right = [100, 80, 60, 40, 20], [1, 1, 0, 1, 0]
    r = point_biserial(5, 3, sum(scores), 100 + 80 + 40, sum(s * s for s in scores))
    # by hand: M1 = 73.33, M0 = 40, s = √800 = 28.28, √(0.6·0.4) = 0.490 → (33.33 / 28.28) · 0.490 = 0.5774
    assert round(r, 4) == 0.5774
    assert math.isclose(r, statistics.correlation(right, scores))


def test_paired_gain_worked_example():
    """README's example: pre 40, 50, 60, 70 and post 60, 60, 80, 70 → gains 20, 10, 20, 0; mean 12.5, SD 9.57, d_z 1.31."""
    result = paired_statistics([40, 50, 60, 70], [60, 60, 80, 70], [(40, 60), (50, 60), (60, 80), (70, 70)])
    assert result.mean_gain == 12.5
    assert round(result.sd_gain, 2) == 9.57  # √(275 / 3)
    assert round(result.effect_size, 2) == 1.31
    assert dict(result.histogram)[20] == 2 and dict(result.histogram)[0] == 1


def test_question_analysis_from_recorded_attempts(app, people, evaluation_content, make_cohort):
    """Facility and option counts use each person's first attempt only; a second attempt counts as an attempt."""
    learners = people["learners"][:4]
    cohort = make_cohort([people["organiser"]], learners)
    answers_by = [{"q1": ["a"], "q2": ["a", "b"], "q3": ["true"]}, {"q1": ["b"], "q2": ["a", "b"], "q3": ["true"]},
                  {"q1": ["a"], "q2": ["a", "c"], "q3": ["false"]}, {"q1": ["b"], "q2": ["a"], "q3": ["true"]}]
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "quiz-t-alpha"))
        for index, (learner, answers) in enumerate(zip(learners, answers_by)):
            record_attempt(learner.id, quiz, f"n{index}", grade(quiz, answers))
        record_attempt(learners[1].id, quiz, "again", grade(quiz, answers_by[0]))  # a second attempt
        db.session.commit()
        stats = {s.question_id: s for s in question_analysis(cohort_ids=[cohort.id])}
        assert db.session.scalar(select(func.count()).select_from(QuestionResult)) == 15
    q1 = stats["q1"]
    assert (q1.attempts, q1.first, q1.first_right) == (5, 4, 2)
    assert {o.id: o.chosen for o in q1.options} == {"a": 2, "b": 2}
    # scores of the first attempts: 100, 67, 33, 33; q1 right for 100 and 33
    assert round(q1.discrimination, 4) == round(statistics.correlation([1, 0, 1, 0], [100, 67, 33, 33]), 4)
    assert stats["q3"].facility == 0.75


def test_report_access_and_pages(app, client, auth, people, evaluation_content, make_cohort):
    """Only the cohort's organisers (and admins) see its report, print page and questions; a learner gets 403."""
    organiser, other, learner = people["organiser"], people["other_organiser"], people["learners"][0]
    cohort = make_cohort([organiser], [learner], days=[today()])
    auth.login(other.email)
    assert client.get(f"/evaluation/cohorts/{cohort.id}/report").status_code == 403
    assert client.get(f"/evaluation/questions?cohort={cohort.id}").status_code == 403
    AuthActions(client).logout()
    auth.login(learner.email)
    assert client.get(f"/evaluation/cohorts/{cohort.id}/report.xlsx").status_code == 403
    AuthActions(client).logout()
    auth.login(organiser.email)
    for url in (f"/evaluation/cohorts/{cohort.id}/report", f"/evaluation/cohorts/{cohort.id}/report/print",
                f"/evaluation/questions?cohort={cohort.id}", f"/evaluation/compare?cohort={cohort.id}",
                f"/evaluation/cohorts/{cohort.id}/settings"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>" not in response.text and " style=" not in response.text
    page = client.get(f"/evaluation/cohorts/{cohort.id}/report").text
    assert '<svg class="chart__svg"' in page and "<title id=" in page
    book = load_workbook(io.BytesIO(client.get(f"/evaluation/cohorts/{cohort.id}/report.xlsx").data))
    assert book.sheetnames == ["概要", "出席", "事前事後", "アンケート", "自由記述", "問題分析"]


def test_question_page_settings_and_reminder_recipients(app, client, auth, people, evaluation_content, make_cohort):
    """A question's page shows its options with counts; a form cannot change once taken; the reminder names
    exactly those who have not answered."""
    from elearn.evaluation.reminders import survey_reminder_recipients

    organiser, learners = people["organiser"], people["learners"][:3]
    cohort = make_cohort([organiser], learners, days=[today()])
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "quiz-t-alpha"))
        record_attempt(learners[0].id, quiz, "n1", grade(quiz, {"q1": ["b"], "q2": ["a", "b"], "q3": ["true"]}))
        db.session.commit()
        quiz_id = quiz.id
    _answer_survey(client, auth, learners[1], cohort.id, 4, "")
    auth.login(organiser.email)
    page = client.get(f"/evaluation/questions/{quiz_id}/q1?cohort={cohort.id}")
    assert page.status_code == 200 and "正しいものはどれ？" in page.text and "誤りの選択肢" in page.text
    assert client.get(f"/evaluation/questions/{quiz_id}/nope").status_code == 404
    with app.app_context():
        assert {u.id for u in survey_reminder_recipients(db.session.get(Cohort, cohort.id))} == {learners[0].id, learners[2].id}
        form_id = db.session.scalar(text("SELECT id FROM assessment_forms"))
        survey_id = db.session.scalar(text("SELECT id FROM surveys"))
        db.session.add(AssessmentAttempt(cohort_id=cohort.id, user_id=learners[0].id, phase="pre", form_id=form_id,
                                         answers={}, correct=0, total=2, score=0))
        db.session.commit()
    bad = post_form(client, f"/evaluation/cohorts/{cohort.id}/settings", {"pre": "999", "post": str(form_id),
                                                                           "survey": str(survey_id)})
    assert bad.status_code == 400 and "事前テストを一覧から選んでください。" in bad.text
    ok = post_form(client, f"/evaluation/cohorts/{cohort.id}/settings", {"pre": str(form_id), "post": str(form_id),
                                                                          "survey": str(survey_id)})
    assert ok.status_code == 302
