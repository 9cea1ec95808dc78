"""Participants of a cohort: the list, adding and removing by hand, roster import with a server-side
preview, and set-password links as CSV."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.links import issued_link_page, set_password_url
from ..extensions import db
from ..forms import EmptyForm
from ..mail import mail_configured
from ..mail.log import latest_deliveries
from ..models import Cohort, Enrolment, RosterImport, User
from ..permissions import cohort_organiser_required, link_target_ids
from ..queries import Page, paginate, person_matches, person_order, search_text
from . import bp
from .exports import CSV_MIMETYPE, csv_chunks, download
from .forms import ParticipantForm, RosterForm
from .importing import (ACTIONS, AlreadyConfirmed, ImportChanged, add_participant, confirm_import, create_import,
                        issue_links, users_needing_links)
from .roster import RosterError, decode_roster
from .routes import unless_archived
from .services import ParticipantError, participant_count, remove_participant

PER_PAGE = 50
LINK_HEADER = ["氏名", "メールアドレス", "所属", "都道府県", "パスワード設定用リンク"]


def _participants_page(cohort: Cohort, query: str, page: int) -> Page:
    statement = (select(User, Enrolment.enrolled_at).join(Enrolment, Enrolment.user_id == User.id)
                 .where(Enrolment.cohort_id == cohort.id))
    matching = person_matches(query)
    if matching is not None:
        statement = statement.where(matching)
    return paginate(statement.order_by(*person_order()), page, PER_PAGE, rows=True)


def _render_participants(cohort: Cohort, form: ParticipantForm, status: int = 200):
    query = search_text(request.args.get("q"))
    page = _participants_page(cohort, query, request.args.get("page", 1, type=int))
    link_ids = link_target_ids(current_user, [user.id for user, _ in page.items])
    invitations = latest_deliveries("invitation", cohort.id, [user.id for user, _ in page.items])
    return render_template("organiser/participants.html", cohort=cohort, page=page, q=query, form=form,
                           button_form=EmptyForm(), count=participant_count(cohort), link_targets=link_ids,
                           mail_on=mail_configured(), invitations=invitations), status


@bp.get("/cohorts/<int:cohort_id>/participants")
@cohort_organiser_required
def participants(cohort: Cohort):
    """The cohort's participants with search, and a form to add one by hand."""
    return _render_participants(cohort, ParticipantForm(formdata=None))


@bp.post("/cohorts/<int:cohort_id>/participants")
@cohort_organiser_required
@unless_archived
def add(cohort: Cohort):
    """Enrol one person: an existing account by email, or a new one (shown its set-password link once)."""
    form = ParticipantForm()
    if not form.validate_on_submit():
        return _render_participants(cohort, form, 400)
    values = {key: getattr(form, key).data or "" for key in ("name", "furigana", "email", "organisation", "prefecture")}
    try:
        row, new_user = add_participant(cohort, current_user, values)
    except IntegrityError:
        db.session.rollback()
        form.email.errors.append("同時に同じ人が登録されました。一覧を確認してください。")
        return _render_participants(cohort, form, 409)
    if row["action"] == "already":
        form.email.errors.append("この研修にすでに登録されています。")
    elif row["problems"]:
        form.email.errors.extend(problem + "。" for problem in row["problems"])
    if form.email.errors:
        db.session.rollback()
        return _render_participants(cohort, form, 400)
    if new_user is not None:
        flash(f"{new_user.display_name} さんのアカウントを作成して登録しました。", "success")
        return issued_link_page(new_user, current_user, url_for("organiser.participants", cohort_id=cohort.id))
    linked = db.session.get(User, row["user_id"])
    db.session.commit()
    flash(f"既存のアカウント（{linked.display_name} さん・{linked.email}）をこの研修に登録しました。", "success")
    return redirect(url_for("organiser.participants", cohort_id=cohort.id))


@bp.post("/cohorts/<int:cohort_id>/participants/<int:user_id>/remove")
@cohort_organiser_required
@unless_archived
def remove(cohort: Cohort, user_id: int):
    """Take a participant out of the cohort (their account and learning records stay)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        user = remove_participant(cohort, user_id)
    except ParticipantError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{user.display_name} さんをこの研修から外しました。", "success")
    return redirect(url_for("organiser.participants", cohort_id=cohort.id, q=request.args.get("q", "")))


def _links_download(cohort: Cohort, users: list[User], name: str):
    if not users:
        flash("パスワード設定用リンクが必要な参加者はいません（全員が設定済みです）。", "info")
        return None
    rows = issue_links(users, current_user, set_password_url)
    db.session.commit()
    return download(iter(list(csv_chunks(LINK_HEADER, rows))), f"{cohort.name}_{name}.csv",
                    f"cohort-{cohort.id}-links.csv", CSV_MIMETYPE)


@bp.post("/cohorts/<int:cohort_id>/links.csv")
@cohort_organiser_required
def links(cohort: Cohort):
    """New one-time links for every participant who has not set a password yet, as CSV."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return (_links_download(cohort, users_needing_links(cohort, current_user), "パスワード設定用リンク")
            or redirect(url_for("organiser.participants", cohort_id=cohort.id)))


@bp.route("/cohorts/<int:cohort_id>/roster/import", methods=["GET", "POST"])
@cohort_organiser_required
@unless_archived
def roster_import(cohort: Cohort):
    """Upload or paste a roster; it is checked and kept server-side for the preview (nothing enrolled yet)."""
    form = RosterForm()
    if form.validate_on_submit():
        try:
            if form.upload is not None:
                text, encoding = decode_roster(form.upload.read())
                source = form.upload.filename
            else:
                text, encoding, source = form.text.data, "貼り付け", "貼り付け"
            created = create_import(cohort, current_user, text, source, encoding)
        except RosterError as error:
            (form.file if form.upload is not None else form.text).errors.append(str(error))
        else:
            db.session.commit()
            return redirect(url_for("organiser.roster_preview", cohort_id=cohort.id, import_id=created.id))
    return render_template("organiser/roster_import.html", cohort=cohort, form=form,
                           count=participant_count(cohort)), 400 if form.errors else 200


def _import_of(cohort: Cohort, import_id: int) -> RosterImport:
    roster = db.get_or_404(RosterImport, import_id)
    if roster.cohort_id != cohort.id:
        abort(404)
    return roster


@bp.get("/cohorts/<int:cohort_id>/roster/imports/<int:import_id>")
@cohort_organiser_required
def roster_preview(cohort: Cohort, import_id: int):
    """Every row with its problem and planned action; after confirmation, the result."""
    roster = _import_of(cohort, import_id)
    only_problems = request.args.get("problems") == "1"
    rows = [r for r in roster.rows if r["problems"]] if only_problems else roster.rows
    counts = {action: sum(1 for r in roster.rows if r["action"] == action) for action in ACTIONS}
    return render_template("organiser/roster_preview.html", cohort=cohort, roster=roster, rows=rows,
                           counts=counts, actions=ACTIONS, only_problems=only_problems, form=EmptyForm())


@bp.post("/cohorts/<int:cohort_id>/roster/imports/<int:import_id>/confirm")
@cohort_organiser_required
@unless_archived
def roster_confirm(cohort: Cohort, import_id: int):
    """Create and enrol exactly what the stored preview shows, in one transaction."""
    roster = _import_of(cohort, import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = url_for("organiser.roster_preview", cohort_id=cohort.id, import_id=roster.id)
    if roster.confirmed_at is not None:
        flash("この名簿はすでに取り込み済みです。", "info")
        return redirect(back)
    try:
        confirm_import(roster, cohort, current_user)
        db.session.commit()
    except ImportChanged:
        db.session.commit()  # keeps the fresh preview
        flash("確認のあとで登録状況が変わりました。最新の内容を確認してから、もう一度取り込んでください。", "error")
    except (AlreadyConfirmed, IntegrityError):
        db.session.rollback()
        flash("同時に別の操作が行われたため取り込めませんでした。内容を確認してください。", "error")
    else:
        flash(f"{len(roster.new_user_ids)}人のアカウントを作成し、{roster.linked_count}人の既存アカウントとあわせて登録しました。",
              "success")
    return redirect(back)


@bp.post("/cohorts/<int:cohort_id>/roster/imports/<int:import_id>/links.csv")
@cohort_organiser_required
def roster_links(cohort: Cohort, import_id: int):
    """New one-time links for the accounts this import created (those still without a password), as CSV."""
    roster = _import_of(cohort, import_id)
    if not EmptyForm().validate_on_submit() or roster.confirmed_at is None:
        abort(400)
    users = users_needing_links(cohort, current_user, roster.new_user_ids)
    return (_links_download(cohort, users, f"取り込み{roster.id}_パスワード設定用リンク")
            or redirect(url_for("organiser.roster_preview", cohort_id=cohort.id, import_id=roster.id)))
