"""Organiser area 研修管理: cohorts, participants and rosters, the completion dashboard, exports,
attendance (with reception mode and the QR check-in projector) and participants' certificates."""
from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

from . import (routes, routes_certificates, routes_groups, routes_participants, routes_print,  # noqa: E402,F401
               routes_reception, routes_tracking)
from . import routes_mail  # noqa: E402,F401
