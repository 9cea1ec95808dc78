"""What every exporter shares: which quizzes and items to export, in curriculum order, and their labels."""
from __future__ import annotations

from dataclasses import dataclass

from ..content import Catalog, Item, QuizDef
from ..models import CURRICULA


class ExportError(ValueError):
    """A request for something the catalog does not hold (unknown curriculum, module or quiz)."""


@dataclass(frozen=True)
class Exported:
    """One quiz with the item it belongs to."""

    quiz: QuizDef
    item: Item

    @property
    def category(self) -> list[str]:
        """Moodle category path below the course's top: curriculum label, then the item."""
        return ["elearn", curriculum_label(self.item.curriculum), f"{self.item.slug} {self.item.title}"]


def curriculum_label(curriculum: str) -> str:
    return CURRICULA.get(curriculum, curriculum)


def curriculum_items(catalog: Catalog, curriculum: str) -> list[Item]:
    """The items of ``curriculum`` in their order; ExportError when there are none."""
    items = sorted((i for i in catalog.items.values() if i.curriculum == curriculum), key=lambda i: i.position)
    if not items:
        known = "・".join(sorted({i.curriculum for i in catalog.items.values()}))
        raise ExportError(f"課程「{curriculum}」の教材がありません（あるのは {known}）。")
    return items


def quiz_of(catalog: Catalog, item: Item) -> QuizDef | None:
    return next((q for q in catalog.quizzes.values() if q.module == item.slug), None)


def select_quizzes(catalog: Catalog, curriculum: str | None = None, quiz: str | None = None,
                   module: str | None = None) -> list[Exported]:
    """The quizzes to export: one (by quiz or item id), one curriculum's, or all, in curriculum order."""
    if not catalog.ok:
        raise ExportError("教材に問題があります。`elearn content check` で確認してください。")
    if quiz or module:
        found = catalog.quizzes.get(quiz) if quiz else next(
            (q for q in catalog.quizzes.values() if q.module == module), None)
        if found is None:
            raise ExportError(f"クイズ「{quiz or module}」がありません。")
        return [Exported(found, catalog.items[found.module])]
    curricula = [curriculum] if curriculum else sorted({i.curriculum for i in catalog.items.values()},
                                                       key=lambda c: list(CURRICULA).index(c) if c in CURRICULA else 99)
    chosen = []
    for name in curricula:
        for item in curriculum_items(catalog, name):
            found = quiz_of(catalog, item)
            if found:
                chosen.append(Exported(found, item))
    return chosen
