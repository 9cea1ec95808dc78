"""研修効果: pre/post tests per cohort, the anonymous course evaluation survey, question analysis and the
committee's report (charts, XLSX, printable page). Sits above learning and cohorts; organiser only links here."""
from flask import Blueprint

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

from . import routes, routes_staff  # noqa: E402,F401
