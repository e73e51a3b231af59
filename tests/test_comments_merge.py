"""Comments merged into pages: threads, the depth cap, counts, closed posts, orphans."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from generator.build.pipeline import BuildOptions, BuildResult, build_site
from generator.build.threads import Thread, ThreadNode, merge_comments
from generator.core.models import PublicComment

from .conftest import FIXED_NOW, SITES
from .htmldom import Element, parse_html

T0 = datetime(2025, 2, 2, 9, 0, tzinfo=UTC)


def pc(
    cid: str, parent: str | None = None, minutes: int = 0, post: str = "p", **kw: object
) -> PublicComment:
    return PublicComment(
        id=cid, post=post, parent=parent, author=f"Author {cid}", website="",
        body=f"Body {cid}", created=T0 + timedelta(minutes=minutes), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def shape(nodes: tuple[ThreadNode, ...]) -> list[object]:
    """(id, depth, [children]) for each node, for readable assertions."""
    return [(n.comment.id, n.depth, shape(n.children)) for n in nodes]


# -- the pure merge ----------------------------------------------------------------------


def test_threads_by_parent_oldest_first() -> None:
    comments = [pc("b", minutes=2), pc("a", minutes=1), pc("a2", "a", minutes=5),
                pc("a1", "a", minutes=3), pc("b1", "b", minutes=4)]  # fmt: skip
    threads, warnings = merge_comments(comments, ["p"], 5, "comments.json")
    assert warnings == []
    assert shape(threads["p"].roots) == [
        ("a", 1, [("a1", 2, []), ("a2", 2, [])]),
        ("b", 1, [("b1", 2, [])]),
    ]
    assert threads["p"].count == 5


def test_replies_deeper_than_the_cap_are_shown_at_the_cap_in_time_order() -> None:
    chain = [pc("c1"), pc("c2", "c1", 1), pc("c3", "c2", 2), pc("c4", "c3", 3),
             pc("c5", "c4", 5), pc("c4b", "c3", 4)]  # fmt: skip
    threads, _ = merge_comments(chain, ["p"], 3, "comments.json")
    assert shape(threads["p"].roots) == [
        ("c1", 1, [("c2", 2, [("c3", 3, [("c4", 3, []), ("c4b", 3, []), ("c5", 3, [])])])])
    ]
    assert threads["p"].count == 6
    # The real parents are kept: the cap is only how deep the page shows them.
    flat = threads["p"].roots[0].children[0].children[0].children
    assert [n.comment.parent for n in flat] == ["c3", "c3", "c4"]

    threads, _ = merge_comments(chain, ["p"], 1, "comments.json")
    assert shape(threads["p"].roots) == [
        ("c1", 1, [(cid, 1, []) for cid in ("c2", "c3", "c4", "c4b", "c5")])
    ]


def test_counts_leave_out_placeholders_and_prune_empty_ones() -> None:
    comments = [pc("gone", removed=True), pc("kept", "gone", 1),
                pc("gone2", minutes=2, removed=True)]  # fmt: skip
    threads, warnings = merge_comments(comments, ["p"], 5, "comments.json")
    assert warnings == []
    assert shape(threads["p"].roots) == [("gone", 1, [("kept", 2, [])])]
    assert threads["p"].count == 1


def test_a_chain_of_thousands_of_replies_and_loops_of_parents_are_handled() -> None:
    chain = [pc("c0")] + [pc(f"c{n}", f"c{n - 1}", minutes=n) for n in range(1, 3000)]
    loop = [pc("x1", "x2"), pc("x2", "x1"), pc("self", "self")]
    threads, warnings = merge_comments([*chain, *loop], ["p"], 5, "comments.json")
    assert threads["p"].count == 3000
    assert sorted(str(w).split(":")[1].split()[-1] for w in warnings) == ["self", "x1", "x2"]


def test_orphans_are_warnings_naming_the_comment_and_are_not_shown() -> None:
    comments = [
        pc("ok"),
        pc("lost", post="deleted-post"),
        pc("stray", "never-approved", 1),
        pc("under-stray", "stray", 2),
        pc("cross", "ok", 3, post="q"),  # its parent belongs to another post
        pc("loop1", "loop2", 4),
        pc("loop2", "loop1", 5),
    ]
    threads, warnings = merge_comments(comments, ["p", "q"], 5, "comments.json")
    assert shape(threads["p"].roots) == [("ok", 1, [])]
    assert "q" not in threads
    assert [str(w) for w in warnings] == [
        'comments.json: comment lost: no post with key "deleted-post"; not shown',
        "comments.json: comment stray: parent never-approved is not an approved comment of "
        "the same post; not shown",
        "comments.json: comment under-stray: parent stray is not an approved comment of the "
        "same post; not shown",
        "comments.json: comment cross: parent ok is not an approved comment of the same post; "
        "not shown",
        "comments.json: comment loop1: parent loop2 is not an approved comment of the same "
        "post; not shown",
        "comments.json: comment loop2: parent loop1 is not an approved comment of the same "
        "post; not shown",
    ]


def test_a_post_without_comments_gets_no_thread() -> None:
    threads, warnings = merge_comments([], ["p"], 5, "comments.json")
    assert threads == {} and warnings == []
    assert Thread.empty().count == 0


# -- the built site ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    site = tmp_path_factory.mktemp("merge") / "comments"
    shutil.copytree(SITES / "comments", site)
    result = build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    return site / "output", result


def page(built: tuple[Path, BuildResult], url: str) -> Element:
    return parse_html((built[0] / url.strip("/") / "index.html").read_text(encoding="utf-8"))


def comment_ids(root: Element) -> list[str]:
    return [li.attrs["id"] for li in root.find_all("li", "comment")]


def test_the_build_succeeds_and_warns_about_each_orphan(built: tuple[Path, BuildResult]) -> None:
    _, result = built
    assert [str(w) for w in result.warnings] == [
        'comments.json: comment x1: no post with key "no-such-post"; not shown',
        "comments.json: comment x2: parent missing is not an approved comment of the same post; "
        "not shown",
    ]
    assert result.posts == 5
    for path in built[0].rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert b"comment-x1" not in text and b"A comment for a post that is gone" not in text
            assert b"never approved" not in text


def test_threaded_comments_with_anchors_and_the_depth_cap(built: tuple[Path, BuildResult]) -> None:
    root = page(built, "2025/02/threads")
    section = root.one("section", "comments")
    assert section.one("h2", id="comments-title").text == '7 thoughts on “Threads & "Replies"”'
    top = section.one("ol", "comment-list")
    assert [li.attrs["id"] for li in top.children if isinstance(li, Element)] == [
        "comment-t1", "comment-t6"
    ]  # fmt: skip
    assert comment_ids(section) == [f"comment-t{n}" for n in (1, 7, 2, 3, 4, 5, 6)]
    depth = {li.attrs["id"]: (li.classes() & {f"depth-{n}" for n in range(1, 9)}).pop()
             for li in section.find_all("li", "comment")}  # fmt: skip
    assert depth == {"comment-t1": "depth-1", "comment-t7": "depth-2", "comment-t2": "depth-2",
                     "comment-t3": "depth-3", "comment-t4": "depth-3", "comment-t5": "depth-3",
                     "comment-t6": "depth-1"}  # fmt: skip
    t3 = section.one("li", id="comment-t3")
    assert comment_ids(t3) == ["comment-t3", "comment-t4", "comment-t5"]  # shown at the cap
    for li in section.find_all("li", "comment"):
        cid = li.attrs["id"].removeprefix("comment-")
        permalink = li.find("a", "comment-permalink")  # its own comes before its replies
        assert permalink is not None and permalink.attrs["href"] == f"#comment-{cid}"
        assert li.find("time").attrs["datetime"].startswith("2025-02-")  # type: ignore[union-attr]


def test_the_author_mark_comes_only_from_by_author(built: tuple[Path, BuildResult]) -> None:
    section = page(built, "2025/02/threads").one("section", "comments")
    marked = [li.attrs["id"] for li in section.find_all("li", "by-author")]
    assert marked == ["comment-t6"]
    assert [b.text for b in section.find_all("span", "author-badge")] == ["Author"]
    # t7 typed the author's name; it gets no mark.
    t7 = section.one("li", id="comment-t7")
    assert t7.one("span", "p-name").text == "Rosa Author"
    assert t7.find("span", "author-badge") is None


def test_websites_are_nofollow_links(built: tuple[Path, BuildResult]) -> None:
    link = page(built, "2025/02/threads").one("li", id="comment-t6").one("a", "p-name")
    assert link.attrs["href"] == "https://margins.example/about/"
    assert link.attrs["rel"] == "nofollow ugc noopener"
    link = page(built, "2025/01/single").one("li", id="comment-s1").one("a", "p-name")
    assert (link.attrs["href"], link.text) == ("https://fay.example/", "Fay")
    assert page(built, "2025/02/threads").one("li", id="comment-t1").find("a", "p-name") is None


def test_an_open_post_has_the_form(built: tuple[Path, BuildResult]) -> None:
    root = page(built, "2025/02/threads")
    form = root.one("section", "respond").one("form", "comment-form")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/api/comments")
    assert form.one("input", name="post").attrs["value"] == "threads"
    assert root.one("section", "respond").one("h2").text == "Leave a comment"
    assert root.find("p", "comments-closed") is None
    replies = root.find_all("a", "reply-link")
    assert [a.attrs["data-reply-to"] for a in replies] == ["t1", "t7", "t2", "t3", "t4", "t5", "t6"]


def test_headings_for_one_and_for_no_comment(built: tuple[Path, BuildResult]) -> None:
    assert page(built, "2025/01/single").one("h2", id="comments-title").text == (
        "One thought on “A Single Voice”"
    )
    quiet = page(built, "2025/01/quiet")
    assert quiet.one("h2", id="comments-title").text == "Comments"
    assert quiet.one("p", "no-comments").text == "No comments yet. Yours could be the first."
    assert quiet.find("form", "comment-form") is not None


@pytest.mark.parametrize(("url", "cid"), [("2025/01/closed", "c1"), ("2023/01/old", "o1")])
def test_closed_posts_show_comments_but_no_form(
    built: tuple[Path, BuildResult], url: str, cid: str
) -> None:
    root = page(built, url)
    assert comment_ids(root) == [f"comment-{cid}"]
    assert root.one("p", "comments-closed").text == "Comments are closed."
    assert root.find("form", "comment-form") is None and root.find("section", "respond") is None
    assert root.find("a", "reply-link") is None


def test_the_manifest_tells_the_service_which_posts_are_open(
    built: tuple[Path, BuildResult],
) -> None:
    manifest = json.loads((built[0].parent / ".salon" / "posts.json").read_text())
    assert {key: info["open"] for key, info in manifest["posts"].items()} == {
        "threads": True, "single": True, "quiet": True, "closed": False, "old": False
    }  # fmt: skip


def test_close_after_days_counts_from_the_build_time(tmp_path: Path) -> None:
    site = tmp_path / "comments"
    shutil.copytree(SITES / "comments", site)
    build_site(site, BuildOptions(now=datetime(2026, 3, 1, tzinfo=UTC), jobs=1))
    manifest = json.loads((site / ".salon" / "posts.json").read_text())
    assert {key for key, info in manifest["posts"].items() if info["open"]} == set()
    assert (
        parse_html((site / "output/2025/02/threads/index.html").read_text())
        .one("p", "comments-closed")
        .text
        == "Comments are closed."
    )


def test_listings_show_comment_counts(built: tuple[Path, BuildResult]) -> None:
    def counts(url: str) -> dict[str, str]:
        found = {}
        for article in page(built, url).find_all("article", "summary"):
            title = article.one("h2").text
            link = [
                a for a in article.find_all("a") if a.attrs.get("href", "").endswith("#comments")
            ]
            found[title] = link[0].text if link else ""
        return found

    home = counts("/")
    assert home == {
        "Threads & \"Replies\"": "7 comments", "A Single Voice": "1 comment",
        "Quiet": "No comments yet", "Closed Door": "1 comment", "Long Ago": "1 comment",
    }  # fmt: skip
    assert counts("tags/talk") == {"Threads & \"Replies\"": "7 comments",
                                   "A Single Voice": "1 comment"}  # fmt: skip
    assert counts("categories/notes") == {'Threads & "Replies"': "7 comments"}
    assert counts("2025/02")['Threads & "Replies"'] == "7 comments"


def test_comment_feeds(built: tuple[Path, BuildResult]) -> None:
    output = built[0]
    post_feed = feedparser.parse((output / "2025/02/threads/comments.xml").read_bytes())
    assert not post_feed.bozo, post_feed.get("bozo_exception")
    assert post_feed.feed.title == 'Comments on “Threads & "Replies"”'
    assert [e.link for e in post_feed.entries] == [
        f"https://margins.example/2025/02/threads/#comment-t{n}" for n in (6, 5, 4, 3, 2, 7, 1)
    ]  # newest first
    assert post_feed.entries[-1].title == 'Ann on “Threads & "Replies"”'

    site_feed = feedparser.parse((output / "comments.xml").read_bytes())
    assert not site_feed.bozo
    ids = [e.link.rsplit("#comment-", 1)[1] for e in site_feed.entries]
    assert ids == ["t6", "t5", "t4", "t3", "t2", "t7", "t1", "s1", "c1", "o1"]


def test_a_comment_edit_changes_only_what_it_should(tmp_path: Path) -> None:
    """Rebuilding after a moderation change shows the new text (no stale page)."""
    site = tmp_path / "comments"
    shutil.copytree(SITES / "comments", site)
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    data = json.loads((site / "comments.json").read_text())
    data["comments"][0]["body"] = "Edited by the moderator."
    (site / "comments.json").write_text(json.dumps(data))
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    body = (
        parse_html((site / "output/2025/02/threads/index.html").read_text())
        .one("li", id="comment-t1")
        .find_all("div", "comment-body")[0]
    )
    assert body.text == "Edited by the moderator."


def test_removed_comments_show_a_placeholder_for_their_replies(tmp_path: Path) -> None:
    site = tmp_path / "comments"
    shutil.copytree(SITES / "comments", site)
    data = json.loads((site / "comments.json").read_text())
    t2 = next(item for item in data["comments"] if item["id"] == "t2")
    for key in ("author", "website", "body", "by_author", "avatar"):
        del t2[key]
    t2["removed"] = True
    (site / "comments.json").write_text(json.dumps(data))
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    root = parse_html((site / "output/2025/02/threads/index.html").read_text())
    placeholder = root.one("li", id="comment-t2")
    assert "removed" in placeholder.classes()
    assert placeholder.one("p", "comment-removed").text == "This comment was removed."
    assert comment_ids(placeholder) == ["comment-t2", "comment-t3", "comment-t4", "comment-t5"]
    assert root.one("h2", id="comments-title").text == '6 thoughts on “Threads & "Replies"”'


def test_a_cold_build_with_many_essays_and_markdown_comments_uses_the_running_workers(
    tmp_path: Path,
) -> None:
    """Comment bodies with Markdown go to the Markdown workers already running.

    300 essays start the Markdown workers; 300 bodies with emphasis then need them too.
    Every body must arrive rendered on its page.
    """
    site = tmp_path / "site"
    shutil.copytree(SITES / "comments", site)
    posts = site / "content/posts"
    comments = []
    for number in range(300):
        front = f"---\ntitle: Bulk {number}\ndate: 2024-06-01\nid: bulk-{number}\n---\n"
        (posts / f"bulk-{number}.md").write_text(f"{front}Essay {number}.\n", encoding="utf-8")
        comments.append(
            {"id": f"m{number}", "post": f"bulk-{number}", "parent": None, "author": "Ann",
             "website": "", "body": f"So *very* true, number {number}.",
             "created": "2024-06-02T09:00:00Z", "by_author": False, "avatar": ""}
        )  # fmt: skip
    (site / "comments.json").write_text(
        json.dumps({"version": 1, "comments": comments}), encoding="utf-8"
    )

    build_site(site, BuildOptions(now=FIXED_NOW, jobs=2))

    for number in (0, 150, 299):
        page = (site / f"output/2024/06/bulk-{number}/index.html").read_text(encoding="utf-8")
        assert f"<p>So <em>very</em> true, number {number}.</p>" in page
