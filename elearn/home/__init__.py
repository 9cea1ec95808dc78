"""The dashboard at ``/``: the top of the house, composing what the areas below offer a learner."""
from flask import Blueprint

bp = Blueprint("home", __name__)

from . import routes  # noqa: E402,F401
