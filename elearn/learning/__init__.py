"""Curricula, module and scene pages, quizzes and the learning record."""
from flask import Blueprint

bp = Blueprint("learning", __name__)

from . import routes  # noqa: E402,F401
