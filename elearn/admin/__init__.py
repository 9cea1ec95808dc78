"""Administration: users and roles."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit, exports, privacy, routes, routes_mail  # noqa: E402,F401
