"""QR self check-in for participants: /checkin/… opened from the code a cohort day's projector shows."""
from flask import Blueprint

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

from . import routes  # noqa: E402,F401
