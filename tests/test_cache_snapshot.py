"""The build cache's snapshots: one pickle of a table's values serves a build that reads
them all, rows fill in what it lacks, and it is made again only once it drifts."""

from __future__ import annotations

from pathlib import Path

from generator.build.cache import SNAPSHOT_MIN, BuildCache


def _snapshot_blob(cache: BuildCache) -> bytes | None:
    row = cache.db.execute("SELECT value FROM snapshots WHERE name = 'documents'").fetchone()
    return row[0] if row else None


def test_a_snapshot_serves_the_values_and_is_remade_only_when_it_drifts(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    values = {f"k{n}": {"value": n} for n in range(3 * SNAPSHOT_MIN)}
    cache = BuildCache(path)
    cache.put_many("documents", values)
    assert cache.get_many("documents", values, snapshot=True) == values  # from the rows
    cache.keep_snapshot("documents", values, lambda: values)
    first = _snapshot_blob(cache)
    assert first is not None
    cache.db.execute("DELETE FROM documents")  # the rows gone: the snapshot alone answers
    cache.db.commit()
    cache.close()

    cache = BuildCache(path)
    assert cache.get_many("documents", values, snapshot=True) == values
    # A few new values, from their rows; the snapshot is near enough and stays.
    fresh = {f"new{n}": {"value": -n} for n in range(5)}
    cache.put_many("documents", fresh)
    wanted = {**values, **fresh}
    assert cache.get_many("documents", wanted, snapshot=True) == wanted
    cache.keep_snapshot("documents", wanted, lambda: wanted)
    assert _snapshot_blob(cache) == first
    # Many new ones: it is made again, of what this build asked for.
    many = {f"more{n}": {"value": n} for n in range(2 * SNAPSHOT_MIN)}
    cache.put_many("documents", many)
    assert cache.get_many("documents", many, snapshot=True) == many
    cache.keep_snapshot("documents", many, lambda: many)
    cache.close()
    cache = BuildCache(path)
    cache.db.execute("DELETE FROM documents")
    assert cache.get_many("documents", many, snapshot=True) == many
    assert cache.get_many("documents", values, snapshot=True) == {}  # not in it any more


def test_an_unreadable_snapshot_is_as_none(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "cache.sqlite3")
    values = {"a": 1, "b": 2}
    cache.put_many("documents", values)
    for garbage in (b"not a pickle", b"\x80\x05K\x01.", b""):  # the second: the int 1
        with cache.db:
            cache.db.execute("INSERT OR REPLACE INTO snapshots VALUES ('documents', ?)", (garbage,))
        assert cache.get_many("documents", values, snapshot=True) == values


def test_keys_after_hashes_the_shared_parts_once_and_gives_cache_keys() -> None:
    from generator.build.cache import cache_key, keys_after

    key = keys_after("settings", "")
    rows = [("post", "content/posts/a.md", "a", "1" * 40), ("page", "x", "", "")]
    assert [key(*row) for row in rows] == [cache_key("settings", "", *row) for row in rows]
    assert key("a") != key("b") and keys_after()("a", "b") == cache_key("a", "b")
