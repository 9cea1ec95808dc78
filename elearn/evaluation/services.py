"""Taking a pre/post test and answering the survey: reading the form, refusing what is not allowed,
storing exactly one attempt or one anonymous response."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..content.evaluation import SCALE, TEXT_LIMIT
from ..content.questions import UnknownQuestion, question_type, read_answers
from ..dates import today
from ..extensions import db
from ..models import (AssessmentAttempt, AssessmentForm, Cohort, Survey, SurveyAnswer, SurveyResponded, SurveyResponse,
                      random_id, utcnow)
from .rules import survey_window, test_window


class Refused(Exception):
    """A submission that is not allowed (closed, second one, another cohort): nothing is stored."""


@dataclass
class Read:
    """What a form sent, and a Japanese message per question or item that cannot be accepted."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def presented(form: AssessmentForm, user_id: int) -> list[dict[str, Any]]:
    """The form's questions for one participant: no answers, options in that person's order."""
    return [question_type(q["type"]).presented(q, f"{form.id}:{user_id}:{q['id']}") for q in form.questions]


def read_test(form: AssessmentForm, data) -> Read:
    """Read ``q-<id>`` fields: every question answered with options that exist."""
    try:
        return Read(*read_answers(form.questions, data))
    except UnknownQuestion as exc:
        raise Refused(str(exc)) from None


def submit_test(cohort: Cohort, user_id: int, phase: str, form: AssessmentForm, answers: dict[str, list[str]]):
    """Grade and store the participant's one attempt of ``phase``; Refused when it is not open."""
    window = test_window(cohort, user_id, phase)
    if not window.open:
        raise Refused(window.reason)
    correct = 0
    for question in form.questions:
        kind = question_type(question["type"])
        correct += kind.grade(question, kind.parse_answer(question, answers[question["id"]]))
    total = len(form.questions)
    attempt = AssessmentAttempt(cohort_id=cohort.id, user_id=user_id, phase=phase, form_id=form.id,
                                answers=answers, correct=correct, total=total,
                                score=round(100 * correct / total) if total else 0, submitted_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        raise Refused("すでに回答済みです（回答は1回だけです）。") from None
    return attempt


def review(form: AssessmentForm, attempt: AssessmentAttempt) -> list[dict[str, Any]]:
    """Each question with the participant's answer, whether it was right and the explanation."""
    return [question_type(q["type"]).reviewed(q, set(attempt.answers.get(q["id"], []))) for q in form.questions]


def read_survey(survey: Survey, data) -> Read:
    """Read ``s-<item id>`` fields: 1–5 for scales, existing options, texts up to TEXT_LIMIT characters."""
    known = {item["id"] for item in survey.items}
    if {key[2:] for key in data.keys() if key.startswith("s-")} - known:
        raise Refused("このアンケートにない項目が送信されました。ページを開き直して回答してください。")
    read = Read()
    for item in survey.items:
        key, kind = f"s-{item['id']}", item["type"]
        values = [v for v in data.getlist(key) if v.strip()]
        options = {o["id"] for o in item["options"]}
        if not values:
            if item["required"]:
                read.errors[item["id"]] = "未回答です。"
            continue
        if kind == "scale":
            if len(values) != 1 or values[0] not in {str(v) for v in SCALE}:
                read.errors[item["id"]] = "1〜5 のいずれかを選んでください。"
            else:
                read.answers[item["id"]] = int(values[0])
        elif kind == "single":
            if len(values) != 1 or values[0] not in options:
                read.errors[item["id"]] = "選択肢から1つ選んでください。"
            else:
                read.answers[item["id"]] = values[0]
        elif kind == "multiple":
            if set(values) - options:
                read.errors[item["id"]] = "存在しない選択肢が送信されました。"
            else:
                read.answers[item["id"]] = sorted(set(values))
        else:
            text = " ".join(values).strip()
            if len(text) > TEXT_LIMIT:
                read.errors[item["id"]] = f"{TEXT_LIMIT}字以内で書いてください（現在 {len(text)}字）。"
            else:
                read.answers[item["id"]] = text
    return read


def submit_survey(cohort: Cohort, user_id: int, survey: Survey, answers: dict[str, Any]) -> None:
    """Store an anonymous response and, separately, that the person has responded (one per cohort).

    The response has a random id and today's date only; nothing in it names the person.
    """
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())  # one writer per cohort
    window = survey_window(cohort, user_id)
    if not window.open:
        raise Refused(window.reason)
    try:
        with db.session.begin_nested():
            db.session.add(SurveyResponded(cohort_id=cohort.id, user_id=user_id))
            db.session.flush()
    except IntegrityError:
        raise Refused("アンケートはすでに回答済みです（回答は1回だけです）。") from None
    response_id = random_id()
    responses = [{"id": response_id, "cohort_id": cohort.id, "survey_id": survey.id, "day": today()}]
    rows = []
    for item in survey.items:
        value = answers.get(item["id"])
        if value is None:
            continue
        base = {"response_id": response_id, "cohort_id": cohort.id, "item_id": item["id"],
                "value": None, "option_id": None, "text": None}
        if item["type"] == "scale":
            rows.append({**base, "value": value})
        elif item["type"] == "single":
            rows.append({**base, "option_id": value})
        elif item["type"] == "multiple":
            rows += [{**base, "option_id": option} for option in value]
        elif value:
            rows.append({**base, "text": value})
    _rewrite_shuffled(cohort, responses, rows)


def _rewrite_shuffled(cohort: Cohort, new_responses: list[dict], new_answers: list[dict]) -> None:
    """Store the new response by rewriting all of the cohort's responses in a random order with fresh ids.

    A table's physical order (PostgreSQL's heap, what a SELECT without ORDER BY returns) follows insertion,
    and so does ``survey_responded``'s: rewriting the cohort's responses on every write leaves no order, id
    or transaction id that follows the order people answered in. Costs one read and one write of the cohort's
    responses (a few thousand rows at most); the caller has locked the cohort's row.
    """
    r, a = SurveyResponse, SurveyAnswer
    old_responses = [dict(row._mapping) for row in db.session.execute(
        select(r.id, r.cohort_id, r.survey_id, r.day).where(r.cohort_id == cohort.id))]
    old_answers = [dict(row._mapping) for row in db.session.execute(
        select(a.response_id, a.cohort_id, a.item_id, a.value, a.option_id, a.text).where(a.cohort_id == cohort.id))]
    db.session.execute(delete(a).where(a.cohort_id == cohort.id))
    db.session.execute(delete(r).where(r.cohort_id == cohort.id))
    responses = old_responses + new_responses
    renamed = {row["id"]: random_id() for row in responses}
    shuffle = secrets.SystemRandom().shuffle
    responses = [{**row, "id": renamed[row["id"]]} for row in responses]
    answers = [{**row, "id": random_id(), "response_id": renamed[row["response_id"]]} for row in old_answers + new_answers]
    shuffle(responses)
    shuffle(answers)
    db.session.execute(insert(r), responses)
    if answers:
        db.session.execute(insert(a), answers)
