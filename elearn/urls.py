"""URLs for content items, buildable outside a request (used when rendering content at import)."""
from __future__ import annotations

from flask import current_app


def content_link_resolver(curricula: dict[str, str]):
    """A resolver mapping a content id to its path, given ``{slug: curriculum}``."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT", "/"))

    def resolve(slug: str) -> str | None:
        curriculum = curricula.get(slug)
        if curriculum is None:
            return None
        if curriculum == "cases":
            return adapter.build("cases.case", {"case_id": slug})
        return adapter.build("learning.module", {"curriculum": curriculum, "module_id": slug})

    return resolve
