"""Login, logout, password change and set-password links."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401
from . import reset  # noqa: E402,F401
