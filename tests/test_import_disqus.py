"""`salon import disqus`: threads matched to posts by identifier or link, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build.pipeline import BuildOptions, build_site
from generator.cli import main
from generator.core.config import load_config
from generator.core.errors import SiteError
from generator.core.models import CommentStatus, StoredComment
from generator.importers.disqus import import_disqus, parse_disqus
from generator.service.store import CommentStore
from tests.conftest import FIXED_NOW
from tests.htmldom import parse_html

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
EXPORT = FIXTURES / "disqus.xml"

SITE_YAML = """\
title: Moved from Disqus
base_url: https://new.example
timezone: UTC
author:
  name: Site Owner
  email: owner@new.example
"""
FIRST = """\
---
title: First
date: 2020-01-01
id: first-essay
aliases: [/old/first/, "/?p=10"]
---
The first essay.
"""
SECOND = "---\ntitle: Second\ndate: 2020-02-01\n---\nThe second essay.\n"
ABOUT = "---\ntitle: About\n---\nAbout me.\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "posts").mkdir(parents=True)
    (root / "content" / "pages").mkdir()
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    (root / "content/posts/2020-01-01-first.md").write_text(FIRST, encoding="utf-8")
    (root / "content/posts/2020-02-01-second.md").write_text(SECOND, encoding="utf-8")
    (root / "content/pages/about.md").write_text(ABOUT, encoding="utf-8")
    return root


def stored(site: Path) -> dict[str, StoredComment]:
    with CommentStore.open(load_config(site).store_path, create=False) as store:
        return {c.author or f"(removed {c.created:%d})": c for c in store.list_comments()}


def test_parse_reads_threads_and_posts_with_their_dsq_ids() -> None:
    export = parse_disqus(EXPORT.read_bytes(), "disqus.xml")
    assert [t.dsq_id for t in export.threads] == ["100", "200", "300", "400", "500", "600", "700"]
    assert export.threads[2].identifier == "10 https://old.example.com/?p=10"
    reply = next(p for p in export.posts if p.dsq_id == "1002")
    assert (reply.thread, reply.parent, reply.ip) == ("100", "1001", "2001:db8:1:2:3:4:5:6")
    deleted = next(p for p in export.posts if p.dsq_id == "1003")
    assert deleted.deleted and not deleted.spam
    assert next(p for p in export.posts if p.dsq_id == "2002").approved is False


def test_threads_match_by_identifier_link_alias_and_wordpress_id(site: Path) -> None:
    report = import_disqus(site, EXPORT, "disqus.xml")
    comments = stored(site)
    on_first = {
        "Reader One",
        "Reader Two",
        "Reader Three",
        "No Date",
        "Site Owner",
        "<b>Hostile</b>",
    }
    assert {n for n, c in comments.items() if c.post == "first-essay"} >= on_first
    assert {n for n, c in comments.items() if c.post == "second"} == {
        "Spammer", "New Reader", "Orphan"
    }  # fmt: skip
    assert report.threads_matched == 4
    assert report.unmatched == [
        'thread 500 "A Deleted Post" (https://old.example.com/nowhere/): 2 comments'
    ]
    assert report.skipped == {
        "comment: its thread matches no post": 2,
        "comment: on a page (Salon shows comments under posts only)": 1,
        "comment: its thread is not in the export": 1,
        "comment: deleted in Disqus": 1,
    }
    assert "comment 7001 (line 123): thread 1337 is not in the export; skipped" in report.notes


def test_statuses_threads_and_deleted_placeholders(site: Path) -> None:
    report = import_disqus(site, EXPORT, "disqus.xml")
    comments = stored(site)
    assert comments["Spammer"].status is CommentStatus.SPAM
    assert comments["New Reader"].status is CommentStatus.PENDING
    assert comments["Reader One"].status is CommentStatus.APPROVED
    assert comments["Reader Two"].parent == comments["Reader One"].id
    # A deleted comment with a reply stays as an empty placeholder holding the thread.
    placeholder = comments["(removed 03)"]
    assert placeholder.removed and placeholder.email == "" and placeholder.ip == ""
    assert comments["Reader Three"].parent == placeholder.id
    assert comments["Orphan"].parent is None
    assert (
        "comment 2003 (line 87): replies to comment 9999, which is not in the export; "
        "shown as a top-level comment"
    ) in report.notes
    assert comments["No Date"].created.isoformat() == "2020-01-01T11:00:00+00:00"
    assert "comment 3001 (line 93): no date; given its thread's date" in report.notes
    assert {n for n, c in comments.items() if c.by_author} == {"Site Owner"}
    assert comments["Reader One"].body == "A first comment.\n\nWith a **second** paragraph."
    assert (comments["Reader One"].email, comments["Reader One"].ip) == (
        "reader@mail.example", "198.51.100.0/24"
    )  # fmt: skip
    assert comments["Reader Two"].ip == "2001:db8:1::/48"
    assert dict(report.comments_new) == {
        CommentStatus.APPROVED: 8, CommentStatus.PENDING: 1, CommentStatus.SPAM: 1
    }  # fmt: skip


def test_hostile_messages_are_stored_as_safe_markdown(site: Path) -> None:
    import_disqus(site, EXPORT, "disqus.xml")
    hostile = stored(site)["<b>Hostile</b>"]
    assert hostile.body == "Click here or ."
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    page = (site / "output/2020/01/first/index.html").read_text()
    assert "javascript:" not in page and "alert(" not in page and "<b>Hostile</b>" not in page


def test_the_site_builds_with_the_threads_and_no_private_data(site: Path) -> None:
    import_disqus(site, EXPORT, "disqus.xml")
    result = build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    assert result.warnings == ()
    page = parse_html((site / "output/2020/01/first/index.html").read_text())
    text = page.text
    assert "A reply to a deleted comment." in text and "Cheap pills" not in text
    for path in [site / "comments.json", *(site / "output").rglob("*")]:
        if path.is_file():
            data = path.read_text(encoding="utf-8", errors="replace")
            assert "mail.example" not in data and "198.51.100" not in data, path
            assert "192.0.2." not in data and "2001:db8" not in data, path


def test_importing_twice_adds_nothing(site: Path) -> None:
    import_disqus(site, EXPORT, "disqus.xml")
    feed = (site / "comments.json").read_bytes()
    again = import_disqus(site, EXPORT, "disqus.xml")
    assert again.comments_imported == 0 and again.comments_seen == 10
    assert len(stored(site)) == 10
    assert (site / "comments.json").read_bytes() == feed


def test_isso_disqus_export_reports_what_it_cannot_place(site: Path) -> None:
    report = import_disqus(site, FIXTURES / "isso-disqus.xml", "isso-disqus.xml")
    assert report.comments_imported == 0  # no post of this site matches those threads
    assert report.unmatched == [
        'thread 2 "Hello, World!" (http://example.org/): 4 comments',
        "thread 7 (http://localhost:4000/blog/2013/02/12/redacted/index.html): 1 comment",
    ]
    assert report.skipped["comment: its thread is not in the export"] == 1


def test_isso_disqus_export_matches_by_identifier_and_index_html(site: Path) -> None:
    (site / "content/posts/2013-02-12-redacted.md").write_text(
        "---\ntitle: Redacted\ndate: 2013-02-12\naliases: [/blog/2013/02/12/redacted/]\n---\nR.\n"
    )
    (site / "content/posts/2012-12-12-hello.md").write_text(
        "---\ntitle: Hello\ndate: 2012-12-12\nid: some-id\n---\nHello.\n"
    )
    report = import_disqus(site, FIXTURES / "isso-disqus.xml", "isso-disqus.xml")
    assert report.unmatched == []
    comments = stored(site)
    assert comments["Empty"].post == "redacted"
    # peter's first comment, user's reply to it, and user's reply to peter's deleted one.
    assert {c.post for n, c in comments.items() if n != "Empty"} == {"some-id"}
    assert comments["peter"].body == "..." and comments["user"].parent is not None
    assert report.comments_imported == 5  # including the deleted comment's placeholder


def test_errors_are_one_line(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SiteError) as caught:
        parse_disqus((FIXTURES / "wxr-1.0.xml").read_bytes(), "wxr-1.0.xml")
    assert str(caught.value) == (
        "wxr-1.0.xml:1: not a Disqus export: expected <disqus> at the top, found <rss>"
    )
    bomb = str(FIXTURES / "bomb.xml")
    assert main(["import", "disqus", bomb, "--site", str(site)]) == 1
    assert capsys.readouterr().err.startswith(f"error: {bomb}:3: the file declares the XML entity")


def test_cli_prints_the_report(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "disqus", str(EXPORT), "--site", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Imported {EXPORT} (Disqus):\n  threads   4 matched to posts, 1 matched")
    assert "Threads that match no post (their comments were not imported):\n  thread 500" in out


def test_comments_of_a_deleted_thread_are_skipped_and_counted(site: Path) -> None:
    report = import_disqus(site, FIXTURES / "disqus-deleted-thread.xml", "deleted.xml")
    assert report.comments_imported == 1
    assert report.skipped["comment: its thread was deleted in Disqus"] == 2
    assert set(stored(site)) == {"Kept Reader"}
    assert "its thread was deleted in Disqus" in report.render()


def _as_tools_write_it(stray: bytes = b"", unquote: bool = False) -> bytes:
    data = EXPORT.read_bytes()
    if unquote:
        data = data.replace(b'<thread dsq:id="200">', b"<thread dsq:id=200>", 1)
    return stray + data


def _line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


@pytest.mark.parametrize("stray", [b"\x00", b"\xef\xbb\xbf\xef\xbb\xbf", b"\n\n"])
def test_a_stray_byte_before_the_declaration_is_named_with_the_repair(stray: bytes) -> None:
    with pytest.raises(SiteError) as caught:
        parse_disqus(_as_tools_write_it(stray), "export.xml")
    message = str(caught.value)
    assert message.startswith("export.xml:")
    assert "before the XML declaration; delete everything before `<?xml`" in message
    assert "--lenient" in message


def test_an_unquoted_attribute_is_named_at_its_line_and_column() -> None:
    data = _as_tools_write_it(unquote=True)
    line = _line_of(data, b"<thread dsq:id=200>")
    with pytest.raises(SiteError) as caught:
        parse_disqus(data, "export.xml")
    assert str(caught.value) == (
        f"export.xml:{line}: malformed XML at column 18: the value of attribute dsq:id has no "
        'quotes; write dsq:id="200", or import with --lenient'
    )


def test_lenient_recovers_everything_and_reports_each_mend(site: Path, tmp_path: Path) -> None:
    broken = tmp_path / "export.xml"
    broken.write_bytes(_as_tools_write_it(b"\x00", unquote=True))
    clean = parse_disqus(EXPORT.read_bytes(), "disqus.xml")
    mended = parse_disqus(broken.read_bytes(), "export.xml", lenient=True)
    assert mended.threads == clean.threads and mended.posts == clean.posts  # lines too
    assert mended.repairs == (
        "line 1: removed 1 stray byte before the XML declaration",
        f"line {_line_of(broken.read_bytes(), b'dsq:id=200')}, column 18: put quotes around "
        "the value of dsq:id",
    )
    assert main(["import", "disqus", str(broken), "--lenient", "--site", str(site)]) == 0
    report = import_disqus(site, EXPORT, "again")
    assert report.comments_imported == 0  # the lenient run imported all of them


def test_lenient_leaves_comment_text_alone() -> None:
    data = EXPORT.read_bytes().replace(
        b"<p>A first comment.</p>", b'<p>A first comment a=b c="d".</p>', 1
    )
    export = parse_disqus(data, "x.xml", lenient=True)
    assert export.repairs == ()
    assert any('a=b c="d"' in post.message for post in export.posts)
