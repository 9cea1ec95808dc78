"""The search page: results grouped by kind, filters by kind and curriculum, pagination."""
from __future__ import annotations

import re
from types import SimpleNamespace

from flask import render_template, request, url_for
from flask_login import login_required

from ..extensions import db
from ..models import CURRICULA, SEARCH_KINDS
from ..queries import Page, search_text
from ..search_index import BOARD_COUNT_CAP, Hit, search
from ..urls import item_url
from . import bp

PER_PAGE = 20
PER_GROUP = 5


def hit_url(hit: Hit) -> str:
    """Where a result leads: the item's page at the heading, the board post (on its page) or thread."""
    if hit.kind == "board":
        if hit.post_id is not None:
            return url_for("board.show_post", post_id=hit.post_id)
        return url_for("board.thread", thread_id=hit.thread_id)
    url = item_url(SimpleNamespace(slug=hit.slug, curriculum=hit.curriculum))
    return f"{url}#{hit.anchor}" if hit.anchor else url


@bp.get("/")
@login_required
def index():
    """「検索」: every word must occur; one kind a page at a time with ``?kind=``."""
    query = search_text(re.sub(r"\s+", " ", request.args.get("q") or ""))
    kind = request.args.get("kind", "")
    kind = kind if kind in SEARCH_KINDS else ""
    curriculum = request.args.get("curriculum", "")
    curriculum = curriculum if curriculum in CURRICULA else ""
    if curriculum and kind == "board":
        kind = ""
    results = search(db.session, query, kinds=[kind] if kind else None, curriculum=curriculum or None,
                     page=request.args.get("page", 1, type=int), per_group=PER_GROUP, per_page=PER_PAGE)
    paging = None
    if kind and results.groups:
        group = results.groups[0]
        paging = Page([], results.page, PER_PAGE, group.total)
    return render_template("search/index.html", q=query, kind=kind, curriculum=curriculum, results=results,
                           paging=paging, kinds=SEARCH_KINDS, curricula=CURRICULA, hit_url=hit_url,
                           cap=BOARD_COUNT_CAP, per_group=PER_GROUP)
