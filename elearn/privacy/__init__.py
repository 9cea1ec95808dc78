"""Personal data rights: a person's download of everything held about them, and account deletion."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)

from . import routes  # noqa: E402,F401
