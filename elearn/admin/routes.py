"""Admin pages: list and search users, change roles, deactivate, issue set-password links."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..auth.links import issued_link_page
from ..auth.services import end_all_sessions
from ..extensions import db
from ..forms import EmptyForm
from ..models import Role, User
from ..permissions import admin_required
from ..queries import search_text, search_users
from . import bp
from .forms import RoleForm


def _back() -> str:
    return url_for("admin.users", q=request.args.get("q", ""), page=request.args.get("page", 1, type=int))


def _target(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.get("/users")
@admin_required
def users():
    """All accounts, searchable by name, email or 所属."""
    query = search_text(request.args.get("q"))
    page = search_users(query, page=request.args.get("page", 1, type=int))
    return render_template("admin/users.html", page=page, q=query, role_form=RoleForm(), form=EmptyForm())


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Change a user's role (not one's own, so an admin cannot lock everyone out)."""
    user = _target(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash("役割を選び直してください。", "error")
    elif user.id == current_user.id:
        flash("自分自身の役割は変更できません。", "error")
    else:
        old_role = user.role
        user.role = Role(form.role.data).value
        audit.record("role_changed", user, old_role=old_role, new_role=user.role)
        db.session.commit()
        flash(f"{user.display_name} さんの役割を「{Role(user.role).label}」にしました。", "success")
    return redirect(_back())


@bp.post("/users/<int:user_id>/active")
@admin_required
def toggle_active(user_id: int):
    """Deactivate (ending every session) or reactivate an account."""
    user = _target(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash("自分自身のアカウントは停止できません。", "error")
        return redirect(_back())
    user.active = not user.active
    if not user.active:
        end_all_sessions(user)
    audit.record("account_reactivated" if user.active else "account_deactivated", user)
    db.session.commit()
    flash(f"{user.display_name} さんのアカウントを{'再開' if user.active else '停止'}しました。", "success")
    return redirect(_back())


@bp.post("/users/<int:user_id>/set-password-link")
@admin_required
def set_password_link(user_id: int):
    """Issue a one-time set-password link and show it once."""
    user = _target(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return issued_link_page(user, current_user, _back())
