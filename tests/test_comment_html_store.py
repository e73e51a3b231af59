"""The comment HTML a build reads from its cache as pages ask (cache.CommentHtmlStore):
row by row for an edit's few pages, all at once for a cold build's, the same answers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from generator.build.cache import BuildCache, CommentHtmlStore, save_comment_map

HTML = {f"c{number}": f"<p>comment {number}</p>" for number in range(10)}


@pytest.fixture
def store(tmp_path: Path) -> CommentHtmlStore:
    cache = BuildCache(tmp_path / "cache.sqlite3")
    save_comment_map(cache, "digest-of-the-feed", HTML)
    cache.close()
    return CommentHtmlStore(tmp_path / "cache.sqlite3")


def test_rows_then_everything_give_the_same_answers(
    store: CommentHtmlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CommentHtmlStore, "ROW_READS", 3)
    statements: list[str] = []
    connection = store._reader.connection()[0]
    connection.set_trace_callback(statements.append)
    answers = [store.get(f"c{number}") for number in range(10)]
    assert answers == list(HTML.values())
    row_reads = [s for s in statements if "WHERE key = " in s]
    whole_reads = [s for s in statements if "WHERE key != " in s]
    assert (len(row_reads), len(whole_reads)) == (3, 1)
    assert store.get("c1") == HTML["c1"] and len(statements) == 4  # from memory now


def test_an_unknown_comment_is_missing_and_the_digest_row_is_no_comment(
    store: CommentHtmlStore,
) -> None:
    assert store.get("nobody") is None
    assert store.get("#digest") is None
    assert dict(store) == HTML and len(store) == len(HTML)
    assert store.get("nobody") is None  # after the whole map was read too


def test_it_only_reads(store: CommentHtmlStore) -> None:
    store.load()
    with pytest.raises(sqlite3.OperationalError):
        store._reader.connection()[0].execute("DELETE FROM comment_html")
