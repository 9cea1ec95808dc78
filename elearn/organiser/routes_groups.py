"""Groups for group work on a cohort's in-person days: propose, move people (a select per person),
lock, unlock and copy from another day."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..cohorts.groups import (GroupError, copy_from, groups_of, largest_number, move, participants, plan_for, propose,
                              set_locked)
from ..extensions import db
from ..forms import EmptyForm
from ..models import Cohort, CohortDay
from ..permissions import cohort_organiser_required
from . import bp
from .forms import CopyGroupsForm, GroupSizeForm
from .routes import unless_archived

#: Participants one grouping form may move (each sends one select), within ELEARN_MAX_FORM_FIELDS.
MAX_MOVES = 2000


def day_of(cohort: Cohort, day_id: int) -> CohortDay:
    """The cohort's day, or 404."""
    day = db.get_or_404(CohortDay, day_id)
    if day.cohort_id != cohort.id:
        abort(404)
    return day


def _back(cohort: Cohort, day: CohortDay):
    return redirect(url_for("organiser.groups", cohort_id=cohort.id, day_id=day.id))


def _copy_form(cohort: Cohort, day: CohortDay, formdata=None) -> CopyGroupsForm:
    form = CopyGroupsForm(formdata=formdata)
    form.source.choices = [(d.id, f"{d.day.month}/{d.day.day}") for d in cohort.days if d.id != day.id]
    return form


@bp.get("/cohorts/<int:cohort_id>/groups")
@cohort_organiser_required
def groups_first_day(cohort: Cohort):
    """The groups of the cohort's first in-person day (or a note that it has none)."""
    if not cohort.days:
        return render_template("organiser/groups.html", cohort=cohort, day=None)
    return redirect(url_for("organiser.groups", cohort_id=cohort.id, day_id=cohort.days[0].id))


@bp.get("/cohorts/<int:cohort_id>/days/<int:day_id>/groups")
@cohort_organiser_required
def groups(cohort: Cohort, day_id: int):
    """One day's groups: sizes and proposal, a select per person to move them, lock, copy from another day."""
    return _render_groups(cohort, day_of(cohort, day_id))


def _render_groups(cohort: Cohort, day: CohortDay, size_form: GroupSizeForm | None = None, status: int = 200):
    plan = plan_for(day)
    people = participants(day)
    grouped, unassigned = groups_of(people)
    return render_template(
        "organiser/groups.html", cohort=cohort, day=day, plan=plan, groups=grouped, unassigned=unassigned,
        numbers=range(1, largest_number(people) + 1), people=len(people),
        size_form=size_form or GroupSizeForm(formdata=None, smallest=plan.smallest, largest=plan.largest),
        copy_form=_copy_form(cohort, day), form=EmptyForm()), status


def _apply(cohort: Cohort, day: CohortDay, change, done: str):
    try:
        result = change()
        db.session.commit()
    except GroupError as error:
        db.session.rollback()
        flash(str(error), "error")
    except IntegrityError:
        db.session.rollback()
        flash("ほかの担当者が同時に変更しました。内容を確認して、もう一度操作してください。", "error")
    else:
        flash(done.format(result=result), "success")
    return _back(cohort, day)


@bp.post("/cohorts/<int:cohort_id>/days/<int:day_id>/groups/propose")
@cohort_organiser_required
@unless_archived
def propose_groups(cohort: Cohort, day_id: int):
    """Propose groups of the sizes asked for (replacing the day's groups unless they are locked)."""
    day = day_of(cohort, day_id)
    form = GroupSizeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_groups(cohort, day, size_form=form, status=400)
    return _apply(cohort, day, lambda: propose(day, form.smallest.data, form.largest.data),
                  "グループを提案しました。所属・都道府県・学習状況が偏らないように分けています。")


@bp.post("/cohorts/<int:cohort_id>/days/<int:day_id>/groups/move")
@cohort_organiser_required
@unless_archived
def move_people(cohort: Cohort, day_id: int):
    """Save the group chosen for each person on the form (``group-<user id>``; empty: no group).

    Only selects changed from what the page showed (``was-<user id>``) count, so a page opened
    before a colleague's moves never moves their people back.
    """
    day = day_of(cohort, day_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    chosen: dict[int, int | None] = {}
    for name, value in request.form.items():
        if not name.startswith("group-"):
            continue
        user_id, value = name.removeprefix("group-"), value.strip()
        if not user_id.isdigit() or (value and not value.isdigit()) or len(chosen) >= MAX_MOVES:
            abort(400)
        if value != request.form.get(f"was-{user_id}", "").strip():
            chosen[int(user_id)] = int(value) if value else None
    return _apply(cohort, day, lambda: move(day, chosen), "グループを保存しました（{result}人を移動）。")


@bp.post("/cohorts/<int:cohort_id>/days/<int:day_id>/groups/lock")
@cohort_organiser_required
@unless_archived
def lock_groups(cohort: Cohort, day_id: int):
    """Lock the groups (participants see them) or unlock them (``unlock=1``) to change them."""
    day = day_of(cohort, day_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    locking = request.form.get("unlock") != "1"
    return _apply(cohort, day, lambda: set_locked(day, locking, current_user),
                  "グループを確定しました。参加者の「参加している研修」に表示されます。" if locking
                  else "確定を解除しました。参加者には、もう一度確定するまで表示されません。")


@bp.post("/cohorts/<int:cohort_id>/days/<int:day_id>/groups/copy")
@cohort_organiser_required
@unless_archived
def copy_groups(cohort: Cohort, day_id: int):
    """Copy the groups of another day of the cohort."""
    day = day_of(cohort, day_id)
    form = _copy_form(cohort, day, request.form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash("コピー元の日を選び直してください。", "error")
        return _back(cohort, day)
    source = day_of(cohort, form.source.data)
    return _apply(cohort, day, lambda: copy_from(day, source),
                  f"{source.day.month}/{source.day.day}のグループをコピーしました（{{result}}人）。")
