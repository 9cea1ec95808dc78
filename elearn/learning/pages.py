"""Rendering a content item's page (module, scene or case) with its quiz, shared by the views."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from ..database import write_transaction
from ..forms import EmptyForm
from .content_cache import ItemView, cached_fragment
from .quiz import QuizError, new_attempt_token, presented_questions, read_attempt_token
from .services import mark_opened, progress_by_module, status_of


def item_url(module) -> str:
    """The page of a module, scene or case."""
    if module.curriculum == "cases":
        return url_for("cases.case", case_id=module.slug)
    return url_for("learning.module", curriculum=module.curriculum, module_id=module.slug)


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


def _scene_context(module: ItemView) -> dict:
    """The learner's choice in a scene (a GET parameter: nothing is stored, nothing is graded)."""
    scenario = module.meta.get("scenario") or {}
    options = {o["id"]: o for o in scenario.get("options", [])}
    return {"scenario": scenario, "choice": options.get(request.args.get("choice"))}


def render_item_page(module: ItemView, *, quiz_answers=None, quiz_errors=None, attempt_token=None,
                     sheet_form=None, status: int = 200):
    """The page for ``module``; opening it records 学習中 (once) for the learner."""
    progress = progress_by_module(current_user.id, [module.id]).get(module.id)
    if progress is None:
        with write_transaction():
            mark_opened(current_user.id, module.id)
        progress = progress_by_module(current_user.id, [module.id]).get(module.id)
    context = {
        "module": module,
        "progress": progress,
        "status": status_of(progress),
        **_quiz_context(module, quiz_answers, quiz_errors, attempt_token),
    }
    if module.curriculum == "cases":
        from ..cases.services import sheet_context

        context.update(sheet_context(module, current_user.id, sheet_form))
        return render_template("cases/case.html", case=module, **context), status
    context.update(previous=module.previous, following=module.following)
    if module.kind == "scene":
        context.update(_scene_context(module))
    return render_template("learning/module.html", **context), status
