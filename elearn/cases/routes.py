"""Case study list and case pages."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..learning.services import mark_opened, progress_by_module, status_of, visible_modules
from ..models import Module
from . import bp


@bp.get("/")
@login_required
def index():
    """Every case study with the learner's status."""
    cases = visible_modules("cases")
    progress = progress_by_module(current_user.id, [c.id for c in cases])
    return render_template("cases/index.html", rows=[(c, status_of(progress.get(c.id))) for c in cases])


@bp.get("/<case_id>")
@login_required
def case(case_id: str):
    """One case: its facts and narrative."""
    row = db.session.scalar(select(Module).where(Module.slug == case_id, Module.curriculum == "cases",
                                                 Module.retired.is_(False)))
    if row is None:
        abort(404)
    mark_opened(current_user.id, row.id)
    db.session.commit()
    return render_template("cases/case.html", case=row)
