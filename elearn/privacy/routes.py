"""/account/data: a person's own download of everything held about them."""
from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from .. import audit
from ..forms import EmptyForm
from ..extensions import db
from . import bp
from .export import SECTIONS, export_zip

ZIP_MIMETYPE = "application/zip"


def zip_response(data: bytes, user_id: int) -> Response:
    return Response(data, mimetype=ZIP_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="elearn-data-{user_id}.zip"', "Cache-Control": "no-store"})


@bp.get("/account/data")
@login_required
def mine():
    """What the download holds, and the button."""
    return render_template("privacy/mine.html", sections=SECTIONS, form=EmptyForm())


@bp.post("/account/data.zip")
@login_required
def download():
    """The ZIP of everything held about the signed-in person (anonymous posts included: they are theirs)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    data = export_zip(current_user, by_self=True)
    audit.record("personal_data_exported", current_user, by_self=True)
    db.session.commit()
    return zip_response(data, current_user.id)
