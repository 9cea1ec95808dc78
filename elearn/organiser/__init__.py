"""Organiser area 研修管理."""
from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

from . import routes  # noqa: E402,F401
