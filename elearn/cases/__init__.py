"""Case studies (事例): case pages with the learner's 事例検討シート, built on the learning area."""
from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from . import routes  # noqa: E402,F401
