"""The whole mail log, for admins: every mail's kind, recipient, status, times and server reply."""
from __future__ import annotations

from flask import render_template, request

from ..mail import KIND_LABELS
from ..mail.log import STATUS_LABELS, log_page, status_counts
from ..permissions import admin_required
from . import bp


@bp.get("/mail")
@admin_required
def mail_log():
    """Every mail, newest first, filterable by status (no bodies, no tokens)."""
    status = request.args.get("status") if request.args.get("status") in ("queued", "sent", "failed") else None
    page = log_page(request.args.get("page", 1, type=int), status=status)
    return render_template("mail/log.html", cohort=None, page=page, status=status, counts=status_counts(),
                           kinds=KIND_LABELS, statuses=STATUS_LABELS, endpoint="admin.mail_log", endpoint_args={})
