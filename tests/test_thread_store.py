"""A post's thread made from its own comments alone is the thread the whole feed gives
it: what lets thread_store.py make threads one at a time, only for the pages rendered."""

from __future__ import annotations

import marshal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build.cache import BuildCache, save_thread_outline
from generator.build.thread_store import ThreadStore, from_rows, grouped_rows, to_rows
from generator.build.threads import merge_comments
from generator.contract.theme_page import Thread
from generator.core.models import PublicComment

POSTS = ["p", "q", "r"]
START = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def feeds(draw: st.DrawFn) -> list[PublicComment]:
    """Comments on a few posts (one unknown), replying anywhere: to their own post's
    comments, another post's, a missing one, in loops; some removed, some at one time."""
    count = draw(st.integers(min_value=0, max_value=14))
    ids = [f"c{i}" for i in range(count)]
    comments = []
    for cid in ids:
        parent = draw(st.one_of(st.none(), st.sampled_from([*ids, "gone"]) if ids else st.none()))
        comments.append(
            PublicComment(
                cid, draw(st.sampled_from([*POSTS, "unknown"])), parent, "Ana", "", "body",
                START + timedelta(minutes=draw(st.integers(0, 5))),
                removed=draw(st.booleans()),
            )
        )  # fmt: skip
    return comments


@settings(max_examples=300, deadline=None)
@given(comments=feeds(), depth=st.integers(min_value=1, max_value=4))
def test_each_post_merged_alone_gives_the_thread_of_the_whole_feed(
    comments: list[PublicComment], depth: int
) -> None:
    whole, _ = merge_comments(comments, POSTS, depth, "comments.json")
    for post in POSTS:
        alone, _ = merge_comments([c for c in comments if c.post == post], [post], depth, "f")
        assert alone.get(post) == whole.get(post)


def test_rows_give_back_the_comments() -> None:
    comments = [
        PublicComment("a", "p", None, "Ana", "https://x.test", "hi", START, by_author=True),
        PublicComment("b", "p", "a", "Bo", "", "", START.astimezone(), avatar="s", removed=True),
    ]
    back = from_rows(marshal.loads(marshal.dumps(to_rows(comments))))
    assert back == tuple(comments)
    assert [c.created.isoformat() for c in back] == [c.created.isoformat() for c in comments]


@settings(max_examples=60, deadline=None)
@given(comments=feeds())
def test_a_store_reads_each_thread_from_the_cache_as_merged_whole(
    tmp_path_factory: object, comments: list[PublicComment]
) -> None:
    folder = Path(tmp_path_factory.mktemp("store"))  # type: ignore[attr-defined]
    cache = BuildCache(folder / "cache.sqlite3")
    whole, _ = merge_comments(comments, POSTS, 3, "comments.json")
    made = ThreadStore.of(whole)
    save_thread_outline(cache, "k", b"", grouped_rows("digest", comments))
    cache.close()
    store = ThreadStore(made.outline, folder / "cache.sqlite3", "digest", 3, "comments.json")
    assert set(store) == set(whole)
    for post in POSTS:
        assert store.get(post) == whole.get(post)
        assert store.count(post) == (whole[post].count if post in whole else 0)


@settings(max_examples=300, deadline=None)
@given(comments=feeds(), count=st.integers(min_value=1, max_value=6))
def test_the_posts_with_the_newest_comments_hold_every_recent_comment(
    comments: list[PublicComment], count: int
) -> None:
    from types import SimpleNamespace

    from generator.build.feed_map import recent_comments

    whole, _ = merge_comments(comments, POSTS, 3, "comments.json")
    store = ThreadStore.of(whole)
    posts = [SimpleNamespace(key=post, thread=store.get(post) or Thread.empty()) for post in POSTS]
    chosen = set(store.newest_posts(count))
    assert len(chosen) <= count
    expected = recent_comments(posts, count)  # type: ignore[arg-type]
    assert recent_comments([p for p in posts if p.key in chosen], count) == expected  # type: ignore[arg-type]
    assert {entry.key for _comment, entry in expected} <= chosen
