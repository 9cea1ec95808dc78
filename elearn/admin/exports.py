"""Admin downloads of content for other systems: SCORM 1.2 packages, GIFT and Moodle XML quiz files."""
from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, render_template, request

from ..content import load_catalog
from ..content.snapshot import current_items
from ..interop.common import ExportError, select_quizzes
from ..interop.gift import export_gift
from ..interop.moodlexml import export_moodlexml
from ..interop.scorm import REPORTS, SCORM_CURRICULA, build_package
from ..models import CURRICULA
from ..permissions import admin_required
from . import bp

QUIZ_FORMATS = {"gift": ("GIFT", "txt", "text/plain; charset=utf-8"),
                "moodlexml": ("Moodle XML", "xml", "application/xml; charset=utf-8")}


def _catalog():
    return load_catalog(Path(current_app.config["CONTENT_DIR"]))


def _page(errors: list[str] | None = None, status: int = 200):
    """The page; its module list comes from the imported content (reading the folder takes seconds)."""
    modules = {c: current_items(c) for c in SCORM_CURRICULA}
    return render_template("admin/exports.html", modules=modules, labels=CURRICULA, reports=REPORTS,
                           quiz_curricula=list(CURRICULA), formats=QUIZ_FORMATS, errors=errors or [],
                           args=request.args), status


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/exports")
@admin_required
def exports():
    """The download page: a curriculum as SCORM 1.2, quizzes as GIFT or Moodle XML."""
    return _page()


@bp.get("/exports/scorm")
@admin_required
def export_scorm():
    """A SCORM 1.2 zip of a curriculum (or one module of it), built from the content folder."""
    curriculum = request.args.get("curriculum", "")
    module = request.args.get("module") or None
    report = request.args.get("report", "passed")
    try:
        package = build_package(_catalog(), curriculum, module, report)
    except ExportError as exc:
        return _page([str(exc)], 400)
    return _download(package.data, package.filename, "application/zip")


@bp.get("/exports/quizzes")
@admin_required
def export_quizzes():
    """Every quiz, or one curriculum's, as GIFT or Moodle XML."""
    curriculum = request.args.get("curriculum") or None
    kind = request.args.get("format", "")
    errors = []
    if kind not in QUIZ_FORMATS:
        errors.append("形式は GIFT か Moodle XML を選んでください。")
    if curriculum is not None and curriculum not in CURRICULA:
        errors.append("課程を一覧から選んでください。")
    if errors:
        return _page(errors, 400)
    try:
        quizzes = select_quizzes(_catalog(), curriculum)
    except ExportError as exc:
        return _page([str(exc)], 400)
    _, extension, mimetype = QUIZ_FORMATS[kind]
    data = export_gift(quizzes).encode("utf-8") if kind == "gift" else export_moodlexml(quizzes)
    return _download(data, f"elearn-{curriculum or 'all'}-quizzes-{kind}.{extension}", mimetype)



