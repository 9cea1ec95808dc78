"""Mail from a cohort's pages: invitations (preview, count, send, resend), reminders (by hand and the
automatic settings) and the cohort's mail log."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import EmptyForm
from ..mail import KIND_LABELS, mail_configured
from ..mail.log import STATUS_LABELS, log_page, status_counts
from ..models import Cohort, CohortReminder, RosterImport
from ..permissions import cohort_organiser_required
from ..urls import site_root
from . import bp
from .forms import ReminderSettingsForm
from .invitations import invitation_targets, preview_invitation, queue_invitations
from .reminders import PREVIEW_LIMIT, recipients, remind_behind, reminder_settings, render_reminder
from .routes import unless_archived

PREVIEW_NAMES = 50


MAX_ID = 2_147_483_647


def _id_arg(name: str) -> int | None:
    """A database id from the query string; 404 for one no row can have (a PostgreSQL integer)."""
    value = request.values.get(name, type=int)
    if value is not None and not 0 < value <= MAX_ID:
        abort(404)
    return value


def _scope(cohort: Cohort) -> tuple[list[int] | None, str]:
    """Whom the request is about: ``?user=`` one person, ``?import=`` an import's new accounts, else all."""
    if _id_arg("user"):
        return [_id_arg("user")], "one"
    if _id_arg("import"):
        roster = db.get_or_404(RosterImport, _id_arg("import"))
        if roster.cohort_id != cohort.id or roster.confirmed_at is None:
            abort(404)
        return list(roster.new_user_ids), "import"
    return None, "all"


@bp.route("/cohorts/<int:cohort_id>/invitations", methods=["GET", "POST"])
@cohort_organiser_required
@unless_archived
def invitations(cohort: Cohort):
    """GET: the exact mail and how many get it; POST: issue the links and queue the mails."""
    if not mail_configured():
        flash("メールの送信が設定されていないため、招待メールは送れません（ELEARN_MAIL_URL）。"
              "パスワード設定用リンクのCSVを使ってください。", "error")
        return redirect(url_for("organiser.participants", cohort_id=cohort.id))
    site_root()  # links need ELEARN_BASE_URL: refuse before anything is issued
    user_ids, scope = _scope(cohort)
    targets = invitation_targets(cohort, current_user, user_ids)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        expected = request.form.get("count", type=int)
        if expected != len(targets):
            flash(f"確認のあとで対象者が変わりました（{expected or 0}人 → {len(targets)}人）。もう一度確認してください。", "error")
        elif targets:
            count = queue_invitations(cohort, current_user, targets)
            db.session.commit()
            flash(f"{count}人への招待メールを送信待ちにしました。送信の状況は参加者一覧で確認できます。", "success")
            return redirect(url_for("organiser.participants", cohort_id=cohort.id))
    subject, text = preview_invitation(cohort, targets[0]) if targets else ("", "")
    return render_template("organiser/invitations.html", cohort=cohort, targets=targets[:PREVIEW_NAMES],
                           count=len(targets), subject=subject, text=text, form=form, scope=scope,
                           scope_args={k: request.values[k] for k in ("user", "import") if request.values.get(k)})


@bp.get("/cohorts/<int:cohort_id>/mail")
@cohort_organiser_required
def mail_log(cohort: Cohort):
    """The cohort's mails to its participants: kind, recipient, status, times, the server's reply."""
    status = request.args.get("status") if request.args.get("status") in ("queued", "sent", "failed") else None
    page = log_page(request.args.get("page", 1, type=int), cohort_id=cohort.id, status=status)
    return render_template("mail/log.html", cohort=cohort, page=page, status=status, counts=status_counts(cohort.id),
                           kinds=KIND_LABELS, statuses=STATUS_LABELS, endpoint="organiser.mail_log",
                           endpoint_args={"cohort_id": cohort.id})


def _reminders_page(cohort: Cohort, settings_form, status: int = 200):
    from ..cohorts.rules import required_modules
    from ..dates import today

    module_ids = [m.id for m in required_modules(cohort)]
    everyone = recipients(cohort, module_ids, who="behind", kind="reminder_behind", on=today())
    subject, text = (render_reminder("reminder_behind", cohort, everyone[0], len(module_ids), today())
                     if everyone else ("", ""))
    return render_template("organiser/reminders.html", cohort=cohort, people=everyone[:PREVIEW_LIMIT],
                           count=len(everyone), subject=subject, text=text, form=EmptyForm(),
                           settings_form=settings_form, mail_on=mail_configured()), status


@bp.get("/cohorts/<int:cohort_id>/reminders")
@cohort_organiser_required
def reminders(cohort: Cohort):
    """「遅れている人にリマインド」: who is behind and the exact mail; and the automatic reminders."""
    return _reminders_page(cohort, ReminderSettingsForm(obj=reminder_settings(cohort)))


@bp.post("/cohorts/<int:cohort_id>/reminders/send")
@cohort_organiser_required
@unless_archived
def send_reminders(cohort: Cohort):
    """Queue the reminder for everyone behind who has not had it today."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not mail_configured():
        flash("メールの送信が設定されていないため、リマインドは送れません（ELEARN_MAIL_URL）。", "error")
        return redirect(url_for("organiser.reminders", cohort_id=cohort.id))
    site_root()
    count = remind_behind(cohort)
    db.session.commit()
    flash(f"{count}人へのリマインドを送信待ちにしました。" if count else "リマインドを送る相手はいません。",
          "success" if count else "info")
    return redirect(url_for("organiser.reminders", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/reminders/settings")
@cohort_organiser_required
@unless_archived
def reminder_settings_save(cohort: Cohort):
    """Save the cohort's automatic reminders."""
    form = ReminderSettingsForm()
    if not form.validate_on_submit():
        return _reminders_page(cohort, form, 400)
    row = db.session.get(CohortReminder, cohort.id) or CohortReminder(cohort_id=cohort.id)
    row.enabled = form.enabled.data
    row.days_before_close = form.days_before_close.data
    row.day_before_in_person = form.day_before_in_person.data
    db.session.add(row)
    db.session.commit()
    flash("自動リマインドの設定を保存しました。", "success")
    return redirect(url_for("organiser.reminders", cohort_id=cohort.id))
