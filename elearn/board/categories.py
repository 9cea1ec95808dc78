"""Board categories: one per current scene of 支援のヒント (titles read from the content), then three more.

Threads store the category's slug; a scene's slug is its content id (``scene-1`` …), so a thread
keeps its category when the scene's title is edited, and a retired scene's threads read 「その他」.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..content.snapshot import cached_fragment, current_items


@dataclass(frozen=True)
class BoardCategory:
    """A board category; threads store its ``slug``."""

    slug: str
    title: str


#: Categories that are not scenes, listed after them.
FIXED_CATEGORIES = (
    BoardCategory("self-care", "支援者自身のケア"),
    BoardCategory("collaboration", "連携・制度"),
    BoardCategory("other", "その他"),
)
FALLBACK_TITLE = "その他"


def categories() -> dict[str, BoardCategory]:
    """Every category by slug, in the order shown: the scenes (as in the content), then the fixed ones.

    Built once per content snapshot (a re-import reaches the board like every other page).
    """
    def build() -> dict[str, BoardCategory]:
        scenes = [BoardCategory(item.slug, item.title) for item in current_items("hints") if item.kind == "scene"]
        return {category.slug: category for category in (*scenes, *FIXED_CATEGORIES)}

    return cached_fragment(("board", "categories"), build)


def category_title(slug: str) -> str:
    """The title shown for a thread's category."""
    found = categories().get(slug)
    return found.title if found else FALLBACK_TITLE
