"""Printable pages of a cohort (A4, print CSS): 受付名簿, name tags, group lists, set-password slips,
the completion matrix, and the 修了証's settings."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..certificates.pages import certificate_wording
from ..extensions import db
from ..forms import EmptyForm
from ..models import CertificateSettings, Cohort, utcnow
from ..permissions import cohort_organiser_required
from . import bp
from .forms import CertificateSettingsForm
from .printables import (SLIPS_PER_PAGE, TAGS_PER_PAGE, completion_sheet, group_lists, name_tags, pages,
                         password_slips, reception)
from .routes import unless_archived
from .routes_groups import day_of
from .services import participant_count


@bp.get("/cohorts/<int:cohort_id>/print")
@cohort_organiser_required
def printables(cohort: Cohort):
    """Every printable of the cohort, per in-person day where it depends on the day's groups."""
    return render_template("organiser/print_index.html", cohort=cohort, form=EmptyForm(),
                           count=participant_count(cohort), wording=certificate_wording(cohort))


@bp.get("/cohorts/<int:cohort_id>/print/reception")
@cohort_organiser_required
def print_reception(cohort: Cohort):
    """受付名簿 (A4 landscape): 氏名, ふりがな, 所属, 都道府県 and a box to tick; ``?day=`` adds the date and groups."""
    day_id = request.args.get("day", type=int)
    day = day_of(cohort, day_id) if day_id else None
    return render_template("organiser/print_reception.html", cohort=cohort, day=day, entries=reception(cohort, day))


@bp.get("/cohorts/<int:cohort_id>/days/<int:day_id>/print/name-tags")
@cohort_organiser_required
def print_name_tags(cohort: Cohort, day_id: int):
    """Name tags, 10 to an A4 sheet: a large name, ふりがな, 所属 and the day's group."""
    day = day_of(cohort, day_id)
    return render_template("organiser/print_name_tags.html", cohort=cohort, day=day,
                           sheets=pages(name_tags(day), TAGS_PER_PAGE))


@bp.get("/cohorts/<int:cohort_id>/days/<int:day_id>/print/groups")
@cohort_organiser_required
def print_groups(cohort: Cohort, day_id: int):
    """The day's groups, each with its members' names, ふりがな, 所属 and 都道府県."""
    day = day_of(cohort, day_id)
    grouped, unassigned = group_lists(day)
    return render_template("organiser/print_groups.html", cohort=cohort, day=day, groups=grouped,
                           unassigned=unassigned)


@bp.post("/cohorts/<int:cohort_id>/print/password-slips")
@cohort_organiser_required
def print_password_slips(cohort: Cohort):
    """Issue fresh set-password links (as the links CSV does) and show them as slips with a QR code each."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    slips, expires_at = password_slips(cohort, current_user)
    if not slips:
        flash("パスワード設定用リンクが必要な参加者はいません（全員が設定済みです）。", "info")
        return redirect(url_for("organiser.printables", cohort_id=cohort.id))
    db.session.commit()
    return render_template("organiser/print_slips.html", cohort=cohort, sheets=pages(slips, SLIPS_PER_PAGE),
                           count=len(slips), expires_at=expires_at)


@bp.get("/cohorts/<int:cohort_id>/print/completion")
@cohort_organiser_required
def print_completion(cohort: Cohort):
    """The completion matrix (A4 landscape): every required module, every day and every participant."""
    return render_template("organiser/print_completion.html", cohort=cohort, sheet=completion_sheet(cohort))


@bp.route("/cohorts/<int:cohort_id>/certificate-settings", methods=["GET", "POST"])
@cohort_organiser_required
@unless_archived
def certificate_settings(cohort: Cohort):
    """The 修了証's title, issuer (name and title) and whether a seal area (公印) is printed."""
    settings = db.session.get(CertificateSettings, cohort.id)
    wording = certificate_wording(cohort)
    form = CertificateSettingsForm(obj=wording)
    if form.validate_on_submit():
        settings = settings or CertificateSettings(cohort_id=cohort.id)
        form.populate_obj(settings)
        settings.updated_at = utcnow()
        db.session.add(settings)
        db.session.commit()
        flash("修了証の設定を保存しました。", "success")
        return redirect(url_for("organiser.printables", cohort_id=cohort.id))
    return render_template("organiser/certificate_settings.html", cohort=cohort, form=form), 400 if form.errors else 200
