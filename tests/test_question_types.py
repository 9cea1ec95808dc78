"""Question types own their forms: authored -> stored -> presented, grading and review, without HTTP."""
from __future__ import annotations

import pytest

from elearn.content.questions import REGISTRY, AnswerError, question_type


def render(markdown: str) -> str:
    return f"<p>{markdown}</p>"


SINGLE = {"id": "q1", "type": "single", "prompt": "定義は？", "explanation": "ガイドラインによる。", "source": "第1章",
          "options": [{"id": "a", "text": "6か月以上", "correct": True},
                      {"id": "b", "text": "1か月以上", "reason": "期間が違う"},
                      {"id": "c", "text": "1年以上", "reason": "期間が違う"},
                      {"id": "d", "text": "定めはない", "reason": "定めがある"}]}
MULTIPLE = {**SINGLE, "id": "q2", "type": "multiple",
            "options": [{"id": "a", "text": "家族", "correct": True}, {"id": "b", "text": "本人", "correct": True},
                        {"id": "c", "text": "誰も", "reason": "支援の対象がある"}]}
TRUEFALSE = {"id": "q3", "type": "truefalse", "prompt": "正しいか", "explanation": "説明", "source": "第2章",
             "answer": False}


def stored(question):
    return question_type(question["type"]).stored(question, render)


def test_every_registered_type_is_tested_here():
    """Adding a type means adding it to this file's cases too."""
    assert set(REGISTRY) == {"single", "multiple", "truefalse"}


def test_stored_form_keeps_answers_and_renders_prose():
    row = stored(SINGLE)
    assert row["prompt_html"] == "<p>定義は？</p>" and row["explanation_html"] == "<p>ガイドラインによる。</p>"
    assert [(o["id"], o["correct"], o["reason"]) for o in row["options"]][:2] == [("a", True, ""), ("b", False, "期間が違う")]


def test_truefalse_is_stored_as_two_fixed_options():
    row = stored(TRUEFALSE)
    assert [(o["id"], o["text"], o["correct"]) for o in row["options"]] == [("true", "正しい", False),
                                                                           ("false", "誤り", True)]


@pytest.mark.parametrize("question", [SINGLE, MULTIPLE, TRUEFALSE], ids=lambda q: q["type"])
def test_presented_form_carries_no_answers(question):
    shown = question_type(question["type"]).presented(stored(question), "seed")
    assert all(set(o) == {"id", "text"} for o in shown["options"])
    assert "explanation_html" not in shown and "source" not in shown


def test_choices_are_shuffled_per_seed_but_truefalse_never():
    kind = question_type("single")
    orders = {tuple(o["id"] for o in kind.presented(stored(SINGLE), f"1:{n}:q1")["options"]) for n in range(8)}
    assert len(orders) > 1
    assert kind.presented(stored(SINGLE), "x")["options"] == kind.presented(stored(SINGLE), "x")["options"]
    tf = question_type("truefalse")
    assert {tuple(o["id"] for o in tf.presented(stored(TRUEFALSE), f"1:{n}:q3")["options"]) for n in range(8)} == {
        ("true", "false")}


@pytest.mark.parametrize("question, answer, right", [
    (SINGLE, ["a"], True), (SINGLE, ["b"], False),
    (MULTIPLE, ["a", "b"], True), (MULTIPLE, ["b", "a"], True), (MULTIPLE, ["a"], False),
    (MULTIPLE, ["a", "b", "c"], False),
    (TRUEFALSE, ["false"], True), (TRUEFALSE, ["true"], False),
])
def test_grading_and_review_agree(question, answer, right):
    """The review's verdict is the grade: there is one rule for right and wrong."""
    kind, row = question_type(question["type"]), stored(question)
    assert kind.grade(row, kind.parse_answer(row, answer)) is right
    review = kind.reviewed(row, set(answer))
    assert review["right"] is right
    assert {o["id"] for o in review["options"] if o["chosen"]} == set(answer)


@pytest.mark.parametrize("question, raw, message", [
    (SINGLE, [], "未回答"), (SINGLE, ["z"], "存在しない"), (SINGLE, ["a", "b"], "1つだけ"),
    (TRUEFALSE, ["maybe"], "存在しない"), (MULTIPLE, [], "未回答"),
])
def test_malformed_answers_are_refused(question, raw, message):
    kind = question_type(question["type"])
    with pytest.raises(AnswerError, match=message):
        kind.parse_answer(stored(question), raw)


@pytest.mark.parametrize("question, message", [
    ({**SINGLE, "options": SINGLE["options"][:1]}, "2つ以上"),
    ({**SINGLE, "options": [{**o, "correct": True} for o in SINGLE["options"]]}, "ちょうど1つ"),
    ({**MULTIPLE, "options": [{"id": "a", "text": "x", "reason": "r"}, {"id": "b", "text": "y", "reason": "r"}]},
     "1つ以上"),
    ({**TRUEFALSE, "answer": "yes"}, "answer: true"),
    ({**TRUEFALSE, "options": []}, "options は書きません"),
])
def test_authoring_problems_are_reported(question, message):
    problems = []
    question_type(question["type"]).validate(question, lambda where, text: problems.append(text))
    assert any(message in p for p in problems), problems
