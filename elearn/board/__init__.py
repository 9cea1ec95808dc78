"""The peer board 支援者のひろば: threads, replies, わかります, reports and moderation."""
from flask import Blueprint

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.after_request
def _never_cache(response):
    """Board pages stay out of every cache (browser history, shared proxies), signed in or not."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


from . import moderation_routes, notification_routes, routes  # noqa: E402,F401
