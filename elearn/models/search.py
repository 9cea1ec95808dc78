"""The search index: one row per searchable piece of text (a section of a module, scene or case, a quiz
explanation, a board thread's title, a board post), as shown and as folded for matching.

The full-text structures around ``search_documents.folded`` are not models: on SQLite the FTS5
table ``search_fts`` (trigram tokenizer, kept in step by triggers), on PostgreSQL the pg_trgm GIN
index ``ix_search_documents_folded_trgm``. Both are created by migration 0012 and by
:func:`elearn.search_index.create_structures`; :func:`include_object` keeps them out of autogenerate.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

#: Kinds of rows, in the order the search page lists them.
SEARCH_KINDS = {
    "module": "教材",
    "scene": "支援のヒント（場面）",
    "case": "事例",
    "quiz": "確認テストの解説",
    "board": "支援者のひろば",
}
#: Database objects around the index that the models do not describe (see the module docstring).
UNMANAGED_PREFIXES = ("search_fts", "ix_search_documents_folded_trgm")


class SearchDocument(db.Model):
    """One searchable text. Board rows carry ``thread_id`` (and ``post_id`` unless it is the title row);
    content rows carry the item's ``slug``. ``hidden`` is the row's own post being hidden by a
    moderator, ``thread_hidden`` its thread; deleted posts have no row."""

    __tablename__ = "search_documents"
    __table_args__ = (Index("ix_search_documents_kind_sort", "kind", "sort_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    curriculum: Mapped[str | None] = mapped_column(String(20))
    slug: Mapped[str | None] = mapped_column(String(100))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("board_threads.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("board_posts.id", ondelete="CASCADE"), index=True)
    anchor: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    heading: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    folded: Mapped[str] = mapped_column(Text, default="")
    hidden: Mapped[bool] = mapped_column(default=False)
    thread_hidden: Mapped[bool] = mapped_column(default=False)
    #: Listing order within a kind: content in curriculum order, the board newest first.
    sort_key: Mapped[int] = mapped_column(BigInteger, default=0)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate filter: ignore the FTS5 table (and its shadow tables) and the trigram index."""
    return not (reflected and compare_to is None and name and name.startswith(UNMANAGED_PREFIXES))
