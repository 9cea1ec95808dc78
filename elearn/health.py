"""``/healthz`` for load balancers: 200 only when the database answers."""
from flask import Blueprint, current_app

from .database import database_answers
from .extensions import limiter

bp = Blueprint("health", __name__)

#: The second line of the answer while rate limits are counted per process (see Config).
RATE_LIMITS_IN_MEMORY = "rate limits: counted in memory per process (the store does not answer)"


def rate_limit_store_answers() -> bool:
    """True when rate limits are off or their store (Redis) answers."""
    return not current_app.config["RATELIMIT_ENABLED"] or limiter.storage.check()


@bp.get("/healthz")
def healthz():
    """Answer 200 "ok" when the database answers a query, else 503; a second line when the rate-limit
    store does not answer (still 200: sign-in and posting work, limited per process)."""
    if not database_answers():
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    body = "ok" if rate_limit_store_answers() else f"ok\n{RATE_LIMITS_IN_MEMORY}"
    return body, 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
