"""Per-process copies of what only ``elearn content import`` changes, reloaded when older than
``CONTENT_CACHE_SECONDS``: the content snapshot and the content's search rows. One rule for how
stale a worker may get after an import, in one place."""
from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

from flask import current_app

T = TypeVar("T")
_lock = threading.Lock()


def content_cached(name: str, load: Callable[[], T]) -> T:
    """``load()``'s result for this app, reused until it is ``CONTENT_CACHE_SECONDS`` old."""
    holder = current_app.extensions.setdefault("elearn.per_process", {})
    max_age = current_app.config["CONTENT_CACHE_SECONDS"]
    entry = holder.get(name)
    if entry is not None and time.monotonic() - entry[1] < max_age:
        return entry[0]
    with _lock:
        entry = holder.get(name)
        if entry is None or time.monotonic() - entry[1] >= max_age:
            entry = (load(), time.monotonic())
            holder[name] = entry
    return entry[0]
