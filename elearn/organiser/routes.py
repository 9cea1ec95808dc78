"""Organiser pages: the start page (cohorts and learner search), set-password links, and cohorts
(list, create, edit, archive)."""
from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ..auth.links import issued_link_page
from ..extensions import db
from ..forms import EmptyForm
from ..models import Cohort, Role, User
from ..permissions import (can_issue_link_for, cohort_organiser_required, is_admin, link_target_ids,
                           organiser_required)
from ..queries import more_users_than, paginate, search_text, search_users
from . import bp
from .forms import CohortForm, organiser_role_note
from .services import (CohortChanges, days_with_attendance, module_choices, module_groups, participant_count,
                       participant_counts, participant_ids, save_cohort, visible_cohorts)

COHORTS_PER_PAGE = 30
#: The start page lists the organiser's participants by name up to this many; beyond, it starts from a search.
LIST_WITHOUT_SEARCH = 200


def unless_archived(view):
    """For views that change a cohort: an archived cohort is read-only."""
    @wraps(view)
    def wrapped(cohort: Cohort, **kwargs):
        if cohort.archived:
            flash("アーカイブした研修は変更できません。変更するには、先にアーカイブを解除してください。", "error")
            return redirect(url_for("organiser.cohort", cohort_id=cohort.id))
        return view(cohort, **kwargs)
    return wrapped


@bp.get("/")
@organiser_required
def index():
    """研修管理: the organiser's active cohorts and a learner search with one-time set-password links."""
    query = search_text(request.args.get("q"))
    roles = [Role.LEARNER.value]
    within = None if is_admin(current_user) else participant_ids(current_user)
    if query or not more_users_than(LIST_WITHOUT_SEARCH, roles, within):
        page = search_users(query, roles, page=request.args.get("page", 1, type=int), within=within)
    else:
        page = None  # too many to list by name: the page starts from the search box
    cohorts = db.session.scalars(visible_cohorts(current_user).limit(10)).all()
    return render_template("organiser/index.html", page=page, q=query, form=EmptyForm(), cohorts=cohorts,
                           list_limit=LIST_WITHOUT_SEARCH,
                           link_targets=link_target_ids(current_user, [u.id for u in page.items] if page else []))


@bp.post("/users/<int:user_id>/set-password-link")
@organiser_required
def set_password_link(user_id: int):
    """Issue a one-time set-password link for a learner in one of the organiser's cohorts."""
    user = db.get_or_404(User, user_id)
    if not can_issue_link_for(current_user, user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = request.args.get("back") == "participants" and request.args.get("cohort", type=int)
    back_url = (url_for("organiser.participants", cohort_id=back) if back
                else url_for("organiser.index", q=request.args.get("q", "")))
    return issued_link_page(user, current_user, back_url)


@bp.get("/cohorts/")
@organiser_required
def cohorts():
    """The cohorts the user runs (all for an admin), active or archived."""
    archived = request.args.get("archived") == "1"
    statement = visible_cohorts(current_user, archived).options(selectinload(Cohort.days))
    page = paginate(statement, request.args.get("page", 1, type=int), COHORTS_PER_PAGE)
    counts = participant_counts([c.id for c in page.items])
    return render_template("organiser/cohorts.html", page=page, counts=counts, archived=archived)


def _form(modules) -> CohortForm:
    form = CohortForm()
    form.required_modules.choices = [SelectChoice(m.id, m.title) for m in modules]
    return form


def _changes(form: CohortForm) -> CohortChanges:
    return CohortChanges(
        name=form.name.data.strip(), curriculum=form.curriculum.data, opens_on=form.opens_on.data,
        closes_on=form.closes_on.data, venue=(form.venue.data or "").strip(), online=form.online.data,
        capacity=form.capacity.data, days=form.parsed_days, module_ids=form.required_modules.data or [],
        organisers=form.organiser_users)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@organiser_required
def new_cohort():
    """Create a cohort; the creator is its first organiser."""
    modules = module_choices()
    form = _form(modules)
    if request.method == "GET":
        form.organisers.data = current_user.email
    if form.validate_on_submit():
        cohort = save_cohort(Cohort(), _changes(form), modules)
        db.session.commit()
        flash(f"研修「{cohort.name}」を作成しました。次に名簿を取り込んでください。", "success")
        return redirect(url_for("organiser.cohort", cohort_id=cohort.id))
    return render_template("organiser/cohort_form.html", form=form, module_groups=module_groups(modules), cohort=None,
                           organiser_note=organiser_role_note())


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@cohort_organiser_required
def edit_cohort(cohort: Cohort):
    """Change a cohort's name, window, days, place, capacity, required modules and organisers."""
    modules = module_choices()
    form = _form(modules)
    if request.method == "GET":
        form.process(obj=cohort)
        form.days.data = "\n".join(d.day.isoformat() for d in cohort.days)
        form.required_modules.data = [m.id for m in cohort.required_modules]
        form.organisers.data = "\n".join(u.email for u in cohort.organisers)
    if form.validate_on_submit():
        kept = days_with_attendance(cohort, form.parsed_days)
        enrolled = participant_count(cohort)
        if kept:
            listed = "、".join(d.isoformat() for d in kept)
            form.days.errors.append(f"出席を記録済みの日は削除できません：{listed}")
        if form.capacity.data < enrolled:
            form.capacity.errors.append(f"定員は現在の参加者数（{enrolled}人）より少なくできません。")
        if not form.errors:
            save_cohort(cohort, _changes(form), modules)
            db.session.commit()
            flash("研修の設定を保存しました。", "success")
            if not (is_admin(current_user) or any(u.id == current_user.id for u in cohort.organisers)):
                return redirect(url_for("organiser.cohorts"))
            return redirect(url_for("organiser.cohort", cohort_id=cohort.id))
    return render_template("organiser/cohort_form.html", form=form, module_groups=module_groups(modules), cohort=cohort,
                           organiser_note=organiser_role_note(), archive_form=EmptyForm())


@bp.post("/cohorts/<int:cohort_id>/archive")
@cohort_organiser_required
def archive_cohort(cohort: Cohort):
    """Archive a cohort (read-only, hidden from lists and from participants' dashboards) or restore it."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    cohort.archived = not cohort.archived
    db.session.commit()
    flash(f"研修「{cohort.name}」を{'アーカイブしました' if cohort.archived else '再開しました'}。", "success")
    return redirect(url_for("organiser.cohort", cohort_id=cohort.id))
