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

Content (a few thousand rows) is matched with ``LIKE`` over its own rows. Board results are counted
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
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, column, delete, func, insert, literal_column, select, table, text, update

from .kana import fold
from .models import CURRICULA, SEARCH_KINDS, SearchDocument
from .queries import search_text

log = logging.getLogger(__name__)

T = SearchDocument.__table__
FTS = table("search_fts", column("rowid"))
CONTENT_KINDS = ("module", "scene", "case", "quiz")
TRIGRAM = 3
MAX_WORDS = 5
BOARD_COUNT_CAP = 1000
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


def _content_groups(executor, words, kinds, curriculum, limit, page, results) -> list[Group]:
    """Content is small (a few thousand rows): ``LIKE`` over the content rows only, found through
    the (kind, sort_key) index, so board rows matching the same words are never visited."""
    where = [T.c.kind.in_(kinds), *(T.c.folded.like(_like(word), escape="\\") for word in words)]
    if curriculum:
        where.append(T.c.curriculum == curriculum)
    ranked = select(*_COLUMNS, func.row_number().over(partition_by=T.c.kind, order_by=(T.c.sort_key, T.c.id))
                    .label("n"), func.count().over(partition_by=T.c.kind).label("total")).where(*where).subquery()

    def fetch(page: int):
        first = (page - 1) * limit
        return list(executor.execute(select(ranked).where(ranked.c.n > first, ranked.c.n <= first + limit)
                                     .order_by(ranked.c.kind, ranked.c.n)))
    rows = fetch(page)
    if not rows and page > 1:  # past the last page: show the last one (one more statement)
        total = executor.execute(select(func.count()).select_from(T).where(*where)).scalar() or 0
        page = max(1, -(-total // limit))
        rows = fetch(page)
    groups: dict[str, Group] = {}
    for row in rows:
        group = groups.setdefault(row.kind, Group(row.kind, [], row.total))
        group.hits.append(_hit(row, words))
    if len(kinds) == 1:
        total = rows[0].total if rows else 0
        results.page, results.pages = page, max(1, -(-total // limit))
    return list(groups.values())


def _board_select(executor, words, *columns):
    """Shown board rows with every word, newest first (by row id: a post's row is rewritten when it
    is edited). On SQLite the FTS table drives the query in rowid order, so a ``LIMIT`` stops it early
    however common the words are; elsewhere the primary key read backwards (or the GIN index) does."""
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
    return select(*columns).where(*visible, *likes).order_by(T.c.sort_key, T.c.id)  # (kind, sort_key) index


def _board_group(executor, words, limit, page, results) -> Group:
    counted = _board_select(executor, words, T.c.id).limit(BOARD_COUNT_CAP + 1).subquery()
    total = executor.execute(select(func.count()).select_from(counted)).scalar() or 0
    capped = total > BOARD_COUNT_CAP
    total = min(total, BOARD_COUNT_CAP)
    pages = max(1, -(-total // limit))
    page = min(page, pages)
    rows = list(executor.execute(_board_select(executor, words, *_COLUMNS).limit(limit).offset((page - 1) * limit)))
    results.page, results.pages = page, pages
    return Group("board", [_hit(row, words) for row in rows], total, capped)


def _hit(row, words: list[str]) -> Hit:
    return Hit(row.kind, row.curriculum, row.slug, row.thread_id, row.post_id, row.anchor,
               highlight(row.title, words, width=None), row.heading, highlight(row.body, words))


# --- snippets ------------------------------------------------------------------------------------

_CLUSTER = re.compile(r".[\u0300-\u036f\u3099\u309a\uff9e\uff9f\ufe00-\ufe0f]*", re.S)


@lru_cache(maxsize=8192)
def _fold_piece(piece: str) -> str:
    return index_fold(piece)


def _folded_map(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` folded cluster by cluster, with each folded character's original start and end."""
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
    if width is not None and len(value) > width:
        folded = index_fold(value)
        first = min((p for p in (folded.find(w) for w in words) if p >= 0), default=0)
        start = _original_offset(value, first)
        begin = max(0, start - width // 3)
        value = ("…" if begin else "") + value[begin:begin + width] + ("…" if begin + width < len(value) else "")
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
    out, last = [], 0
    for start, end in merged:
        out.append(escape(value[last:start]))
        out.append(Markup("<mark>") + escape(value[start:end]) + Markup("</mark>"))
        last = end
    out.append(escape(value[last:]))
    text_html = Markup("").join(out)
    return Markup(text_html.replace("\n", Markup(" ")))


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
