"""/search/: one search over modules, scenes, cases, quiz explanations and the board.

The page only: the index and the query live below, in :mod:`elearn.search_index`, so the board's own
search uses them without importing this area.
"""
from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")

from . import routes  # noqa: E402,F401
