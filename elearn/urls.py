"""URLs of content items: one rule for where a module, scene or case lives, in a request or not
(content is rendered at import, outside any request)."""
from __future__ import annotations

from flask import current_app, url_for


def _endpoint(slug: str, curriculum: str) -> tuple[str, dict[str, str]]:
    """The endpoint and its arguments for an item of ``curriculum``."""
    if curriculum == "cases":
        return "cases.case", {"case_id": slug}
    return "learning.module", {"curriculum": curriculum, "module_id": slug}


def item_url(item) -> str:
    """The page of a module, scene or case (anything with ``slug`` and ``curriculum``)."""
    endpoint, values = _endpoint(item.slug, item.curriculum)
    return url_for(endpoint, **values)


def content_link_resolver(curricula: dict[str, str]):
    """A resolver mapping a content id to its path, given ``{slug: curriculum}``."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT", "/"))

    def resolve(slug: str) -> str | None:
        curriculum = curricula.get(slug)
        if curriculum is None:
            return None
        return adapter.build(*_endpoint(slug, curriculum))

    return resolve
