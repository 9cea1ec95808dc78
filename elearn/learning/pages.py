"""Rendering a content item's page (module, scene or case) with its quiz.

The page of a curriculum's items is drawn by a renderer: learning's own for modules and scenes,
and one an area above registers for its curriculum (the case pages, with their 事例検討シート),
so the quiz views here can show any item's page again with the learner's answers and errors.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_login import current_user

from ..content.snapshot import ItemView, cached_fragment
from ..database import write_transaction
from ..events import emit, item_opened, scene_chosen
from ..forms import EmptyForm
from ..models import ProgressStatus
from .quiz import QuizError, new_attempt_token, presented_questions, read_attempt_token
from .services import mark_opened, progress_by_module

#: curriculum -> the function that renders its items' pages (see :func:`register_item_page`).
_renderers: dict[str, Callable[..., tuple[str, int]]] = {}


def _quiz_context(module: ItemView, answers, errors, token) -> dict:
    """The quiz form: a fresh attempt token, and the questions in that attempt's option order."""
    quiz = module.quiz
    if quiz is None:
        return {"quiz": None}
    attempt = None
    if token:
        try:
            attempt = read_attempt_token(token, current_user.id, quiz.id)
        except QuizError:
            attempt = None
    if attempt is None:
        token, attempt = new_attempt_token(current_user.id, quiz.id)

    def render(answers, errors):
        return render_template("learning/_quiz_questions.html", questions=presented_questions(quiz, attempt.order),
                               quiz_answers=answers, quiz_errors=errors)

    if answers or errors:
        questions_html = render(answers or {}, errors or {})
    else:
        questions_html = cached_fragment(("quiz", quiz.id, attempt.order), lambda: render({}, {}))
    return {
        "quiz": quiz,
        "question_count": len(quiz.questions),
        "questions_html": questions_html,
        "attempt_token": token,
        "quiz_errors": errors or {},
        "quiz_form": EmptyForm(formdata=None),
    }


def render_item_page(module: ItemView, template: str, *, quiz_answers=None, quiz_errors=None, attempt_token=None,
                     status: int = 200, **context):
    """``template`` for ``module`` with its progress and quiz, plus the caller's ``context``.

    Opening the page records 学習中 (once) for the learner.
    """
    progress = progress_by_module(current_user.id, [module.id]).get(module.id)
    if progress is None:
        with write_transaction():
            if mark_opened(current_user.id, module.id):
                emit(item_opened, user_id=current_user.id, item=module)
        progress = progress_by_module(current_user.id, [module.id]).get(module.id)
    page = {
        "module": module,
        "progress": progress,
        "status": ProgressStatus.of(progress),
        **_quiz_context(module, quiz_answers, quiz_errors, attempt_token),
        **context,
    }
    return render_template(template, **page), status


def register_item_page(curriculum: str, renderer: Callable[..., tuple[str, int]]) -> None:
    """Let ``renderer(item, quiz_answers=…, quiz_errors=…, attempt_token=…, status=…)`` draw ``curriculum``'s pages."""
    _renderers[curriculum] = renderer


def render_module_page(module: ItemView, **quiz):
    """A module or scene page: body, neighbours, a scene's choice, and the quiz."""
    context = {"previous": module.previous, "following": module.following}
    if module.kind == "scene":
        scenario = module.meta.get("scenario") or {}
        options = {o["id"]: o for o in scenario.get("options", [])}
        # The learner's choice is a GET parameter: nothing is stored, nothing is graded.
        choice = options.get(request.args.get("choice"))
        context.update(scenario=scenario, choice=choice)
        if choice is not None:
            with write_transaction():
                emit(scene_chosen, user_id=current_user.id, item=module, choice=choice["id"])
    return render_item_page(module, "learning/module.html", **quiz, **context)


def render_page(item: ItemView, **quiz):
    """The page of any content item, drawn by its curriculum's renderer."""
    return _renderers.get(item.curriculum, render_module_page)(item, **quiz)
