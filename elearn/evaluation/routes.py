"""The participant's side: 事前テスト, 事後テスト, 受講後アンケート and their own growth."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..content.evaluation import SCALE
from ..errors import render_error
from ..extensions import db
from ..forms import EmptyForm
from ..models import PHASES, Cohort
from . import bp
from .rules import attempt_of, cohort_setup, is_enrolled, post_opens_on, survey_window, test_window
from .services import Refused, presented, read_survey, read_test, review, submit_survey, submit_test


def _cohort_of_participant(cohort_id: int) -> Cohort:
    """The cohort, 404 unless it exists; a person not enrolled gets a Japanese refusal (403)."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not is_enrolled(cohort, current_user.id):
        abort(make_response(render_error(403, "この研修の参加者ではないため、回答できません。")))
    return cohort


def _back(cohort: Cohort) -> tuple[str, str]:
    return url_for("evaluation.overview", cohort_id=cohort.id), "研修効果のページに戻る"


@bp.get("/<int:cohort_id>")
@login_required
def overview(cohort_id: int):
    """The participant's tests and survey for one cohort: what is open, and their growth once both are done."""
    cohort = _cohort_of_participant(cohort_id)
    setup = cohort_setup(cohort)
    pre, post = attempt_of(cohort, current_user.id, "pre"), attempt_of(cohort, current_user.id, "post")
    reviews = {}
    if post is not None:  # feedback on the pre-test only once the post-test is done
        if pre is not None and setup.pre is not None:
            reviews["pre"] = review(db.session.get(type(setup.pre), pre.form_id), pre)
        reviews["post"] = review(db.session.get(type(setup.post), post.form_id), post)
    return render_template("evaluation/overview.html", cohort=cohort, setup=setup, pre=pre, post=post,
                           reviews=reviews, pre_window=test_window(cohort, current_user.id, "pre"),
                           post_window=test_window(cohort, current_user.id, "post"),
                           survey_window=survey_window(cohort, current_user.id), opens_on=post_opens_on(cohort))


@bp.route("/<int:cohort_id>/test/<phase>", methods=["GET", "POST"])
@login_required
def take_test(cohort_id: int, phase: str):
    """One pre-test or post-test: every question must be answered; stored once, refused when not open."""
    if phase not in PHASES:
        abort(404)
    cohort = _cohort_of_participant(cohort_id)
    setup = cohort_setup(cohort)
    form = setup.pre if phase == "pre" else setup.post
    if form is None:
        return render_error(404, "この研修には事前・事後テストが用意されていません。", _back(cohort))
    window = test_window(cohort, current_user.id, phase)
    if not window.open:
        return render_error(409 if request.method == "POST" else 403, window.reason, _back(cohort))
    csrf, errors, answers = EmptyForm(), {}, {}
    if request.method == "POST":
        if not csrf.validate_on_submit():
            abort(400)
        try:
            read = read_test(form, request.form)
            answers, errors = read.answers, read.errors
            if not errors:
                submit_test(cohort, current_user.id, phase, form, answers)
                db.session.commit()
                flash(f"{PHASES[phase]}の回答を受け付けました。", "success")
                return redirect(url_for("evaluation.overview", cohort_id=cohort.id))
        except Refused as exc:
            db.session.rollback()
            return render_error(409, str(exc), _back(cohort))
    return render_template("evaluation/test.html", cohort=cohort, phase=phase, label=PHASES[phase], form=form,
                           csrf=csrf, questions=presented(form, current_user.id), errors=errors, answers=answers), \
        (400 if errors else 200)


@bp.route("/<int:cohort_id>/survey", methods=["GET", "POST"])
@login_required
def take_survey(cohort_id: int):
    """受講後アンケート: answered once, stored without a link to the person."""
    cohort = _cohort_of_participant(cohort_id)
    survey = cohort_setup(cohort).survey
    if survey is None:
        return render_error(404, "この研修には受講後アンケートが用意されていません。", _back(cohort))
    window = survey_window(cohort, current_user.id)
    if not window.open:
        return render_error(409 if request.method == "POST" else 403, window.reason, _back(cohort))
    csrf, errors, answers = EmptyForm(), {}, {}
    if request.method == "POST":
        if not csrf.validate_on_submit():
            abort(400)
        try:
            read = read_survey(survey, request.form)
            answers, errors = read.answers, read.errors
            if not errors:
                submit_survey(cohort, current_user.id, survey, answers)
                db.session.commit()
                flash("アンケートの回答を受け付けました。ご協力ありがとうございました。", "success")
                return redirect(url_for("evaluation.overview", cohort_id=cohort.id))
        except Refused as exc:
            db.session.rollback()
            return render_error(409, str(exc), _back(cohort))
    return render_template("evaluation/survey.html", cohort=cohort, survey=survey, csrf=csrf, errors=errors,
                           answers=answers, scale=SCALE), (400 if errors else 200)
