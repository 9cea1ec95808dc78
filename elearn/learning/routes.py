"""Learner pages: dashboard, curriculum lists and module pages."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import CURRICULA, Module
from . import bp
from .services import curriculum_summaries, mark_opened, progress_by_module, status_of, visible_modules

COURSE_CURRICULA = ("initial", "followup", "hints")


@bp.get("/")
@login_required
def dashboard():
    """The learner's overview: progress per curriculum and where to continue."""
    return render_template("learning/dashboard.html", summaries=curriculum_summaries(current_user.id))


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
    modules = visible_modules(curriculum)
    progress = progress_by_module(current_user.id, [m.id for m in modules])
    rows = [(m, status_of(progress.get(m.id))) for m in modules]
    return render_template("learning/curriculum.html", curriculum=curriculum,
                           label=CURRICULA[curriculum], rows=rows)


@bp.get("/courses/<curriculum>/<module_id>")
@login_required
def module(curriculum: str, module_id: str):
    """A module page: the stored HTML, its sources and neighbours. Opening marks it 学習中."""
    row = db.session.scalar(select(Module).where(Module.slug == module_id, Module.curriculum == curriculum,
                                                 Module.retired.is_(False)))
    if row is None or curriculum not in COURSE_CURRICULA:
        abort(404)
    mark_opened(current_user.id, row.id)
    db.session.commit()
    siblings = visible_modules(curriculum)
    index = next(i for i, m in enumerate(siblings) if m.id == row.id)
    previous = siblings[index - 1] if index > 0 else None
    following = siblings[index + 1] if index + 1 < len(siblings) else None
    progress = progress_by_module(current_user.id, [row.id]).get(row.id)
    return render_template("learning/module.html", module=row, previous=previous, following=following,
                           status=status_of(progress), progress=progress)
