"""Learner pages: curricula, module pages, quizzes (of modules, scenes and cases) and the learning record."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..content.snapshot import cached_item, current_items
from ..database import reads_first, write_transaction
from ..extensions import db
from ..forms import EmptyForm
from ..models import CURRICULA, ProgressStatus, QuizAttempt
from ..urls import item_url
from . import bp
from .pages import render_module_page, render_page
from .quiz import AlreadySubmitted, QuizError, grade, read_answers, read_attempt_token, record_attempt, review
from .services import COURSE_CURRICULA, curriculum_summaries, learning_record, progress_by_module


@bp.get("/courses/")
@login_required
def courses():
    """All curricula with the learner's progress."""
    return render_template("learning/courses.html", summaries=curriculum_summaries(current_user.id))


@bp.get("/courses/<curriculum>/")
@login_required
def curriculum(curriculum: str):
    """The modules of one curriculum with status, minutes and objectives."""
    if curriculum not in COURSE_CURRICULA:
        abort(404)
    modules = current_items(curriculum)
    progress = progress_by_module(current_user.id, [m.id for m in modules])
    rows = [(m, ProgressStatus.of(progress.get(m.id)), progress.get(m.id)) for m in modules]
    return render_template("learning/curriculum.html", curriculum=curriculum,
                           label=CURRICULA[curriculum], rows=rows)


@bp.get("/courses/<curriculum>/<module_id>")
@login_required
def module(curriculum: str, module_id: str):
    """A module or scene page: stored HTML, sources, neighbours and the quiz. Opening marks it 学習中."""
    row = cached_item(module_id)
    if row is None or row.curriculum != curriculum or curriculum not in COURSE_CURRICULA:
        abort(404)
    return render_module_page(row)


@bp.post("/quiz/<module_id>")
@login_required
@reads_first
def submit_quiz(module_id: str):
    """Grade a quiz on the server, store the attempt, and show the result (or say what is missing).
    Everything before the attempt's rows is read-only; the rows are one write transaction."""
    row = cached_item(module_id)
    if row is None or row.quiz is None:
        abort(404)
    quiz = row.quiz
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = read_attempt_token(request.form.get("attempt", ""), current_user.id, quiz.id)
        submission = read_answers(quiz, request.form)
    except QuizError as exc:
        flash(str(exc), "error")
        return redirect(item_url(row) + "#quiz")
    if submission.errors:
        return render_page(row, quiz_answers=submission.answers, quiz_errors=submission.errors,
                           attempt_token=request.form["attempt"], status=400)
    user_id = current_user.id
    graded = grade(quiz, submission.answers)
    try:
        with write_transaction():  # nothing is read after it: no further transaction
            attempt_id = record_attempt(user_id, quiz, attempt.nonce, graded, row).id
    except AlreadySubmitted as exc:
        attempt_id = exc.attempt.id if exc.attempt is not None and exc.attempt.user_id == user_id else None
        if attempt_id is None:
            abort(400)
        flash(str(exc), "info")
    return redirect(url_for("learning.quiz_result", module_id=row.slug, attempt_id=attempt_id))


#: The button after a pass, by kind of item.
NEXT_LABELS = {"module": "次の教材へ", "scene": "次の場面へ", "case": "次の事例へ"}


@bp.get("/quiz/<module_id>/attempts/<int:attempt_id>")
@login_required
def quiz_result(module_id: str, attempt_id: int):
    """Score, pass/fail and, for every question, the right answer with its explanation and source."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id or attempt.quiz.module.slug != module_id:
        abort(404)
    quiz = attempt.quiz
    module = quiz.module
    progress = progress_by_module(current_user.id, [module.id]).get(module.id)
    current = cached_item(module.slug)
    return render_template("learning/quiz_result.html", attempt=attempt, quiz=quiz, module=module,
                           rows=review(quiz, attempt), progress=progress, module_url=item_url(module),
                           following=current.following if current else None, next_label=NEXT_LABELS[module.kind])


@bp.get("/records")
@login_required
def records():
    """学習の記録: every module the learner opened, with status and best score, and every attempt."""
    page = request.args.get("page", 1, type=int)
    modules, attempts = learning_record(current_user.id, page)
    return render_template("learning/records.html", modules=modules, attempts=attempts)

