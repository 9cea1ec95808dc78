"""Organiser pages: find learners and hand out set-password links (cohorts arrive with their issue)."""
from __future__ import annotations

from flask import abort, request, render_template, url_for
from flask_login import current_user

from ..admin.services import issued_link_page, search_users
from ..extensions import db
from ..forms import EmptyForm
from ..models import Role, User
from ..permissions import can_issue_link_for, organiser_required
from . import bp


@bp.get("/")
@organiser_required
def index():
    """Learner search with one-time set-password links."""
    query = request.args.get("q", "")[:100]
    page = search_users(query, roles=[Role.LEARNER.value], page=request.args.get("page", 1, type=int))
    return render_template("organiser/index.html", page=page, q=query, form=EmptyForm())


@bp.post("/users/<int:user_id>/set-password-link")
@organiser_required
def set_password_link(user_id: int):
    """Issue a one-time set-password link for a learner."""
    user = db.get_or_404(User, user_id)
    if not can_issue_link_for(current_user, user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return issued_link_page(user, current_user, url_for("organiser.index", q=request.args.get("q", "")))
