"""The site's search records, and the private SQLite FTS5 index made from them.

One record per essay and page (listings are left out: they only repeat essays), made
from the text the build already has (the rendered HTML of each body), so nothing
re-parses the written pages. The same records feed Pagefind (search_pagefind.py) for
readers with JavaScript and this FTS5 index for the comment service's /search, which
answers the same form without JavaScript.

The index is written beside the posts manifest (.salon/search.sqlite3) to a temporary
file renamed into place, so the service always reads a whole index.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import sqlite3

    from generator.core.config import SiteConfig

INDEX_NAME = "search.sqlite3"
INDEX_VERSION = 2  # 2: each record's digest kept beside it, so that a build updates the index
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE docs USING fts5(
    title, text, url UNINDEXED, kind UNINDEXED, date UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE records (url TEXT PRIMARY KEY, digest TEXT NOT NULL, row INTEGER NOT NULL);
"""
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|pre|blockquote|td|th|dd|dt|figcaption)>", re.I)
_NOT_TEXT = re.compile(r"<(script|style|svg)\b.*?</\1>", re.I | re.S)


def search_index_path(config: SiteConfig) -> Path:
    """The index the comment service's /search reads: only the build of output/ itself
    writes it there; a variant build (`--output`, `serve --drafts`, which may show drafts)
    keeps its own beside its other state, where the service never looks."""
    return (config.private_dir if not config.variant else config.state_dir) / INDEX_NAME


@dataclass(frozen=True)
class SearchRecord:
    url: str  # site-relative
    title: str
    kind: str  # "post" or "page"
    date: str  # ISO date of a post, "" for a page
    text: str  # the body as plain text
    # Where the build cache keeps the text (the build's key for it), when it does.
    text_key: str = ""
    # The text's own hash, when known: the record's digests are made from it instead of
    # the whole text (record_fingerprint), so the text need not be read to compare.
    text_digest: str = ""


def text_digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def record_fingerprint(record: SearchRecord) -> bytes:
    """What a record's digests are made from: its fields and its text, or the text's
    digest where the record carries it (after an edit at 5,000 essays, hashing every
    text to find the one that changed was a third of the search step). The same text
    gives the same fingerprint either way, whatever else changed in its source."""
    digest = record.text_digest or text_digest(record.text)
    return repr((record.url, record.title, record.kind, record.date, digest)).encode()


@runtime_checkable
class HeldTexts(Protocol):
    """Records some of whose texts are held back until asked for (the build's spool,
    which reads them from the build cache): an edit's search step needs few of them."""

    def light(self) -> Iterator[SearchRecord]:
        """Every record, in order, some without their text: enough for fingerprints."""
        ...

    def filled(self, wanted: Callable[[SearchRecord], bool]) -> Iterator[SearchRecord]:
        """Every record, in order, with its text wherever ``wanted`` says."""
        ...


def light(records: Iterable[SearchRecord]) -> Iterator[SearchRecord]:
    return records.light() if isinstance(records, HeldTexts) else iter(records)


def with_texts(
    records: Iterable[SearchRecord], wanted: Callable[[SearchRecord], bool]
) -> Iterator[SearchRecord]:
    return records.filled(wanted) if isinstance(records, HeldTexts) else iter(records)


def html_text(html: str) -> str:
    """Plain text of rendered body HTML: tags dropped, blocks kept apart, entities decoded."""
    html = _NOT_TEXT.sub(" ", html)
    html = _BLOCK_END.sub("\n", html)
    text = unescape(_TAG.sub(" ", html))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def records_digest(records: Iterable[SearchRecord]) -> str:
    """Changes exactly when some record does: the search step is skipped otherwise."""
    digest = hashlib.sha1(f"search {INDEX_VERSION}".encode())
    for record in records:
        digest.update(record_fingerprint(record))
    return digest.hexdigest()


def write_fts_index(path: Path, records: Iterable[SearchRecord], digest: str) -> None:
    """Write the FTS5 index to a temporary file, then rename it over ``path``.

    The temporary file is a copy of the index at ``path`` when that is of this version,
    with the rows of the records that changed replaced and those of records gone removed
    (after an edit, one essay's row instead of the whole site's); otherwise it is made
    whole. Either way it holds exactly these records."""
    import sqlite3  # in each function: a no-change build imports this module, not SQLite

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        known = _copy_of(path, tmp)
        db = sqlite3.connect(tmp)
        try:
            if known is None:
                db.executescript(_SCHEMA)
            _put_records(db, records, known or {})
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [("version", str(INDEX_VERSION)), ("digest", digest)],
            )
            if known is None:  # a whole index in one segment; updates merge their own
                db.execute("INSERT INTO docs (docs) VALUES ('optimize')")
            db.commit()
        finally:
            db.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_of(path: Path, tmp: Path) -> dict[str, tuple[str, int]] | None:
    """Copy the index at ``path`` to ``tmp``; each record's digest and row there, or None
    (nothing copied) when there is no index of this version to update."""
    import shutil
    import sqlite3

    if not path.is_file():
        return None
    try:
        shutil.copyfile(path, tmp)
        db = sqlite3.connect(tmp)
        try:
            (version,) = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if version != str(INDEX_VERSION):
                raise ValueError(version)
            rows = db.execute("SELECT url, digest, row FROM records").fetchall()
        finally:
            db.close()
    except (OSError, sqlite3.Error, ValueError, TypeError):
        tmp.unlink(missing_ok=True)
        return None
    return {str(url): (str(digest), int(row)) for url, digest, row in rows}


def _put_records(
    db: sqlite3.Connection, records: Iterable[SearchRecord], known: dict[str, tuple[str, int]]
) -> None:
    """Make ``db`` hold exactly ``records``, given the digest and row of each it holds."""

    def digest_of(record: SearchRecord) -> str:
        return hashlib.sha1(record_fingerprint(record)).hexdigest()

    def changed(record: SearchRecord) -> bool:
        before = known.get(record.url)
        return before is None or before[0] != digest_of(record)

    seen: set[str] = set()
    for record in with_texts(records, changed):  # the unchanged ones' texts left unread
        seen.add(record.url)
        digest = digest_of(record)
        before = known.get(record.url)
        if before is not None and before[0] == digest:
            continue
        if before is not None:
            db.execute("DELETE FROM docs WHERE rowid = ?", (before[1],))
        row = db.execute(
            "INSERT INTO docs (title, text, url, kind, date) VALUES (?, ?, ?, ?, ?)",
            (record.title, record.text, record.url, record.kind, record.date),
        ).lastrowid
        db.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (record.url, digest, row))
    for url in known.keys() - seen:
        db.execute("DELETE FROM docs WHERE rowid = ?", (known[url][1],))
        db.execute("DELETE FROM records WHERE url = ?", (url,))


def index_digest(path: Path) -> str:
    """The digest recorded in an existing index, "" when there is none or it is unreadable."""
    import sqlite3

    if not path.is_file():
        return ""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return ""
    return str(row[0]) if row else ""


@dataclass(frozen=True)
class SearchHit:
    url: str
    title: str
    kind: str
    date: str
    snippet_html: str  # escaped text with <mark> around the matched words


def fts_query(words: str) -> str:
    """A reader's words as an FTS5 query: every word must match (a prefix for the last),
    each quoted so no reader's text is taken as query syntax."""
    terms = re.findall(r"\w+", words)[:12]
    if not terms:
        return ""
    quoted = ['"' + term.replace('"', "") + '"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def search(path: Path, words: str, limit: int = 20, offset: int = 0) -> tuple[int, list[SearchHit]]:
    """(how many match, this page of hits), best first. Raises sqlite3.Error when the
    index is missing or broken, which the service answers with a 503."""
    import sqlite3

    query = fts_query(words)
    if not query:
        return 0, []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (total,) = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (query,)).fetchone()
        rows = db.execute(
            # The snippet's markers are control characters no text holds, so the page can
            # escape everything and then turn only them into <mark>.
            "SELECT url, title, kind, date, snippet(docs, 1, char(1), char(2), '…', 24) "
            "FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 5.0, 1.0) LIMIT ? OFFSET ?",
            (query, limit, offset),
        ).fetchall()
    finally:
        db.close()
    hits = [
        SearchHit(str(url), str(title), str(kind), str(date), _marked(str(snippet)))
        for url, title, kind, date, snippet in rows
    ]
    return int(total), hits


def _marked(snippet: str) -> str:
    from markupsafe import escape

    text = str(escape(snippet.replace("\n", " ")))
    return text.replace("\x01", "<mark>").replace("\x02", "</mark>")
