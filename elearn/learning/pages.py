"""Rendering a content item's page (module, scene or case) with its quiz.

The page of a curriculum's items is drawn by a renderer: learning's own for modules and scenes,
and one an area above registers for its curriculum (the case pages, with their 事例検討シート),
so the quiz views here can show any item's page again with the learner's answers and errors.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from ..content.shells import render_shell
from ..content.snapshot import ItemView, cached_fragment
from ..database import write_transaction
from ..dates import jdate
from ..events import emit, item_opened, scene_chosen
from ..models import ProgressStatus
from .quiz import QuizError, new_attempt_token, presented_questions, read_attempt_token
from .services import mark_opened, progress_by_module

#: curriculum -> the function that renders its items' pages (see :func:`register_item_page`).
_renderers: dict[str, Callable[..., tuple[str, int]]] = {}


def _render_questions(quiz, order: int, answers, errors) -> Markup:
    return Markup(render_template("learning/_quiz_questions.html", questions=presented_questions(quiz, order),
                                  quiz_answers=answers, quiz_errors=errors))


def _questions_html(quiz, order: int) -> Markup:
    """The unanswered questions of ``quiz`` in option order ``order``, rendered once per snapshot."""
    return cached_fragment(("quiz", quiz.id, order), lambda: _render_questions(quiz, order, {}, {}))


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

    if answers or errors:
        questions_html = _render_questions(quiz, attempt.order, answers or {}, errors or {})
    else:
        questions_html = _questions_html(quiz, attempt.order)
    return {
        "quiz": quiz,
        "question_count": len(quiz.questions),
        "questions_html": questions_html,
        "attempt_token": token,
        "quiz_errors": errors or {},
    }


def _opened_progress(module: ItemView):
    """The learner's progress on ``module``; opening the page records 学習中 (once)."""
    progress = progress_by_module(current_user.id, [module.id]).get(module.id)
    if progress is None:
        with write_transaction():
            if mark_opened(current_user.id, module.id):
                emit(item_opened, user_id=current_user.id, item=module)
        progress = progress_by_module(current_user.id, [module.id]).get(module.id)
    return progress


def _progress_context(progress) -> dict:
    return {"status": ProgressStatus.of(progress),
            "completed_on": jdate(progress.completed_at) if progress and progress.completed_at else None,
            "best_score": progress.best_score if progress else None}


def render_item_page(module: ItemView, template: str, *, quiz_answers=None, quiz_errors=None, attempt_token=None,
                     status: int = 200, **context):
    """``template`` for ``module`` with its progress and quiz, plus the caller's ``context``."""
    progress = _opened_progress(module)
    page = {
        "module": module,
        "progress": progress,
        **_progress_context(progress),
        **_quiz_context(module, quiz_answers, quiz_errors, attempt_token),
        **context,
    }
    return render_template(template, **page), status


def _module_shell_page(module: ItemView, context: dict):
    """A module page as first opened (no answers, no choice): from its shell, with the learner's
    progress and a fresh attempt token in the holes."""
    progress = _progress_context(_opened_progress(module))
    personal = {"completed_on": progress["completed_on"], "best_score": progress["best_score"]}
    shared = {"module": module, "quiz_errors": {}, "quiz": module.quiz, "status": progress["status"], **context}
    key = (module.id, progress["status"])
    if module.quiz is not None:
        token, attempt = new_attempt_token(current_user.id, module.quiz.id)
        shared["question_count"] = len(module.quiz.questions)
        personal["attempt_token"] = token
        personal["questions_html"] = _questions_html(module.quiz, attempt.order)
    return render_shell(key, "learning/module.html", shared, personal), 200


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
    if not quiz and context.get("choice") is None:
        return _module_shell_page(module, context)
    return render_item_page(module, "learning/module.html", **quiz, **context)


def render_page(item: ItemView, **quiz):
    """The page of any content item, drawn by its curriculum's renderer."""
    return _renderers.get(item.curriculum, render_module_page)(item, **quiz)
