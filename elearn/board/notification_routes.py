"""お知らせ: the signed-in person's board notifications (counts and a link; never text, titles or authors)."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import EmptyForm
from ..layout import register_badge
from ..models import Notification
from . import bp
from .notifications import KIND_TEXT, mark_read, notifications_page, unread_count_of


@bp.get("/notifications")
@login_required
def notifications():
    """Replies and わかります on my threads and posts, unread first."""
    page = notifications_page(current_user.id, request.args.get("page", 1, type=int))
    return render_template("board/notifications.html", page=page, kinds=KIND_TEXT, form=EmptyForm())


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark one notification read and go to its thread."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    mark_read(current_user.id, notification.id)
    db.session.commit()
    return redirect(url_for("board.thread", thread_id=notification.thread_id))


@bp.post("/notifications/read")
@login_required
def read_all():
    """Mark every notification read."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    mark_read(current_user.id)
    db.session.commit()
    return redirect(url_for("board.notifications"))


register_badge(unread_count_of)  # the navigation's お知らせ badge (elearn.layout)
