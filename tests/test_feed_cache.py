"""The parsed comments feed, kept between builds: the very comments (and like counts)
parse_feed_document gives."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bench.corpus import comments_for
from generator.build import comments_stage, threads
from generator.build.cache import BuildCache, save_feed_rows, save_thread_outline
from generator.build.comments_stage import Comments, parse_feed_cached
from generator.build.threads import merge_comments
from generator.contract.feed import Feed, parse_feed_document
from generator.core.errors import SiteError


def _feed_text(likes: dict[str, int] | None = None) -> str:
    rng = random.Random(3)
    comments = [c for i in range(20) for c in comments_for(rng, f"essay-{i}", i)]
    comments[0]["removed"] = True
    comments[0]["body"] = ""
    comments[1]["created"] = "2024-03-01T09:30:00.123456+02:00"  # an offset, microseconds
    if likes is None:
        return json.dumps({"version": 1, "comments": comments})
    return json.dumps({"version": 2, "comments": comments, "likes": likes})


def parse_feed(text: str, path: str) -> Feed:
    return parse_feed_document(text, path)


@pytest.fixture
def cache(tmp_path: Path) -> BuildCache:
    made = BuildCache(tmp_path / "cache.sqlite3")
    yield made
    made.close()


def test_the_cached_feed_is_the_parsed_feed(
    cache: BuildCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _feed_text()
    expected = parse_feed(text, "comments.json")
    first = parse_feed_cached(cache, text, "comments.json")
    calls: list[str] = []
    monkeypatch.setattr(
        comments_stage, "parse_feed_document", lambda t, p: calls.append(p) or Feed(())
    )
    again = parse_feed_cached(cache, text, "comments.json")
    assert calls == []  # from the cache
    assert first == again == expected
    assert [repr(c) for c in again.comments] == [repr(c) for c in expected.comments]  # zones too
    assert [c.created.isoformat() for c in again.comments] == [
        c.created.isoformat() for c in expected.comments
    ]
    assert any(c.removed for c in again.comments)


def test_the_cached_feed_keeps_the_like_counts_of_a_version_2_feed(
    cache: BuildCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _feed_text({"essay-3": 12, "ünï": 1})
    first = parse_feed_cached(cache, text, "comments.json")
    monkeypatch.setattr(comments_stage, "parse_feed_document", lambda t, p: Feed(()))
    again = parse_feed_cached(cache, text, "comments.json")
    assert again == first == parse_feed(text, "comments.json")
    assert again.likes == {"essay-3": 12, "ünï": 1}


def test_another_feed_is_parsed_again(cache: BuildCache) -> None:
    text = _feed_text()
    parse_feed_cached(cache, text, "comments.json")
    data = json.loads(text)
    data["comments"][5]["body"] = "A changed body."
    changed = json.dumps(data)
    assert parse_feed_cached(cache, changed, "comments.json") == parse_feed(changed, "f")
    assert parse_feed_cached(cache, changed, "comments.json").comments[5].body == (
        "A changed body."
    )


def test_a_broken_feed_is_refused_every_time(cache: BuildCache) -> None:
    data = json.loads(_feed_text())
    data["comments"][2]["created"] = "tuesday"
    text = json.dumps(data)
    for _ in range(2):
        with pytest.raises(SiteError, match="created"):
            parse_feed_cached(cache, text, "comments.json")


def test_a_damaged_row_is_parsed_again(cache: BuildCache, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _feed_text()
    parse_feed_cached(cache, text, "comments.json")
    key = cache.db.execute("SELECT key FROM feed_rows").fetchone()[0]
    save_feed_rows(cache, key, b"\x00not marshal")
    assert parse_feed_cached(cache, text, "comments.json") == parse_feed(text, "comments.json")


# -- the threads' outline, kept with the feed it was computed from --------------------------

POSTS = [f"essay-{i}" for i in range(20)]


def _loaded(cache: BuildCache, text: str, posts: list[str], depth: int = 3) -> Comments:
    return comments_stage.load_comments(
        cache, lambda: text, comments_stage.feed_digest(text), posts, depth, "comments.json", 1
    )


def _threads_of(comments: Comments) -> dict[str, object]:
    return {post: comments.threads[post] for post in comments.threads}


def test_a_kept_outline_gives_the_computed_threads_without_parsing_or_hashing(
    cache: BuildCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _feed_text(likes={"essay-1": 4})
    expected, warnings = merge_comments(parse_feed(text, "f").comments, POSTS, 3, "comments.json")
    first = _loaded(cache, text, POSTS)  # the first time: parsed and hashed
    assert (_threads_of(first), first.warnings, first.likes) == (expected, warnings, {"essay-1": 4})
    monkeypatch.setattr(threads, "_digest", lambda flat: pytest.fail("hashed again"))
    monkeypatch.setattr(comments_stage, "parse_feed_cached", lambda *a: pytest.fail("parsed"))
    again = _loaded(cache, text, POSTS)
    assert again.threads.outline == first.threads.outline
    assert (again.warnings, again.likes, again.html) == (warnings, {"essay-1": 4}, first.html)
    assert all(thread.fingerprint for thread in expected.values())
    assert _threads_of(again) == expected  # each made from its post's rows when asked for


@pytest.mark.parametrize("change", ["body", "depth", "posts"])
def test_the_outline_follows_the_feed_the_depth_and_the_posts(
    cache: BuildCache, change: str
) -> None:
    text, posts, depth = _feed_text(), POSTS, 3
    _loaded(cache, text, posts, depth)
    if change == "body":
        data = json.loads(text)
        data["comments"][5]["body"] = "A changed body."
        text = json.dumps(data)
    elif change == "depth":
        depth = 1
    else:
        posts = POSTS[:10]  # the comments of the others are now warnings
    expected = merge_comments(parse_feed(text, "f").comments, posts, depth, "comments.json")
    for _ in range(2):  # computed, then from the outline
        loaded = _loaded(cache, text, posts, depth)
        assert (_threads_of(loaded), loaded.warnings) == expected


def test_a_damaged_outline_is_computed_again(cache: BuildCache) -> None:
    text = _feed_text()
    _loaded(cache, text, POSTS)
    key = cache.db.execute("SELECT key FROM thread_outlines").fetchone()[0]
    save_thread_outline(cache, key, b"\x00not marshal", {})
    loaded = _loaded(cache, text, POSTS)
    expected = merge_comments(parse_feed(text, "f").comments, POSTS, 3, "comments.json")
    assert (_threads_of(loaded), loaded.warnings) == expected


def test_rows_gone_under_a_build_stop_it_rather_than_show_no_comments(
    cache: BuildCache,
) -> None:
    text = _feed_text()
    _loaded(cache, text, POSTS)
    loaded = _loaded(cache, text, POSTS)
    with cache.db:
        cache.db.execute("DELETE FROM thread_rows")
    post = next(iter(loaded.threads))
    with pytest.raises(SiteError, match="changed while this build read it"):
        loaded.threads[post]


def test_comment_html_is_kept_by_the_feed_it_came_from(
    cache: BuildCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _feed_text()
    comments = parse_feed(text, "f").comments
    first = comments_stage.render_comments(cache, comments, comments_stage.feed_digest(text), 1)
    assert set(first) == {c.id for c in comments if not c.removed}
    monkeypatch.setattr(comments_stage, "plain_comment_html", lambda b: pytest.fail("again"))
    assert comments_stage.render_comments(cache, comments, comments_stage.feed_digest(text), 1) == (
        first
    )
    monkeypatch.undo()
    data = json.loads(text)
    data["comments"][5]["body"] = "A changed body."
    changed = json.dumps(data)
    again = comments_stage.render_comments(
        cache, parse_feed(changed, "f").comments, comments_stage.feed_digest(changed), 1
    )
    assert again[data["comments"][5]["id"]] == "<p>A changed body.</p>\n"
    assert {k: v for k, v in again.items() if k != data["comments"][5]["id"]} == {
        k: v for k, v in first.items() if k != data["comments"][5]["id"]
    }
