"""Administration: users and roles."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit, privacy, routes  # noqa: E402,F401
