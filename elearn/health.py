"""``/healthz`` for load balancers: 200 only when the database answers."""
from flask import Blueprint

from .database import database_answers

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 "ok" when the database answers a query, else 503."""
    if database_answers():
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
    return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
