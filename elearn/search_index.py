"""The search index and the one search over it, on both databases.

Every searchable text is a row of ``search_documents`` (:class:`elearn.models.SearchDocument`): its
text as shown (``body``, for snippets) and folded for matching (``folded``: :func:`elearn.kana.fold`,
i.e. NFKC, lower case, katakana as hiragana, no blanks), so 「８０５０」 finds 8050 and 「ヒキコモリ」
finds ひきこもり. A query is split into words on any blank (full-width too), each folded the same way,
and every word must occur (「〜を含む」, a substring match: Japanese has no spaces).

- SQLite: an FTS5 table ``search_fts`` with the ``trigram`` tokenizer over ``folded`` (external
  content, kept in step by triggers). Words of three or more characters are FTS phrases (quoted, so
  ``" * ( ) NEAR OR`` are only text); shorter words are a ``LIKE`` on ``folded``.
- PostgreSQL: a pg_trgm GIN index on ``folded``; every word is a ``LIKE '%word%'``, which the index
  serves for words of three or more characters. Without pg_trgm the same ``LIKE`` scans the table.

Content (a few hundred rows) is matched in memory, from a per-process copy of its rows reloaded with
the content snapshot (:func:`content_index`). Board results are counted
up to :data:`BOARD_COUNT_CAP` and read newest first with a ``LIMIT``, so a common word stops the
scan once a page is full. A search costs at most four statements
whatever the data. The content index is rebuilt by ``elearn content import``
(:func:`rebuild_content`); the board's rows are written in the transaction of each post, edit,
deletion, hide and restore (:func:`index_post`, :func:`index_thread`).
"""
from __future__ import annotations

import logging
import re
import sqlite3
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

from flask import has_app_context
from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, column, delete, func, insert, literal_column, select, table, text, update

from .kana import fold
from .models import CURRICULA, SEARCH_KINDS, SearchDocument
from .per_process import content_cached
from .queries import search_text

log = logging.getLogger(__name__)

T = SearchDocument.__table__
FTS = table("search_fts", column("rowid"))
CONTENT_KINDS = ("module", "scene", "case", "quiz")
TRIGRAM = 3
MAX_WORDS = 5
#: Board results are counted (and paged) up to this many, newest first: ten pages of 20. Counting
#: further costs a read of every match of a common word, ~1 µs a row on PostgreSQL.
BOARD_COUNT_CAP = 200
SQLITE_TRIGRAM_VERSION = (3, 34, 0)
TRGM_INDEX = "ix_search_documents_folded_trgm"
_CURRICULUM_ORDER = {name: index for index, name in enumerate(CURRICULA)}


# --- words ---------------------------------------------------------------------------------------

def query_words(query: str | None) -> list[str]:
    """The folded words of a search: split on any blank, without repeats, at most five."""
    words: list[str] = []
    for word in search_text(re.sub(r"\s+", " ", query or "")).split():  # U+3000 is a blank, not dropped
        folded = fold(word)
        if folded and folded not in words:
            words.append(folded)
    return words[:MAX_WORDS]


def index_fold(value: str) -> str:
    """Text as indexed: what a query can hold (printable characters, as :func:`search_text` keeps), folded."""
    if not re.sub(r"\s", " ", value).isprintable():
        value = "".join(ch for ch in value if ch.isprintable() or ch.isspace())
    return fold(value)


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _phrase(word: str) -> str:
    """An FTS5 string: the word quoted, its quotes doubled, so no character is FTS syntax."""
    return '"' + word.replace('"', '""') + '"'


# --- the structures around search_documents ------------------------------------------------------

def sqlite_has_trigram() -> bool:
    return sqlite3.sqlite_version_info >= SQLITE_TRIGRAM_VERSION


_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "folded, content='search_documents', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS search_fts_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, folded) VALUES (new.id, new.folded); END",
    "CREATE TRIGGER IF NOT EXISTS search_fts_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, folded) VALUES ('delete', old.id, old.folded); END",
    "CREATE TRIGGER IF NOT EXISTS search_fts_au AFTER UPDATE OF folded ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, folded) VALUES ('delete', old.id, old.folded); "
    "INSERT INTO search_fts(rowid, folded) VALUES (new.id, new.folded); END",
)
_SQLITE_DROP = ("DROP TRIGGER IF EXISTS search_fts_au", "DROP TRIGGER IF EXISTS search_fts_ad",
                "DROP TRIGGER IF EXISTS search_fts_ai", "DROP TABLE IF EXISTS search_fts")
PG_TRGM_HELP = (
    "pg_trgm could not be created (CREATE EXTENSION needs a superuser or, from PostgreSQL 13, the "
    "database owner; on managed services allow the extension first). Search still works, scanning "
    "the index table. To make it fast, as a superuser run in this database: "
    "CREATE EXTENSION pg_trgm; then `elearn search rebuild` (creates the trigram index).")


def create_structures(connection) -> str:
    """Create the FTS5 table (SQLite) or pg_trgm and its GIN index (PostgreSQL) where possible.

    Returns what was set up: ``fts5``, ``pg_trgm``, or ``like`` (the slower fallback, logged with
    what to do). Safe to call again.
    """
    name = connection.dialect.name
    if name == "sqlite":
        if not sqlite_has_trigram():
            log.warning("SQLite %s has no trigram tokenizer (3.34+): search scans with LIKE", sqlite3.sqlite_version)
            return "like"
        for statement in _SQLITE_DDL:
            connection.exec_driver_sql(statement)
        return "fts5"
    if name == "postgresql":
        try:
            with connection.begin_nested():
                connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 - permission denied or not installed: the app still works
            log.warning(PG_TRGM_HELP)
            return "like"
        connection.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON search_documents USING gin (folded gin_trgm_ops)")
        return "pg_trgm"
    return "like"


def drop_structures(connection) -> None:
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_DROP:
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


def _uses_fts(executor) -> bool:
    """Whether this SQLite database has ``search_fts`` (remembered per engine)."""
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor.engine
    engine = getattr(bind, "engine", bind)
    if engine.dialect.name != "sqlite":
        return False
    cache = engine.__dict__.setdefault("_elearn_search_fts", {})
    if "fts" not in cache:
        cache["fts"] = executor.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'")).scalar() == 1
    return cache["fts"]


# --- text as indexed -----------------------------------------------------------------------------

_BLOCKS = {"p", "li", "tr", "td", "th", "dt", "dd", "div", "br", "blockquote", "pre", "table", "ul", "ol"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _Sections(HTMLParser):
    """Plain text of rendered HTML cut at each heading: ``[(heading, anchor, text)]``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections: list[list] = [["", "", []]]
        self.in_heading = False

    def handle_starttag(self, tag, attrs):
        if tag in _HEADINGS:
            self.sections.append(["", dict(attrs).get("id") or "", []])
            self.in_heading = True

    def handle_endtag(self, tag):
        if tag in _HEADINGS:
            self.in_heading = False
        elif tag in _BLOCKS:
            self.sections[-1][2].append("\n")

    def handle_data(self, data):
        if self.in_heading:
            self.sections[-1][0] += data
        else:
            self.sections[-1][2].append(data)


def html_sections(markup: str) -> list[tuple[str, str, str]]:
    """``(heading, anchor, text)`` for the text before the first heading and each heading's section."""
    parser = _Sections()
    parser.feed(markup or "")
    parser.close()
    result = []
    for heading, anchor, parts in parser.sections:
        body = re.sub(r"[ \t]*\n\s*", "\n", "".join(parts)).strip()
        if body or heading:
            result.append((heading.strip(), anchor, body))
    return result


def html_text(markup: str) -> str:
    """The plain text of rendered HTML (a board post), line breaks between blocks."""
    return "\n".join(filter(None, (f"{h}\n{t}".strip() for h, _a, t in html_sections(markup))))


def _row(kind: str, title: str, body: str, *, heading: str = "", searched: str | None = None, **values) -> dict:
    row = {"kind": kind, "title": title[:300], "heading": heading[:300], "body": body,
           "folded": index_fold(body if searched is None else searched), "hidden": False, "thread_hidden": False,
           "curriculum": None, "slug": None, "thread_id": None, "post_id": None, "anchor": "", "sort_key": 0}
    row.update(values)
    return row


# --- the content index ---------------------------------------------------------------------------

def content_rows(modules, quizzes) -> list[dict]:
    """Index rows of the current content: each module's, scene's and case's sections, a scene's
    situation, a case's facts and discussion questions, and each quiz question's explanation."""
    rows: list[dict] = []
    by_id = {}
    for module in modules:
        by_id[module.id] = module
        base = (_CURRICULUM_ORDER.get(module.curriculum, 9) * 1_000_000 + module.position * 1000)
        kind = module.kind if module.kind in ("scene", "case") else "module"
        common = {"curriculum": module.curriculum, "slug": module.slug}
        parts: list[tuple[str, str, str, str | None]] = []  # heading, anchor, text, searched
        meta = module.meta or {}
        facts = meta.get("facts")
        if facts:
            labels = [(facts.get("setting_label") or "家族構成", facts.get("setting")), ("きっかけ", facts.get("trigger")),
                      ("支援内容", facts.get("support")), ("効果", facts.get("outcome"))]
            lines = [f"{label}：{value}" for label, value in labels if value]
            lines += [str(figure) for figure in facts.get("figures") or ()]
            parts.append(("事例の概要", "facts", "\n".join(lines), None))
        for heading, anchor, body in html_sections(module.body_html):
            parts.append((heading, anchor, body, f"{heading}\n{body}"))
        scenario = meta.get("scenario")
        if scenario:
            situation = html_text(scenario.get("situation_html", ""))
            parts.append(("場面", "scene-heading", f"{situation}\n{scenario.get('question', '')}".strip(), None))
        questions = meta.get("discussion_questions")
        if questions:
            parts.append(("事例検討の問い", "questions-heading", "\n".join(map(str, questions)), None))
        for index, (heading, anchor, body, searched) in enumerate(parts):
            searched = searched if searched is not None else f"{heading}\n{body}"
            rows.append(_row(kind, module.title, body, heading=heading, anchor=anchor, sort_key=base + index,
                             searched=f"{module.title}\n{searched}" if index == 0 else searched, **common))
    for quiz in quizzes:
        module = by_id.get(quiz.module_id)
        if module is None:
            continue
        base = _CURRICULUM_ORDER.get(module.curriculum, 9) * 1_000_000 + module.position * 1000
        for number, question in enumerate(quiz.questions or (), start=1):
            prompt = html_text(question.get("prompt_html", ""))
            explanation = html_text(question.get("explanation_html", ""))
            rows.append(_row("quiz", module.title, f"{prompt}\n解説：{explanation}", heading=f"問{number}",
                             searched=f"{prompt}\n{explanation}", anchor="quiz", sort_key=base + number,
                             curriculum=module.curriculum, slug=module.slug))
    return rows


def rebuild_content(executor) -> int:
    """Replace the content rows by the current (not retired) content; returns how many were written.
    ``executor`` is a session or connection: the caller's transaction (the import's)."""
    from .models import Module, Quiz

    modules = list(executor.execute(select(Module).where(Module.retired.is_(False))).scalars()) \
        if hasattr(executor, "get_bind") else None
    if modules is None:  # a plain connection (a migration): read the columns the rows need
        modules = list(executor.execute(select(
            Module.id, Module.slug, Module.kind, Module.curriculum, Module.position, Module.title, Module.body_html,
            Module.meta).where(Module.retired.is_(False))))
        quizzes = list(executor.execute(select(Quiz.module_id, Quiz.questions).where(
            Quiz.retired.is_(False), Quiz.module_id.is_not(None))))
    else:
        quizzes = list(executor.execute(select(Quiz).where(
            Quiz.retired.is_(False), Quiz.module_id.is_not(None))).scalars())
    rows = content_rows(modules, quizzes)
    executor.execute(delete(T).where(T.c.kind.in_(CONTENT_KINDS)))
    if rows:
        executor.execute(insert(T), rows)
    return len(rows)


# --- the board index -----------------------------------------------------------------------------

def _board_sort(created_at) -> int:
    """Newest first: minus the time in milliseconds."""
    return -int(created_at.timestamp() * 1000) if created_at else 0


def index_post(executor, post, thread) -> None:
    """Write ``post``'s row as it is now (no row once deleted; flags for hidden post or thread)."""
    executor.execute(delete(T).where(T.c.post_id == post.id))
    if post.deleted_at is not None or thread.deleted_at is not None:
        return
    body = html_text(post.body_html)
    if not body:
        return
    executor.execute(insert(T).values(**_row(
        "board", thread.title, body, thread_id=thread.id, post_id=post.id, anchor=f"post-{post.id}",
        hidden=post.hidden_at is not None, thread_hidden=thread.hidden_at is not None,
        sort_key=_board_sort(post.created_at))))


def index_thread(executor, thread, *, title_searchable: bool = True) -> None:
    """Write the thread's title row and bring its posts' rows up to date (title shown, thread hidden).
    A deleted thread loses every row."""
    if thread.deleted_at is not None:
        executor.execute(delete(T).where(T.c.thread_id == thread.id))
        return
    executor.execute(delete(T).where(T.c.thread_id == thread.id, T.c.post_id.is_(None)))
    if title_searchable:
        executor.execute(insert(T).values(**_row(
            "board", thread.title, thread.title, thread_id=thread.id, thread_hidden=thread.hidden_at is not None,
            sort_key=_board_sort(thread.created_at))))
    executor.execute(update(T).where(T.c.thread_id == thread.id, T.c.post_id.is_not(None))
                     .values(title=thread.title[:300], thread_hidden=thread.hidden_at is not None))


def rebuild_board(executor, batch: int = 2000) -> int:
    """Rebuild every board row from the posts (a migration's back-fill, ``elearn search rebuild``)."""
    from .models import BoardPost, BoardThread

    executor.execute(delete(T).where(T.c.kind == "board"))
    threads = {row.id: row for row in executor.execute(select(
        BoardThread.id, BoardThread.title, BoardThread.hidden_at, BoardThread.created_at,
        ).where(BoardThread.deleted_at.is_(None)))}
    count = 0
    rows = [_row("board", t.title, t.title, thread_id=t.id, thread_hidden=t.hidden_at is not None,
                 sort_key=_board_sort(t.created_at)) for t in threads.values()]
    last = 0
    while True:
        posts = list(executor.execute(select(
            BoardPost.id, BoardPost.thread_id, BoardPost.body_html, BoardPost.hidden_at, BoardPost.created_at)
            .where(BoardPost.id > last, BoardPost.deleted_at.is_(None)).order_by(BoardPost.id).limit(batch)))
        for post in posts:
            thread = threads.get(post.thread_id)
            body = html_text(post.body_html)
            if thread is not None and body:
                rows.append(_row("board", thread.title, body, thread_id=thread.id, post_id=post.id,
                                 anchor=f"post-{post.id}", hidden=post.hidden_at is not None,
                                 thread_hidden=thread.hidden_at is not None, sort_key=_board_sort(post.created_at)))
        if rows:
            executor.execute(insert(T), rows)
            count += len(rows)
            rows = []
        if len(posts) < batch:
            return count
        last = posts[-1].id


# --- matching ------------------------------------------------------------------------------------

def matches(executor, words: list[str]):
    """The condition on ``search_documents``: every word occurs in ``folded``."""
    conditions = []
    long_words = [w for w in words if len(w) >= TRIGRAM]
    if long_words and _uses_fts(executor):
        phrase = " ".join(_phrase(word) for word in long_words)
        conditions.append(T.c.id.in_(select(FTS.c.rowid).where(
            literal_column("search_fts").op("MATCH")(bindparam("fts", phrase, unique=True)))))
        words = [w for w in words if len(w) < TRIGRAM]
    conditions += [T.c.folded.like(_like(word), escape="\\") for word in words]
    return and_(*conditions)


def thread_ids_matching(executor, word: str, *, include_hidden_threads: bool = False):
    """A select of board thread ids whose title or a shown post contains ``word`` (already folded)."""
    statement = select(T.c.thread_id).where(T.c.kind == "board", T.c.hidden.is_(False), matches(executor, [word]))
    if not include_hidden_threads:
        statement = statement.where(T.c.thread_hidden.is_(False))
    return statement


# --- the search ----------------------------------------------------------------------------------

@dataclass
class Hit:
    kind: str
    curriculum: str | None
    slug: str | None
    thread_id: int | None
    post_id: int | None
    anchor: str
    title: Markup
    heading: str
    snippet: Markup

    @property
    def curriculum_label(self) -> str:
        return CURRICULA.get(self.curriculum or "", "")


@dataclass
class Group:
    kind: str
    hits: list[Hit]
    total: int
    capped: bool = False

    @property
    def label(self) -> str:
        return SEARCH_KINDS[self.kind]


@dataclass
class Results:
    words: list[str]
    groups: list[Group] = field(default_factory=list)
    page: int = 1
    pages: int = 1

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


_COLUMNS = (T.c.kind, T.c.curriculum, T.c.slug, T.c.thread_id, T.c.post_id, T.c.anchor, T.c.title, T.c.heading,
            T.c.body)


def search(executor, query: str | None, *, kinds: list[str] | None = None, curriculum: str | None = None,
           page: int | None = 1, per_group: int = 5, per_page: int = 20) -> Results:
    """Everything shown to a signed-in user matching every word of ``query``.

    With one kind: that kind's results, ``per_page`` a page; otherwise the first ``per_group`` of
    each kind with the kind's total. Hidden posts and threads are never found; a curriculum limits
    the search to its content (the board has none).
    """
    words = query_words(query)
    kinds = [k for k in (kinds or SEARCH_KINDS) if k in SEARCH_KINDS]
    if curriculum:
        kinds = [k for k in kinds if k != "board"]
    results = Results(words)
    if not words or not kinds:
        return results
    single = len(kinds) == 1
    limit = per_page if single else per_group
    page = max(page or 1, 1)
    content_kinds = [k for k in kinds if k in CONTENT_KINDS]
    if content_kinds:
        results.groups += _content_groups(executor, words, content_kinds, curriculum, limit,
                                          page if single else 1, results)
    if "board" in kinds:
        results.groups.append(_board_group(executor, words, limit, page if single else 1, results))
    order = list(SEARCH_KINDS)
    results.groups.sort(key=lambda group: order.index(group.kind))
    return results


def content_index(executor) -> dict[str, list]:
    """The content's index rows by kind in page order, ``(folded, curriculum, row)``, copied once per
    process and reloaded with the content snapshot (:func:`elearn.per_process.content_cached`): the
    content changes only on import, and its few hundred rows are matched faster in memory (``in``, the
    same literal substring test as ``LIKE`` on the folded text) than by a statement."""
    def load():
        by_kind: dict[str, list] = {kind: [] for kind in CONTENT_KINDS}
        for row in executor.execute(select(*_COLUMNS, T.c.folded).where(T.c.kind.in_(CONTENT_KINDS))
                                    .order_by(T.c.kind, T.c.sort_key, T.c.id)):
            by_kind[row.kind].append((row.folded, row.curriculum, row))
        return by_kind
    return content_cached("search_content_rows", load) if has_app_context() else load()


def _content_groups(executor, words, kinds, curriculum, limit, page, results) -> list[Group]:
    """Each kind's matching rows in page order: its total and the requested page (with one kind,
    a page past the last shows the last)."""
    index = content_index(executor)
    groups = []
    for kind in kinds:
        found = index[kind] if curriculum is None else [entry for entry in index[kind] if entry[1] == curriculum]
        for word in words:
            found = [entry for entry in found if word in entry[0]]
        if not found:
            continue
        pages = max(1, -(-len(found) // limit))
        shown = min(page, pages)
        first = (shown - 1) * limit
        groups.append(Group(kind, [_hit(row, words) for _f, _c, row in found[first:first + limit]], len(found)))
        if len(kinds) == 1:
            results.page, results.pages = shown, pages
    return groups


def _board_select(executor, words, *columns, ordered: bool = True):
    """Shown board rows with every word, newest first. On SQLite the FTS table drives the query in
    rowid order (newest first: a post's row is rewritten when it is edited), so a ``LIMIT`` stops
    it early however common the words are; elsewhere the (kind, sort_key) index does, or, unordered
    (to count), whichever scan PostgreSQL finds cheaper (the GIN index for rarer words)."""
    visible = (T.c.kind == "board", T.c.hidden.is_(False), T.c.thread_hidden.is_(False))
    long_words = [w for w in words if len(w) >= TRIGRAM]
    if long_words and _uses_fts(executor):
        phrase = " ".join(_phrase(word) for word in long_words)
        short = [T.c.folded.like(_like(w), escape="\\") for w in words if len(w) < TRIGRAM]
        return (select(*columns).select_from(FTS.join(T, T.c.id == FTS.c.rowid))
                .where(literal_column("search_fts").op("MATCH")(bindparam("fts", phrase, unique=True)),
                       *visible, *short)
                .order_by(FTS.c.rowid.desc()))
    likes = [T.c.folded.like(_like(w), escape="\\") for w in words]
    statement = select(*columns).where(*visible, *likes)
    return statement.order_by(T.c.sort_key, T.c.id) if ordered else statement


def _board_group(executor, words, limit, page, results) -> Group:
    """One page of board results and how many there are (up to :data:`BOARD_COUNT_CAP` + 1) in one
    statement: the count is an uncorrelated subquery, planned and run once on its own (a page past
    the last costs one more statement, to count, and shows the last page)."""
    counted = _board_select(executor, words, T.c.id, ordered=False).limit(BOARD_COUNT_CAP + 1).subquery()
    count = select(func.count()).select_from(counted).scalar_subquery()
    page = min(page, -(-BOARD_COUNT_CAP // limit))  # no page lies further

    def fetch(page: int):
        first = (page - 1) * limit
        return list(executor.execute(_board_select(executor, words, *_COLUMNS, count.label("found"))
                                     .limit(min(limit, BOARD_COUNT_CAP - first)).offset(first)))
    rows = fetch(page)
    if rows:
        found = rows[0].found
    else:
        found = executor.execute(select(count)).scalar() if page > 1 else 0
        if found:
            page = -(-min(found, BOARD_COUNT_CAP) // limit)
            rows = fetch(page)
    total = min(found, BOARD_COUNT_CAP)
    results.page, results.pages = page, max(1, -(-total // limit))
    return Group("board", [_hit(row, words) for row in rows], total, found > BOARD_COUNT_CAP)


def _hit(row, words: list[str]) -> Hit:
    return Hit(row.kind, row.curriculum, row.slug, row.thread_id, row.post_id, row.anchor,
               highlight(row.title, words, width=None), row.heading, highlight(row.body, words))


# --- snippets ------------------------------------------------------------------------------------

_CLUSTER = re.compile(r".[\u0300-\u036f\u3099\u309a\uff9e\uff9f\ufe00-\ufe0f]*", re.S)


@lru_cache(maxsize=8192)
def _fold_piece(piece: str) -> str:
    return index_fold(piece)


_BLANK = re.compile(r"\s")
_EXTENDING = re.compile(r"[\u0300-\u036f\u3099\u309a\uff9e\uff9f\ufe00-\ufe0f]")
#: Each character seen so far and what it folds to; whether it folds to one character or is a
#: blank (folds to none), or neither (folds to several, or joins the character before it).
_FOLD_TABLE: dict[int, str] = {}
_SIMPLE: set[str] = set()
_OTHER: set[str] = set()


def _char_by_char(text: str) -> bool:
    """Whether every character of ``text`` is a cluster of its own that folds to one character, or
    is a blank: true of almost every Japanese sentence. Learns the characters it has not seen."""
    chars = set(text)
    for char in chars - _SIMPLE - _OTHER:
        folded = _fold_piece(char)
        _FOLD_TABLE[ord(char)] = folded
        simple = (folded == "") if _BLANK.match(char) else (len(folded) == 1 and not _EXTENDING.match(char))
        (_SIMPLE if simple else _OTHER).add(char)
    return chars.isdisjoint(_OTHER)


Positions = "list[int] | range | _NonBlank"


def _folded_map(text: str) -> tuple[str, Positions, Positions]:
    """``text`` folded cluster by cluster, with each folded character's original start and end: by
    ``str.translate`` when it folds character by character (:func:`_char_by_char`)."""
    if not _char_by_char(text):
        return _folded_by_cluster(text)
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == len(text):
        return folded, range(len(text)), range(1, len(text) + 1)
    blanks = [match.start() for match in _BLANK.finditer(text)]
    return folded, _NonBlank(blanks, len(folded)), _NonBlank(blanks, len(folded), 1)


class _NonBlank:
    """The index in the text of its ``n``-th character that is not a blank (plus ``shift``), found
    from the few blanks' positions rather than listed for every character."""

    def __init__(self, blanks: list[int], length: int, shift: int = 0):
        self.blanks, self.length, self.shift = blanks, length, shift

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, n: int) -> int:
        if not 0 <= n < self.length:
            raise IndexError(n)
        skipped = 0
        while (before := bisect_right(self.blanks, n + skipped)) != skipped:
            skipped = before
        return n + skipped + self.shift


def _folded_by_cluster(text: str) -> tuple[str, list[int], list[int]]:
    chars, starts, ends = [], [], []
    for match in _CLUSTER.finditer(text):
        piece = _fold_piece(match.group())
        chars.append(piece)
        starts += [match.start()] * len(piece)
        ends += [match.end()] * len(piece)
    return "".join(chars), starts, ends


def highlight(value: str, words: list[str], *, width: int | None = 120) -> Markup:
    """``value`` escaped with every occurrence of the (folded) words in ``<mark>``; with ``width``,
    a window of about that many characters around the first occurrence."""
    value = value or ""
    before = after = ""
    if width is not None and len(value) > width:
        # Where to cut: the first word found as written (most words are written as folded), else
        # the first occurrence in the folded text.
        start = min((p for p in (value.find(w) for w in words) if p >= 0), default=-1)
        if start < 0:
            folded = index_fold(value)
            first = min((p for p in (folded.find(w) for w in words) if p >= 0), default=0)
            start = _original_offset(value, first)
        begin = max(0, start - width // 3)
        before, after = ("…" if begin else ""), ("…" if begin + width < len(value) else "")
        value = value[begin:begin + width]
    folded, starts, ends = _folded_map(value)
    spans: list[tuple[int, int]] = []
    for word in words:
        position = folded.find(word)
        while position >= 0:
            spans.append((starts[position], ends[position + len(word) - 1]))
            position = folded.find(word, position + 1)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [before], 0  # escaped pieces (str), joined once
    for start, end in merged:
        out += [escape(value[last:start]), "<mark>", escape(value[start:end]), "</mark>"]
        last = end
    out += [escape(value[last:]), after]
    return Markup("".join(out).replace("\n", " "))


def _original_offset(value: str, folded_position: int, chunk: int = 256) -> int:
    """The index in ``value`` of the cluster whose folding reaches ``folded_position``: folded a
    chunk at a time (in C), then cluster by cluster inside the chunk that holds it."""
    total = 0
    for start in range(0, len(value), chunk):
        length = len(index_fold(value[start:start + chunk]))
        if total + length > folded_position:
            for match in _CLUSTER.finditer(value, start, min(len(value), start + chunk)):
                total += len(_fold_piece(match.group()))
                if total > folded_position:
                    return match.start()
            return start
        total += length
    return 0
