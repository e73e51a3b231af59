"""`salon import wordpress`: the genuine theme-test export into a fresh site, and one rule per
hand-written file (tests/fixtures/import/README.md says which file holds which rule)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build.content import parse_document
from generator.build.content_files import iter_sources
from generator.build.pipeline import BuildOptions, BuildResult, build_site
from generator.cli import main
from generator.core.config import load_config
from generator.core.errors import SiteError
from generator.core.models import CommentStatus, Document, Kind, StoredComment
from generator.importers.report import ImportReport
from generator.importers.wordpress import import_wordpress
from generator.importers.wxr import parse_wxr
from generator.scaffold import create_site
from generator.service.store import CommentStore
from tests.conftest import FIXED_NOW
from tests.htmldom import parse_html

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
GENUINE = FIXTURES / "themeunittestdata.wordpress.xml"


def make_site(root: Path, timezone: str = "UTC", email: str = "", base: str = "") -> Path:
    """A fresh `salon new` site without its sample post (its About page stays)."""
    create_site(root)
    (root / "content" / "posts" / "first-essay.md").unlink()
    config = root / "site.yaml"
    text = config.read_text(encoding="utf-8").replace("timezone: UTC", f"timezone: {timezone}")
    text = text.replace('email: ""', f"email: {email}" if email else 'email: ""')
    text = text.replace("base_url: https://example.org", f"base_url: https://example.org{base}")
    config.write_text(text, encoding="utf-8")
    return root


def documents(site: Path) -> dict[str, Document]:
    config = load_config(site)
    return {s.path: parse_document(s, config) for s in iter_sources(config)}


def stored(site: Path) -> list[StoredComment]:
    with CommentStore.open(load_config(site).store_path, create=False) as store:
        return store.list_comments()


def tree_files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- the genuine export ---------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    site: Path
    report: ImportReport
    build: BuildResult


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    site = make_site(tmp_path_factory.mktemp("genuine") / "site")
    report = import_wordpress(site, GENUINE, "themeunittestdata.wordpress.xml")
    result = build_site(site, BuildOptions(drafts=False, future=False, now=FIXED_NOW, jobs=1))
    return Imported(site, report, result)


def test_genuine_export_counts(genuine: Imported) -> None:
    report = genuine.report
    # 58 posts: 56 published (one of them password-protected, so held as a draft),
    # 1 scheduled, 1 draft. 21 pages. The About page of the new site is kept as it was.
    assert report.posts_published == 55
    assert report.scheduled == [
        '"Scheduled" (content/posts/2030-01-01-scheduled.md): 2030-01-01 19:00'
    ]
    assert [d.split(":")[0] for d in report.drafts] == [
        '"Draft" (content/posts/2013-04-09-draft.md)',
        '"Template',
    ]
    assert "password-protected" in report.drafts[1]
    assert report.pages == 21
    # The About page `salon new` wrote, unchanged since, gives way to the imported one.
    assert report.files_kept == []
    assert report.files_replaced == ["content/pages/about.md"]
    assert len(report.files_written) == 58 + 21 - 1
    assert report.skipped == Counter(
        {
            "attachment: media files, not posts (those used in posts are listed below)": 37,
            "nav_menu_item: navigation menu entries, not content": 70,
            "pingback: a notice from another site, not a reader's comment": 2,
            "trackback: a notice from another site, not a reader's comment": 2,
            "comment: on a page (Salon shows comments under posts only)": 5,
        }
    )


def test_genuine_export_files_parse_and_keep_statuses(genuine: Imported) -> None:
    docs = documents(genuine.site)
    posts = {d.key: d for d in docs.values() if d.kind is Kind.POST}
    assert len(posts) == 58
    assert sum(d.kind is Kind.PAGE for d in docs.values()) == 21  # 20 imported + the site's own
    assert {k for k, d in posts.items() if d.draft} == {"template-password-protected", "draft"}
    scheduled = posts["scheduled"]
    assert not scheduled.draft and scheduled.date is not None and scheduled.date.year == 2030
    assert posts["template-comments-disabled"].comments.value == "closed"
    assert posts["template-comments"].comments.value == "open"
    # WordPress's one sticky post is pinned to the home page; no other is.
    assert {k for k, d in posts.items() if d.pinned} == {"template-sticky"}
    for key, doc in posts.items():
        assert doc.source.endswith(f"-{key}.md")
    standard = posts["post-format-standard"]
    assert standard.categories == ("Classic", "Post Formats")
    assert standard.author == "Theme Buster"
    assert posts["template-excerpt-defined"].summary.startswith(
        "This is a user-defined post excerpt"
    )
    assert posts["edge-case-no-title"].title == "Untitled"
    assert posts["markup-title-with-markup"].title == "Markup: Title With Markup"
    # Nested pages keep their place; percent-encoded Greek slugs become readable paths.
    urls = {d.url for d in docs.values() if d.kind is Kind.PAGE}
    assert {"/level-1/level-2/level-3/", "/about/page-with-comments/", "/greek/επίπεδο-2/"} <= urls


def test_genuine_export_markdown_has_no_block_markup_and_reads_well(genuine: Imported) -> None:
    code = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
    for path in (genuine.site / "content").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if "blocks-formatting" in path.name:  # a code sample whose text shows a block comment
            assert "```\nThe code block starts with\n<!-- wp:code -->\n" in text
        text = code.sub("", text)
        assert "<!-- wp:" not in text and "<!-- /wp:" not in text, path
        assert "wp-block-" not in text, path  # WordPress's classes are gone too
    lists = genuine.site / "content/posts/2009-05-15-edge-case-nested-and-mixed-lists.md"
    assert "1. ordered item\n2. ordered item\n   - **unordered**\n" in lists.read_text()
    more = (genuine.site / "content/posts/2012-03-15-template-more-tag.md").read_text()
    assert "\n<!-- more -->\n" in more


def test_genuine_export_comments_keep_statuses_and_threads(genuine: Imported) -> None:
    report = genuine.report
    # 33 comments: 4 pingbacks/trackbacks skipped, 5 on pages skipped; of the 24 left, the
    # one on the password-protected post waits as pending while that post is a draft.
    assert dict(report.comments_new) == {CommentStatus.APPROVED: 22, CommentStatus.PENDING: 2}
    assert report.replies == 9
    comments = stored(genuine.site)
    assert len(comments) == 24
    by_id = {c.id: c for c in comments}
    chain = [c for c in comments if c.body.startswith("Comment Depth")]
    assert len(chain) == 10
    depth_of = {}
    for comment in chain:
        depth = 1
        parent = comment.parent
        while parent:
            depth += 1
            parent = by_id[parent].parent
        depth_of[comment.body.split("\n")[0]] = depth
    assert depth_of["Comment Depth 01"] == 1 and depth_of["Comment Depth 10"] == 10
    authors = {c.body.split("\n")[0] for c in comments if c.by_author}
    assert authors == {
        "Author Comment.",
        "Comment Depth 05",
        "Comment Depth 10",
        "Thanks for all the comments, everyone!",
    }
    assert all(c.email for c in comments)  # the store keeps what moderation needs


def test_genuine_export_builds_and_old_addresses_redirect(genuine: Imported) -> None:
    result = genuine.build
    assert result.posts == 55 and result.pages == 21
    assert (result.drafts_held, result.future_held) == (2, 1)
    # Its only warnings: the images, audio and embeds the posts still fetch from the old
    # site and others (--fetch-images brings the images over; test_fetch_images.py).
    assert result.warnings
    assert all(" by every reader's browser, " in w.message for w in result.warnings)
    assert any("wpthemetestdata.files.wordpress.com" in w.message for w in result.warnings)
    output = genuine.site / "output"
    # The sticky post of 2012, pinned, is the home page's first, before newer posts.
    home = parse_html((output / "index.html").read_text())
    assert home.find_all("article")[0].one("h2").text == "Template: Sticky"
    assert home.one("p", class_="pinned-note").text == "Pinned"
    alias = parse_html((output / "2010/10/05/post-format-standard/index.html").read_text())
    target = "https://example.org/2010/10/post-format-standard/"
    assert alias.one("meta", http_equiv="refresh").get("content") == f"0; url={target}"
    assert (output / "2010/10/post-format-standard/index.html").is_file()
    # Every path alias of every published document is a page that sends readers on.
    checked = 0
    for doc in documents(genuine.site).values():
        if doc.draft or (doc.date and doc.date > FIXED_NOW):
            continue
        for address in doc.aliases:
            if "?" in address:
                continue
            page = parse_html((output / address.lstrip("/") / "index.html").read_text())
            refresh = page.one("meta", http_equiv="refresh").get("content") or ""
            assert refresh.endswith(doc.url), address
            checked += 1
    assert checked > 50
    docs = documents(genuine.site)
    assert "/?p=358" in docs["content/posts/2010-10-05-post-format-standard.md"].aliases
    assert "/?page_id=155" in docs["content/pages/about/page-with-comments.md"].aliases


def test_genuine_export_links_between_posts_point_to_new_addresses(genuine: Imported) -> None:
    text = (genuine.site / "content/posts/2018-11-01-blocks-layout-elements.md").read_text()
    assert "[another button](/2018/11/block-button/)" in text
    assert genuine.report.links_rewritten >= 1


def test_no_email_or_ip_reaches_output_or_the_public_feed(genuine: Imported) -> None:
    export = parse_wxr(GENUINE.read_bytes(), "export")
    private = {a.email for a in export.authors} | {
        value for item in export.items for c in item.comments for value in (c.email, c.ip) if value
    }
    assert len(private) > 5
    public = [genuine.site / "comments.json", *(genuine.site / "output").rglob("*")]
    for path in public:
        if path.is_file():
            data = path.read_text(encoding="utf-8", errors="replace")
            for value in private:
                assert value not in data, (value, path)
            assert not re.search(r"[\w.+-]+@gmail\.com", data), path


def test_genuine_export_builds_with_drafts_and_future(genuine: Imported, tmp_path: Path) -> None:
    result = build_site(genuine.site, BuildOptions(drafts=True, future=True, now=FIXED_NOW, jobs=1))
    assert result.posts == 58 and result.pages == 21
    build_site(genuine.site, BuildOptions(now=FIXED_NOW, jobs=1))  # back to the published site


def test_importing_the_same_export_twice_changes_nothing(genuine: Imported) -> None:
    content_before = tree_files(genuine.site / "content")
    feed_before = (genuine.site / "comments.json").read_bytes()
    feed_mtime = (genuine.site / "comments.json").stat().st_mtime_ns
    report = import_wordpress(genuine.site, GENUINE, "themeunittestdata.wordpress.xml")
    assert report.files_written == [] and report.files_overwritten == []
    assert len(report.files_unchanged) == 79 and report.files_kept == []
    assert report.comments_imported == 0 and report.comments_seen == 24
    assert tree_files(genuine.site / "content") == content_before
    assert (genuine.site / "comments.json").read_bytes() == feed_before
    assert (genuine.site / "comments.json").stat().st_mtime_ns == feed_mtime
    assert len(stored(genuine.site)) == 24


def test_the_report_names_what_is_left_to_do(genuine: Imported) -> None:
    text = genuine.report.render()
    assert text.startswith("Imported themeunittestdata.wordpress.xml (WordPress, WXR 1.2):\n")
    assert "  posts     55 published, 1 scheduled, 2 drafts\n" in text
    assert (
        "  comments  24 new (2 pending, 22 approved, 0 rejected, 0 spam); 9 of them replies" in text
    )
    assert "  [gallery] in content/posts/2010-09-10-post-format-gallery.md" in text
    assert "latest-posts" in text
    assert "https://wpthemetestdata.files.wordpress.com/2008/06/canola2.jpg" in text
    assert "    37  attachment: media files" in text


# -- one rule at a time (wxr-1.0.xml) -------------------------------------------------------


@pytest.fixture
def rules_site(tmp_path: Path) -> Path:
    site = make_site(tmp_path / "site", timezone="Europe/London", email="owner@new.example")
    (site / "content" / "pages" / "about.md").unlink()
    return site


def test_post_statuses_and_dates(rules_site: Path) -> None:
    report = import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    docs = {d.key: d for d in documents(rules_site).values() if d.kind is Kind.POST}
    assert sorted(docs) == [
        "a-second-essay", "coming-soon", "for-review", "half-written", "just-for-me",
        "members-only", "on-listening",
    ]  # fmt: skip
    assert {k for k, d in docs.items() if d.draft} == {
        "half-written",
        "for-review",
        "just-for-me",
        "members-only",
    }
    assert [d.split(": ", 1)[1] for d in report.drafts] == [
        "a draft in WordPress",
        "pending review in WordPress",
        "private in WordPress",
        "password-protected in WordPress; publishing would reveal it",
    ]
    coming = docs["coming-soon"]
    assert not coming.draft and coming.date is not None
    assert coming.date.isoformat() == "2031-06-01T10:00:00+01:00"  # 09:00 GMT in London
    # A draft without a GMT date: its local time is read in the site's timezone.
    assert docs["half-written"].date.isoformat() == "2015-04-01T10:00:00+01:00"  # type: ignore[union-attr]
    listening = docs["on-listening"]
    assert listening.date.isoformat() == "2014-01-14T17:31:03+00:00"  # type: ignore[union-attr]
    assert listening.updated.isoformat() == "2014-02-01T08:00:00+00:00"  # type: ignore[union-attr]
    assert listening.tags == ("listening", "silence")  # WXR 1.0 wrote tags as domain="tag"
    assert listening.categories == ("Practice",)
    assert listening.summary == "What it means to *listen*."
    assert listening.author == "Maren Holt"
    assert docs["a-second-essay"].comments.value == "closed"


def test_pages_nest_and_other_items_are_counted(rules_site: Path) -> None:
    report = import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    pages = {d.source: d.url for d in documents(rules_site).values() if d.kind is Kind.PAGE}
    assert pages == {
        "content/pages/about.md": "/about/",
        "content/pages/about/training.md": "/about/training/",
        "content/pages/about/training/supervision.md": "/about/training/supervision/",
        "content/pages/archives-2.md": "/archives-2/",  # /archives/ is the site's own listing
    }
    assert report.skipped == Counter(
        {
            "attachment: media files, not posts (those used in posts are listed below)": 1,
            "nav_menu_item: navigation menu entries, not content": 1,
            "post: in the WordPress trash": 1,
            "post: no date at all (no wp:post_date or pubDate)": 1,
            "pingback: a notice from another site, not a reader's comment": 1,
            "trackback: a notice from another site, not a reader's comment": 1,
            "comment: on a page (Salon shows comments under posts only)": 1,
        }
    )
    assert 'post 33 "Undated" (line 335): skipped, it has no date' in report.notes
    assert (
        'page 23 "Archives" (line 294): its address was taken; slug is now archives-2'
    ) in report.notes


def test_old_addresses_become_aliases_relative_to_the_new_site(rules_site: Path) -> None:
    import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    docs = {d.source: d for d in documents(rules_site).values()}
    # The old blog lived under /blog; the new site at the root of the same domain.
    assert docs["content/posts/2014-01-14-on-listening.md"].aliases == (
        "/blog/2014/01/on-listening/",
        "/blog/?p=10",
    )
    assert docs["content/pages/about/training.md"].aliases == (
        "/blog/about/training/",
        "/blog/?page_id=21",
    )
    text = (rules_site / "content/posts/2014-01-14-on-listening.md").read_text()
    assert "[link to another essay](/2015/03/a-second-essay/)" in text
    second = (rules_site / "content/posts/2015-03-02-a-second-essay.md").read_text()
    assert "Back to [the first](/2014/01/on-listening/)." in second


def test_a_site_under_the_old_blogs_path_gets_aliases_without_it(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", base="/blog")
    import_wordpress(site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    doc = documents(site)["content/posts/2014-01-14-on-listening.md"]
    assert doc.url == "/2014/01/on-listening/"
    assert doc.aliases == ("/?p=10",)  # the old path is the new one: no alias needed


def test_comments_keep_threads_statuses_dates_and_private_fields(rules_site: Path) -> None:
    report = import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    comments = {c.author: c for c in stored(rules_site)}
    assert {name: c.status for name, c in comments.items()} == {
        "Reader One": CommentStatus.APPROVED,
        "Maren": CommentStatus.APPROVED,
        "Orphan": CommentStatus.APPROVED,
        "No Date": CommentStatus.APPROVED,
        "Spammer": CommentStatus.SPAM,
        "Binned": CommentStatus.REJECTED,
        "Waiting": CommentStatus.PENDING,
        "Late Reply": CommentStatus.APPROVED,
        "Site Owner": CommentStatus.APPROVED,
        "Early Reader": CommentStatus.PENDING,  # its post is a draft now
    }
    assert comments["Maren"].parent == comments["Reader One"].id
    assert comments["Late Reply"].parent == comments["Site Owner"].id  # parent later in file
    assert comments["Orphan"].parent is None
    assert report.replies == 2
    assert (
        "content/posts/2014-01-14-on-listening.md: comment 103 replies to comment 999, which is "
        "not in the export; shown as a top-level comment"
    ) in report.notes
    assert (
        "content/posts/2014-01-14-on-listening.md: comment 104 has no date; given the post's date"
    ) in report.notes
    assert comments["No Date"].created.isoformat() == "2014-01-14T17:31:03+00:00"
    assert comments["Maren"].created.isoformat() == "2014-01-15T11:00:00+00:00"
    assert {n for n, c in comments.items() if c.by_author} == {"Maren", "Site Owner"}
    one = comments["Reader One"]
    assert one.body == "A first comment.\nWith a second line.\n\nAnd a *second* paragraph."
    assert (one.email, one.website, one.ip) == (
        "reader.one@mail.example", "http://reader.example/", "203.0.113.0/24"
    )  # fmt: skip
    assert comments["Maren"].ip == "2001:db8:85a3::/48"
    assert all(c.post == "on-listening" for n, c in comments.items() if n != "Early Reader")
    feed = (rules_site / "comments.json").read_text()
    assert "reader.one@mail.example" not in feed and "203.0.113" not in feed
    assert '"author": "Reader One"' in feed and "Spammer" not in feed


def test_existing_files_are_kept_unless_forced(rules_site: Path) -> None:
    import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    edited = rules_site / "content/posts/2014-01-14-on-listening.md"
    edited.write_text(edited.read_text().replace("The first paragraph", "My edit"))
    again = import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    assert again.files_kept == ["content/posts/2014-01-14-on-listening.md"]
    assert "My edit" in edited.read_text()
    assert again.comments_imported == 0 and again.comments_seen == 10
    forced = import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml", force=True)
    assert forced.files_overwritten == ["content/posts/2014-01-14-on-listening.md"]
    assert "My edit" not in edited.read_text()
    assert len(stored(rules_site)) == 10


def test_a_post_already_in_the_site_keeps_its_key(rules_site: Path) -> None:
    mine = rules_site / "content/posts/mine.md"
    mine.write_text("---\ntitle: Mine\ndate: 2020-01-01\nid: on-listening\n---\nMine.\n")
    report = import_wordpress(rules_site, FIXTURES / "wxr-1.0.xml", "wxr-1.0.xml")
    docs = {d.source: d for d in documents(rules_site).values()}
    assert docs["content/posts/mine.md"].key == "on-listening"
    assert docs["content/posts/2014-01-14-on-listening-2.md"].key == "on-listening-2"
    assert any(
        note.endswith("its slug was taken; slug is now on-listening-2") for note in report.notes
    )
    assert {c.post for c in stored(rules_site) if c.author == "Reader One"} == {"on-listening-2"}
    build_site(rules_site, BuildOptions(now=FIXED_NOW, jobs=1))


# -- the format: versions, namespaces, CDATA ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("wxr-1.0.xml", "1.0"),
        ("wxr-1.1-https.xml", "1.1"),
        ("wxr-1.2-http.xml", "1.2"),
        ("themeunittestdata.wordpress.xml", "1.2"),
        ("isso-wordpress.xml", "1.0"),
    ],
)
def test_every_wxr_version_and_namespace_variant_is_read(name: str, version: str) -> None:
    export = parse_wxr((FIXTURES / name).read_bytes(), name)
    assert export.version == version
    posts = [i for i in export.items if i.post_type in ("post", "")]
    assert posts and all(i.title or i.post_id for i in posts)


def test_cdata_edge_cases() -> None:
    export = parse_wxr((FIXTURES / "wxr-1.1-https.xml").read_bytes(), "wxr-1.1-https.xml")
    fancy, escaped, spaced, _shortcodes = export.items
    assert fancy.title == "<em>Fancy</em> &amp; title"
    assert fancy.content == "Use ]]> with care."  # "]]>" split over two CDATA sections
    assert fancy.post_type == "post" and fancy.date_gmt == "2016-02-03 04:05:06"
    assert escaped.title == ""
    assert escaped.content == "<p>Escaped &amp; not in CDATA</p>"
    assert spaced.content == "Text after whitespace, around the CDATA."
    assert spaced.post_name == "spaced" and spaced.date_gmt == "2016-02-05 04:05:06"


def test_cdata_file_imports_with_plain_titles_and_shortcodes(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    report = import_wordpress(site, FIXTURES / "wxr-1.1-https.xml", "wxr-1.1-https.xml")
    docs = {d.key: d for d in documents(site).values() if d.kind is Kind.POST}
    assert docs["fancy"].title == "Fancy & title"
    assert docs["fancy"].body.strip() == "Use ]]> with care."
    assert docs["escaped"].title == "Untitled"
    assert docs["escaped"].body.strip() == "Escaped & not in CDATA"
    body = docs["shortcodes"].body
    assert "<figcaption>The cat</figcaption>" in body and "<https://video.example/watch/42>" in body
    assert '[gallery ids="5,6"]' in body and "[gallery] is how you write" in body
    assert report.shortcodes == {
        "gallery": ["content/posts/2016-02-06-shortcodes.md"],
        "contact-form": ["content/posts/2016-02-06-shortcodes.md"],
    }
    assert "https://cdata.example/wp-content/uploads/cat.jpg" in report.media
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))


def test_isso_export_with_missing_fields(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    report = import_wordpress(site, FIXTURES / "isso-wordpress.xml", "isso-wordpress.xml")
    assert report.posts_published == 1
    assert report.skipped["post: no date at all (no wp:post_date or pubDate)"] == 2
    assert report.comments_imported == 7 and report.replies == 3
    comments = {c.body: c for c in stored(site)}
    assert comments["When you have a comment with multiple lines:\nWordPress exports it like this."]
    assert {c.ip for c in comments.values()} >= {"82.119.20.0/24", "86.56.63.0/24"}
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))


# -- errors a user can meet --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.xml", "malformed.xml:6: malformed XML at column 18: mismatched tag"),
        (
            "truncated.xml",
            "truncated.xml:6: malformed XML at column 1: the file ends too early; "
            "is the export complete?",
        ),
        (
            "bomb.xml",
            'bomb.xml:3: the file declares the XML entity "lol"; entities are refused because '
            "they can expand into gigabytes (an XML bomb) or read other files, and a genuine "
            "export never declares them",
        ),
        (
            "external-entity.xml",
            'external-entity.xml:3: the file declares the external entity "secret" '
            "(file:///etc/passwd); refused, because reading it could reveal files on this "
            "machine or reach the network",
        ),
        (
            "plain-rss.xml",
            "plain-rss.xml:1: not a WordPress export: no wp: elements (namespace "
            "http://wordpress.org/export/…); export from WordPress with Tools → Export",
        ),
        (
            "isso-disqus.xml",
            "isso-disqus.xml:1: not a WordPress export: expected <rss> with a <channel>, "
            "found <disqus>",
        ),
    ],
)
def test_unusable_files_are_refused_with_line_and_reason(name: str, message: str) -> None:
    with pytest.raises(SiteError) as caught:
        parse_wxr((FIXTURES / name).read_bytes(), name)
    assert str(caught.value) == message


def test_cli_imports_and_prints_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "site")
    export = str(FIXTURES / "wxr-1.2-http.xml")
    assert main(["import", "wordpress", export, "--site", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Imported {export} (WordPress, WXR 1.2):\n  posts     1 published")
    text = (site / "content/posts/2020-05-06-only-post.md").read_text()
    assert text == (
        "---\ntitle: Only Post\ndate: 2020-05-06 07:08:09+00:00\nslug: only-post\nid: only-post\n"
        "summary: The excerpt.\naliases:\n- /only-post/\n- /?p=7\n---\n\nBlock editor content.\n"
    )


def test_cli_errors_are_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "site")
    assert main(["import", "wordpress", "missing.xml", "--site", str(site)]) == 1
    assert capsys.readouterr().err == "error: missing.xml: no such file\n"
    bomb = str(FIXTURES / "bomb.xml")
    assert main(["import", "wordpress", bomb, "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f'error: {bomb}:3: the file declares the XML entity "lol"')
    assert err.count("\n") == 1
    assert not (site / "comments.json").exists()
    assert [p.name for p in (site / ".salon").iterdir()] == ["scaffold.json"]  # `salon new`'s


# -- over a fresh `salon new` site ------------------------------------------------------------


def test_import_replaces_the_untouched_scaffold_and_keeps_what_was_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh, edited = tmp_path / "fresh", tmp_path / "edited"
    for site in (fresh, edited):
        assert main(["new", str(site)]) == 0
    about = edited / "content/pages/about.md"
    about.write_text(about.read_text() + "I walk a lot.\n")
    capsys.readouterr()

    assert main(["import", "wordpress", str(GENUINE), "--site", str(fresh)]) == 0
    out = capsys.readouterr().out
    assert (
        "Placeholders from `salon new`, unchanged since, replaced by the import:\n"
        "  content/pages/about.md\n"
        "  content/posts/first-essay.md (removed)\n"
    ) in out
    assert "Kept as they were" not in out
    assert not (fresh / "content/posts/first-essay.md").exists()
    assert "title: About" in (fresh / "content/pages/about.md").read_text()
    assert "Say who you are" not in (fresh / "content/pages/about.md").read_text()

    assert main(["import", "wordpress", str(GENUINE), "--site", str(edited)]) == 0
    out = capsys.readouterr().out
    assert "Kept as they were (they exist and differ; --force overwrites them):\n" in out
    assert "  content/pages/about.md\n" in out
    assert "content/pages/about.md\n  content/posts/first-essay.md (removed)" not in out
    assert about.read_text().endswith("I walk a lot.\n")
    assert not (edited / "content/posts/first-essay.md").exists()  # this one was untouched


def test_dry_run_says_what_would_happen_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    assert main(["new", str(site)]) == 0
    before = tree_files(site)
    capsys.readouterr()
    assert main(["import", "wordpress", str(GENUINE), "--site", str(site), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"Dry run of importing {GENUINE} (WordPress, WXR 1.2); nothing "
        "was written. An import would do this:\n"
    )
    assert "  files     78 written, 0 overwritten, 0 unchanged, 0 kept as they were\n" in out
    assert "  comments  24 in the export for the store (those imported before are skipped)\n" in out
    assert "  content/posts/first-essay.md (removed)\n" in out
    assert tree_files(site) == before
    assert not (site / "comments.json").exists()
