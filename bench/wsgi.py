"""The app as served for benchmarks, plus the floor: a bare route returning a static page.

``/_bench/floor?bytes=N`` returns N bytes of static HTML from the same server and workers, so a
module page can be compared with the cheapest page Flask can serve at the same size.
"""
from __future__ import annotations

from functools import lru_cache

from flask import Response, request

from elearn import create_app

app = create_app()


@lru_cache(maxsize=8)
def _page(size: int) -> bytes:
    head = b"<!doctype html><html lang=ja><title>floor</title><p>"
    return head + b"x" * max(0, size - len(head))


@app.get("/_bench/floor")
def floor():
    """The floor: a static page of the requested size."""
    return Response(_page(request.args.get("bytes", 20000, type=int)), content_type="text/html; charset=utf-8")
