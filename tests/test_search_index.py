"""The FTS5 search index the build writes for the comment service's /search."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.contract.search_index import (
    SearchRecord,
    fts_query,
    html_text,
    index_digest,
    record_fingerprint,
    search,
    text_digest,
    write_fts_index,
)

RECORDS = [
    SearchRecord("/2024/01/silence/", "Silence in the room", "post", "2024-01-05",
                 "A pause is not empty. The client's silence holds the session together."),
    SearchRecord("/2024/02/endings/", "Endings", "post", "2024-02-05",
                 "The last session is a beginning of a kind. Café talk after therapy."),
    SearchRecord("/about/", "About", "page", "", "I am a therapist in London."),
]  # fmt: skip


@pytest.fixture
def index(tmp_path: Path) -> Path:
    path = tmp_path / ".salon" / "search.sqlite3"
    write_fts_index(path, RECORDS, "digest-1")
    return path


def test_finds_a_word_in_the_body_with_a_marked_snippet(index: Path) -> None:
    total, hits = search(index, "silence")
    assert total == 1
    assert hits[0].url == "/2024/01/silence/"
    assert "<mark>silence</mark>" in hits[0].snippet_html.lower()


def test_every_word_must_match_the_last_as_a_prefix_and_accents_fold(index: Path) -> None:
    assert search(index, "session beginn")[0] == 1
    assert search(index, "cafe")[0] == 1  # remove_diacritics
    assert search(index, "session silence")[0] == 1
    assert search(index, "zebra")[0] == 0


def test_titles_weigh_more_than_bodies(index: Path) -> None:
    _, hits = search(index, "session")
    assert hits[0].url in ("/2024/01/silence/", "/2024/02/endings/")
    _, hits = search(index, "endings")
    assert hits[0].url == "/2024/02/endings/"


def test_reader_text_is_never_query_syntax_and_snippets_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite3"
    write_fts_index(path, [SearchRecord("/x/", "X", "page", "", "a <b>bold</b> & sure")], "d")
    for words in ('"', "a OR", "NEAR(", "*", "title:x", ")(", "-a", "^"):
        search(path, words)  # never an sqlite3.OperationalError
    _, hits = search(path, "bold")
    assert "<b>" not in hits[0].snippet_html and "&lt;b&gt;" in hits[0].snippet_html


@settings(deadline=None)
@given(st.text(max_size=60))
def test_any_query_text_is_safe(words: str) -> None:
    query = fts_query(words)
    assert query == "" or query.endswith("*")


def test_the_digest_is_kept_and_a_missing_index_says_so(index: Path, tmp_path: Path) -> None:
    assert index_digest(index) == "digest-1"
    assert index_digest(tmp_path / "none.sqlite3") == ""
    with pytest.raises(sqlite3.Error):
        search(tmp_path / "none.sqlite3", "silence")


def test_the_index_is_replaced_whole(index: Path) -> None:
    write_fts_index(index, RECORDS[:1], "digest-2")
    assert index_digest(index) == "digest-2"
    assert search(index, "therapist")[0] == 0
    assert not list(index.parent.glob(".*.tmp"))


def test_html_text_keeps_words_apart_and_drops_scripts() -> None:
    html = "<h2>Title</h2><p>One&amp;two</p><script>evil()</script><ul><li>a</li><li>b</li></ul>"
    assert html_text(html) == "Title\nOne&two\na\nb"


def _rows(path: Path) -> list[tuple[str, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT url, title, kind, date, text FROM docs ORDER BY url").fetchall()
    finally:
        db.close()


def test_a_build_updates_the_index_it_finds_to_what_one_made_whole_holds(
    index: Path, tmp_path: Path
) -> None:
    """The next index is the last one copied, with the changed records' rows replaced,
    the gone ones removed and the new ones added: it holds what an index made whole
    from the same records holds, and finds what that one finds."""
    changed = SearchRecord("/2024/02/endings/", "Endings", "post", "2024-02-05",
                           "The last session, rewritten: marmalade.")  # fmt: skip
    added = SearchRecord("/2024/03/quince/", "Quince", "post", "2024-03-01", "A quince tree.")
    newer = [RECORDS[0], changed, added]  # /about/ is gone
    write_fts_index(index, newer, "digest-2")
    whole = tmp_path / "whole.sqlite3"
    write_fts_index(whole, newer, "digest-2")
    assert _rows(index) == _rows(whole)
    assert index_digest(index) == "digest-2"
    assert search(index, "marmalade")[0] == 1 and search(index, "beginning")[0] == 0
    assert search(index, "therapist")[0] == 0 and search(index, "quince")[0] == 1
    assert search(index, "silence")[1][0].url == "/2024/01/silence/"  # a row kept as it was
    db = sqlite3.connect(index)
    try:
        kept = db.execute("SELECT url FROM records ORDER BY url").fetchall()
    finally:
        db.close()
    assert [url for (url,) in kept] == sorted(r.url for r in newer)


def test_an_index_of_another_version_or_damaged_is_made_whole(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    db = sqlite3.connect(path)  # the first version's tables: no records table
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('version', '1'), ('digest', 'old');"
        "CREATE VIRTUAL TABLE docs USING fts5(title, text, url UNINDEXED, kind UNINDEXED,"
        " date UNINDEXED);"
        "INSERT INTO docs VALUES ('Stale', 'stale words', '/stale/', 'page', '');"
    )
    db.commit()
    db.close()
    write_fts_index(path, RECORDS, "digest-1")
    assert search(path, "stale")[0] == 0 and search(path, "silence")[0] == 1
    path.write_bytes(b"not a database at all")
    write_fts_index(path, RECORDS, "digest-1")
    assert _rows(path) == sorted((r.url, r.title, r.kind, r.date, r.text) for r in RECORDS)
    assert not list(tmp_path.glob(".*.tmp"))  # no copy left behind


def test_a_records_fingerprint_follows_its_text_whether_it_carries_it_or_its_digest() -> None:
    """A record held back without its text carries the text's digest: its fingerprint is
    the one the whole record has, so no text is read to find what changed; where the
    cache keeps the text, and the rest of its source, do not count."""
    plain = SearchRecord("/a/", "A", "post", "2024-01-01", "first words")
    held = replace(plain, text="", text_key="k1", text_digest=text_digest("first words"))
    assert record_fingerprint(held) == record_fingerprint(plain)
    assert record_fingerprint(replace(held, text_key="k2")) == record_fingerprint(plain)
    assert record_fingerprint(replace(plain, text="other words")) != record_fingerprint(plain)
    assert record_fingerprint(replace(plain, title="B")) != record_fingerprint(plain)
    assert record_fingerprint(replace(held, text_digest=text_digest("x"))) != record_fingerprint(
        plain
    )
