"""Organiser area 研修管理 (``bp``), and the pages participants and the public use (``public_bp``):
one's own certificates and /verify/<code>."""
from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
public_bp = Blueprint("certificates", __name__)

from . import routes, routes_certificates, routes_participants, routes_tracking  # noqa: E402,F401
