"""The peer board 支援者のひろば."""
from flask import Blueprint

bp = Blueprint("board", __name__, url_prefix="/board")

from . import routes  # noqa: E402,F401
