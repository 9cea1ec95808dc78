"""Board pages (threads and replies arrive with the board issue)."""
from flask import render_template
from flask_login import login_required

from . import bp


@bp.get("/")
@login_required
def index():
    """The board's front page, with the self-care notice."""
    return render_template("board/index.html")
