"""ダッシュボード: the learner's cohorts and deadlines, progress per curriculum, where to continue, and
the board's newest threads."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from ..board.services import recent_threads
from ..cohorts.learner import cohorts_for_learner
from ..learning.services import curriculum_summaries, progress_by_module, resume_module
from . import bp


@bp.get("/")
@login_required
def dashboard():
    """The learner's overview on one screen."""
    cohorts = cohorts_for_learner(current_user.id)
    required = [c.curriculum for c in cohorts]
    # The curricula the learner's cohorts require come first; the others stay, quieter.
    progress = progress_by_module(current_user.id)
    summaries = sorted(curriculum_summaries(current_user.id, progress), key=lambda s: s.key not in required)
    return render_template("home/dashboard.html", summaries=summaries, cohorts=cohorts, required=required,
                           resume=resume_module(progress, summaries), threads=recent_threads())
