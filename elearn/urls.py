"""URLs of content items: one rule for where a module, scene or case lives, in a request or not
(content is rendered at import, outside any request)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for


def _endpoint(slug: str, curriculum: str) -> tuple[str, dict[str, str]]:
    """The endpoint and its arguments for an item of ``curriculum``."""
    if curriculum == "cases":
        return "cases.case", {"case_id": slug}
    return "learning.module", {"curriculum": curriculum, "module_id": slug}


def item_url(item) -> str:
    """The page of a module, scene or case (anything with ``slug`` and ``curriculum``)."""
    endpoint, values = _endpoint(item.slug, item.curriculum)
    return url_for(endpoint, **values)


class BaseUrlMissing(RuntimeError):
    """An absolute link was needed outside debug, but ELEARN_BASE_URL is not set."""


def site_root() -> str:
    """The site's address without a trailing slash: ELEARN_BASE_URL, or in debug and tests the request's."""
    base = current_app.config.get("BASE_URL") or ""
    if base:
        return base.rstrip("/")
    if current_app.debug or current_app.testing:
        return request.url_root.rstrip("/")
    raise BaseUrlMissing("ELEARN_BASE_URL is not set")


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` for mails, links handed out and printed certificates."""
    root = site_root()
    return root + current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)


def init_app(app: Flask) -> None:
    """Templates link to content items with the same rule: ``{{ item_url(module) }}``."""
    app.jinja_env.globals["item_url"] = item_url


def allowed_hosts(app: Flask) -> list[str] | None:
    """The host names to answer (Flask's TRUSTED_HOSTS): ELEARN_ALLOWED_HOSTS, else BASE_URL's host."""
    hosts = app.config.get("ALLOWED_HOSTS") or []
    if isinstance(hosts, str):
        hosts = [host.strip() for host in hosts.split(",") if host.strip()]
    base = app.config.get("BASE_URL") or ""
    if not hosts and base:
        hosts = [urlsplit(base).hostname or ""]
    return list(hosts) or None


def content_link_resolver(curricula: dict[str, str]):
    """A resolver mapping a content id to its path, given ``{slug: curriculum}``."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT", "/"))

    def resolve(slug: str) -> str | None:
        curriculum = curricula.get(slug)
        if curriculum is None:
            return None
        return adapter.build(*_endpoint(slug, curriculum))

    return resolve
