"""修了証 pages for participants (/certificates/) and the public (/verify/), and the printable
certificate page the organiser area shows too."""
from flask import Blueprint

bp = Blueprint("certificates", __name__)

from . import routes  # noqa: E402,F401
