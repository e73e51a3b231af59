"""Content files: split_front_matter and parse_document are pure; iter_sources reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.build.content import (
    parse_alias,
    parse_document,
    source_from_text,
    split_front_matter,
)
from generator.build.content_files import iter_assets, iter_sources
from generator.core.config import SiteConfig, parse_config
from generator.core.errors import SiteError
from generator.core.models import CommentsMode, Document, Kind
from generator.core.urls import UnsafePath

PARIS = ZoneInfo("Europe/Paris")


def config(extra: str = "", root: Path = Path("/site")) -> SiteConfig:
    text = "title: T\nbase_url: https://t.example\ntimezone: Europe/Paris\n" + extra
    return parse_config(text, "site.yaml", root)


def post(
    text: str, name: str = "2024-05-01-on-listening", cfg: SiteConfig | None = None
) -> Document:
    source = source_from_text(Kind.POST, f"content/posts/{name}.md", name, text)
    return parse_document(source, cfg or config())


def page(text: str, name: str = "about") -> Document:
    return parse_document(
        source_from_text(Kind.PAGE, f"content/pages/{name}.md", name, text), config()
    )


def post_problems(text: str, name: str = "x") -> list[str]:
    with pytest.raises(SiteError) as caught:
        post(text, name)
    return [str(problem) for problem in caught.value.problems]


# -- split_front_matter --------------------------------------------------------------------


def test_split_front_matter_returns_yaml_body_and_the_line_the_body_starts() -> None:
    front, body, line = split_front_matter("---\ntitle: A\ndate: 2024-05-01\n---\nHello\n", "x.md")
    assert front == "title: A\ndate: 2024-05-01\n"
    assert body == "Hello\n"
    assert line == 5


def test_split_front_matter_without_front_matter() -> None:
    assert split_front_matter("Just text\n", "x.md") == (None, "Just text\n", 1)
    assert split_front_matter("", "x.md") == (None, "", 1)


def test_split_front_matter_accepts_a_bom_crlf_and_trailing_spaces_on_fences() -> None:
    front, body, line = split_front_matter("\ufeff---  \r\ntitle: A\r\n---\r\nBody\r\n", "x.md")
    assert front == "title: A\r\n"
    assert body == "Body\r\n"
    assert line == 4


def test_a_horizontal_rule_later_in_the_body_is_not_front_matter() -> None:
    front, body, _ = split_front_matter("---\ntitle: A\n---\nOne\n\n---\n\nTwo\n", "x.md")
    assert front == "title: A\n"
    assert body == "One\n\n---\n\nTwo\n"


def test_unclosed_front_matter_is_an_error_at_line_one() -> None:
    with pytest.raises(SiteError) as caught:
        split_front_matter("---\ntitle: A\n\nBody\n", "content/posts/x.md")
    assert str(caught.value) == (
        "content/posts/x.md:1: front matter starts with --- but never ends; add a closing ---"
    )


# -- parse_document: values ----------------------------------------------------------------


def test_post_fields_are_read() -> None:
    doc = post(
        """---
title: "Psychology: On Listening"
date: 2024-05-01 09:30
updated: 2024-06-02
tags: [listening, practice]
category: Psychology
summary: A short summary.
description: For search engines.
author: A Guest
comments: closed
toc: true
---
Body text.
"""
    )
    assert doc.kind is Kind.POST
    assert doc.source == "content/posts/2024-05-01-on-listening.md"
    assert doc.title == "Psychology: On Listening"
    assert doc.date == datetime(2024, 5, 1, 9, 30, tzinfo=PARIS)
    assert doc.updated == datetime(2024, 6, 2, tzinfo=PARIS)
    assert doc.tags == ("listening", "practice")
    assert doc.categories == ("Psychology",)
    assert doc.summary == "A short summary."
    assert doc.description == "For search engines."
    assert doc.author == "A Guest"
    assert doc.comments is CommentsMode.CLOSED
    assert doc.toc is True
    assert doc.draft is False
    assert doc.body == "Body text.\n"
    assert doc.body_line == 13


def test_naive_dates_take_the_site_timezone() -> None:
    doc = post("---\ntitle: A\ndate: 2024-07-01 09:30\n---\n")
    assert doc.date is not None
    assert doc.date.utcoffset() == timedelta(hours=2)  # Paris in summer
    winter = post("---\ntitle: A\ndate: 2024-01-15\n---\n")
    assert winter.date is not None and winter.date.utcoffset() == timedelta(hours=1)


def test_dates_with_an_offset_keep_it() -> None:
    doc = post("---\ntitle: A\ndate: 2024-05-01T09:30:00Z\n---\n")
    assert doc.date is not None
    assert doc.date.utcoffset() == timedelta(0)
    quoted = post("---\ntitle: A\ndate: '2024-05-01T09:30:00+05:30'\n---\n")
    assert quoted.date is not None and quoted.date.utcoffset() == timedelta(hours=5, minutes=30)


def test_slug_comes_from_the_file_name_without_its_date() -> None:
    assert post("---\ntitle: A\ndate: 2024-05-01\n---\n").slug == "on-listening"
    assert post("---\ntitle: A\ndate: 2024-05-01\n---\n", name="Why_I Write").slug == "why-i-write"
    nested = post("---\ntitle: A\ndate: 2024-05-01\n---\n", name="2024/essays/first-one")
    assert nested.slug == "first-one"
    assert nested.url == "/2024/05/first-one/"


def test_a_bundle_takes_its_slug_from_the_folder() -> None:
    doc = post("---\ntitle: A\ndate: 2024-05-01\n---\n", name="2024-05-01-walks/index")
    assert doc.slug == "walks"
    assert doc.url == "/2024/05/walks/"


def test_slug_and_id_may_be_set() -> None:
    doc = post("---\ntitle: A\ndate: 2024-05-01\nslug: café-au-lait\nid: cafe-2024\n---\n")
    assert doc.slug == "café-au-lait"
    assert doc.url == "/2024/05/café-au-lait/"
    assert doc.key == "cafe-2024"
    assert post("---\ntitle: A\ndate: 2024-05-01\n---\n").key == "on-listening"


def test_permalink_pattern_fills_day_and_category() -> None:
    cfg = config("permalink: /{category}/{year}/{month}/{day}/{slug}/\n")
    doc = post("---\ntitle: A\ndate: 2024-05-01\ncategory: Deep Work\n---\n", cfg=cfg)
    assert doc.url == "/deep-work/2024/05/01/on-listening/"
    plain = post("---\ntitle: A\ndate: 2024-05-01\n---\n", cfg=cfg)
    assert plain.url == "/uncategorized/2024/05/01/on-listening/"


def test_a_single_tag_may_be_written_as_text_and_categories_as_a_list() -> None:
    doc = post("---\ntitle: A\ndate: 2024-05-01\ntags: grief\ncategories: [One, Two]\n---\n")
    assert doc.tags == ("grief",)
    assert doc.categories == ("One", "Two")


def test_names_with_a_comma_written_as_text_are_one_name_and_a_warning() -> None:
    # A Pelican or WordPress author writes `tags: therapy, grief` meaning two tags.
    doc = post("---\ntitle: A\ndate: 2024-05-01\ntags: therapy, grief\ncategory: a,b\n---\n")
    assert doc.tags == ("therapy, grief",)
    assert [str(w) for w in doc.warnings] == [
        'content/posts/2024-05-01-on-listening.md:4: tags: "therapy, grief" is one name; '
        "for several, write a list: [therapy, grief]",
        'content/posts/2024-05-01-on-listening.md:5: category: "a,b" is one name; '
        "for several, write a list: [a, b]",
    ]
    listed = post('---\ntitle: A\ndate: 2024-05-01\ntags: [therapy, "grief, loss"]\n---\n')
    assert listed.tags == ("therapy", "grief, loss")
    assert listed.warnings == ()


def test_an_empty_tag_or_category_is_refused_at_its_line() -> None:
    # Kept, a tag of no name was a link without text on every page showing it.
    text = '---\ntitle: A\ndate: 2024-05-01\ntags:\n  - grief\n  - " "\ncategories: ""\n---\n'
    assert post_problems(text) == [
        "content/posts/x.md:6: tags: item 2 is empty; remove it or write a name",
        "content/posts/x.md:7: categories: the text is empty; remove it or write a name",
    ]


def test_names_too_long_for_a_file_are_refused_at_their_lines() -> None:
    # Each became a folder of output/: the build ended in OSError's traceback.
    long = "t" * 300
    text = (
        f"---\ntitle: A\ndate: 2024-05-01\nslug: {long}\ntags: [fine, {long}]\n"
        f"category: {long}\nseries: {long}\naliases: [/old/{long}/]\n---\n"
    )
    problems = post_problems(text)
    assert [p.split(": ")[0:2] for p in problems] == [
        ["content/posts/x.md:4", "slug"],
        ["content/posts/x.md:5", "tags"],
        ["content/posts/x.md:6", "category"],
        ["content/posts/x.md:7", "series"],
        ["content/posts/x.md:8", "aliases"],
    ]
    assert problems[1] == (
        'content/posts/x.md:5: tags: "' + "t" * 39 + '…" is 300 bytes in an address, longer '
        "than a file name can be (255); shorten it"
    )
    # 255 bytes fit, counted as UTF-8 (ü is two).
    assert post("---\ntitle: A\ndate: 2024-05-01\ntags: [" + "ü" * 127 + "]\n---\n").tags


def test_drafts_are_marked() -> None:
    assert post("---\ntitle: A\ndate: 2024-05-01\ndraft: true\n---\n").draft is True


def test_aliases_are_normalised_site_urls() -> None:
    doc = post(
        "---\ntitle: A\ndate: 2024-05-01\n"
        "aliases: [/old, /blog/old.html, 'caf%C3%A9/', '/?p=12']\n---\n"
    )
    assert doc.aliases == ("/old/", "/blog/old.html", "/café/", "/?p=12")


@pytest.mark.parametrize("alias", ["../../etc/", "https://elsewhere.example/x/", "//cdn.example/"])
def test_aliases_outside_the_site_are_refused(alias: str) -> None:
    with pytest.raises(UnsafePath):
        parse_alias(alias)


def test_other_keys_reach_templates_as_extra() -> None:
    doc = post("---\ntitle: A\ndate: 2024-05-01\nmood: calm\nshelf: [a, b]\n---\n")
    assert dict(doc.extra) == {"mood": "calm", "shelf": ["a", "b"]}


def test_pages_need_no_date_and_take_their_folder_into_the_url() -> None:
    about = page("---\ntitle: About\n---\nMe.\n")
    assert (about.kind, about.url, about.date) == (Kind.PAGE, "/about/", None)
    nested = page("---\ntitle: Contact\n---\n", name="help/contact")
    assert nested.url == "/help/contact/"
    renamed = page("---\ntitle: Contact\nslug: write-to-me\n---\n", name="help/contact")
    assert renamed.url == "/help/write-to-me/"


# -- parse_document: mistakes, each at its real line ---------------------------------------


def test_bad_date_names_the_line_and_the_value() -> None:
    assert post_problems("---\ntitle: A\ndate: tuesday\n---\nBody\n") == [
        "content/posts/x.md:3: date: expected a date such as 2024-05-01 or 2024-05-01 09:30, "
        'got "tuesday"'
    ]


def test_impossible_date_is_a_bad_date_not_a_crash() -> None:
    assert post_problems("---\ntitle: A\n\ndate: 2024-13-01\n---\n") == [
        "content/posts/x.md:4: date: expected a date such as 2024-05-01 or 2024-05-01 09:30, "
        'got "2024-13-01"'
    ]


def test_missing_title_and_date() -> None:
    assert post_problems("---\ntags: [a]\n---\nBody\n") == [
        "content/posts/x.md:1: title: required, but missing",
        "content/posts/x.md:1: date: required for posts, but missing",
    ]


def test_every_problem_of_a_file_is_reported_together() -> None:
    text = "---\ntitle: A\ndate: 2024-05-01\ntags: {a: 1}\ndraft: maybe\ncomments: later\n---\n"
    assert post_problems(text) == [
        "content/posts/x.md:4: tags: expected a list of text, got a mapping",
        'content/posts/x.md:5: draft: expected true or false, got "maybe"',
        'content/posts/x.md:6: comments: expected one of open, closed, got "later"',
    ]


@pytest.mark.parametrize("slug", ["../../x", "a/b", "a b", "what?", "..", ".hidden", "50%"])
def test_unsafe_slugs_are_refused(slug: str) -> None:
    text = f"---\ntitle: A\ndate: 2024-05-01\nslug: '{slug}'\n---\n"
    assert post_problems(text) == [
        f'content/posts/x.md:4: slug: expected a single URL segment such as my-essay, got "{slug}"'
    ]


def test_bad_alias_names_its_line() -> None:
    text = "---\ntitle: A\ndate: 2024-05-01\naliases:\n  - /fine/\n  - ../../etc/passwd\n---\n"
    assert post_problems(text) == [
        "content/posts/x.md:4: aliases: expected URLs of this site such as /2019/old-name/, "
        'got "../../etc/passwd"'
    ]


def test_invalid_yaml_points_at_the_line_in_the_file() -> None:
    assert post_problems("---\ntitle: A\ndate: 2024-05-01\ntags: [a, b\n---\nBody\n") == [
        "content/posts/x.md:5: invalid YAML: did not find expected ',' or ']'"
    ]
    assert post_problems("---\ntitle: Psychology: a colon\ndate: 2024-05-01\n---\n") == [
        "content/posts/x.md:2: invalid YAML: mapping values are not allowed in this context; "
        'put the value in quotes: title: "Psychology: a colon"'
    ]


def test_front_matter_that_is_not_a_mapping() -> None:
    assert post_problems("---\n- a\n- b\n---\n") == [
        "content/posts/x.md:2: front matter: expected a mapping of keys, got a list"
    ]


def test_a_key_given_twice() -> None:
    assert post_problems("---\ntitle: A\ndate: 2024-05-01\ntitle: B\n---\n") == [
        "content/posts/x.md:4: title: given twice (first on line 2); keep one"
    ]


def test_empty_title() -> None:
    assert post_problems("---\ntitle: '  '\ndate: 2024-05-01\n---\n") == [
        "content/posts/x.md:2: title: required, but empty"
    ]


# -- reading files -------------------------------------------------------------------------


def test_iter_sources_reads_posts_and_pages_in_order_and_skips_hidden_files(tmp_path: Path) -> None:
    posts = tmp_path / "content/posts"
    (posts / "b").mkdir(parents=True)
    (posts / ".drafts").mkdir()
    (tmp_path / "content/pages").mkdir()
    (posts / "z.md").write_text("z")
    (posts / "b/a.markdown").write_text("a")
    (posts / ".drafts/hidden.md").write_text("h")
    (posts / ".swap.md").write_text("h")
    (posts / "notes.txt").write_text("not markdown")
    (tmp_path / "content/pages/about.md").write_text("p")
    found = [(s.kind, s.path, s.relative) for s in iter_sources(config(root=tmp_path))]
    assert found == [
        (Kind.POST, "content/posts/b/a.markdown", "b/a"),
        (Kind.POST, "content/posts/z.md", "z"),
        (Kind.PAGE, "content/pages/about.md", "about"),
    ]


def test_iter_sources_orders_folder_by_folder_and_skips_what_is_not_a_file(
    tmp_path: Path,
) -> None:
    posts = tmp_path / "content/posts"
    (posts / "a").mkdir(parents=True)
    (posts / "a/b.md").write_text("x")
    (posts / "a.md").write_text("x")  # after the folder a/, as paths sort part by part
    (posts / "a-b.md").write_text("x")
    (posts / "C.MD").write_text("x")
    (posts / "folder.md").mkdir()  # a folder named like a file
    (posts / "folder.md/index.md").write_text("x")
    (posts / "broken.md").symlink_to(posts / "nowhere.md")
    found = [(s.path, s.relative) for s in iter_sources(config(root=tmp_path))]
    assert found == [
        ("content/posts/C.MD", "C"),
        ("content/posts/a/b.md", "a/b"),
        ("content/posts/a-b.md", "a-b"),
        ("content/posts/a.md", "a"),
        ("content/posts/folder.md/index.md", "folder.md/index"),
    ]


def test_iter_assets_lists_every_other_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts/walk").mkdir(parents=True)
    (content / "posts/walk/index.md").write_text("x")
    (content / "posts/walk/map.png").write_bytes(b"png")
    (content / "favicon.ico").write_bytes(b"ico")
    (content / ".DS_Store").write_bytes(b"junk")
    found = [relative for _path, relative in iter_assets(config(root=tmp_path))]
    assert found == ["favicon.ico", "posts/walk/map.png"]


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    posts = tmp_path / "content/posts"
    posts.mkdir(parents=True)
    (posts / "latin.md").write_bytes(b"---\ntitle: Caf\xe9\n---\n")
    with pytest.raises(SiteError) as caught:
        list(iter_sources(config(root=tmp_path)))
    assert str(caught.value) == (
        "content/posts/latin.md:2: not UTF-8 text (byte 0xe9 at offset 14); save the file as UTF-8"
    )


def test_every_front_matter_key_is_documented() -> None:
    from generator.build.content import KNOWN_KEYS
    from tests.conftest import REPO

    doc = (REPO / "docs/front-matter.md").read_text(encoding="utf-8")
    assert [key for key in KNOWN_KEYS if f"`{key}`" not in doc] == []


def test_a_control_character_in_front_matter_names_its_line() -> None:
    assert post_problems("---\ntitle: A\ndate: 2024-05-01\nsummary: bell\x07\n---\n") == [
        "content/posts/x.md:4: invalid YAML: the control character U+0007 is not allowed here; "
        "remove it"
    ]


def test_the_listing_of_content_is_what_os_walk_lists(tmp_path: Path) -> None:
    """content.py lists folders with os.scandir, and trusts the listing where it says a
    file is plain (regular, no link); the same files, in the same order, as os.walk's."""
    import os

    from generator.build.content_files import _visible_files

    base = tmp_path / "content"
    for name in ("a.md", "a-b/c.md", "a/b.md", "a/z/deep.md", ".hidden.md", ".git/x.md",
                 "b/.secret/y.md", "img.jpg"):  # fmt: skip
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text("x", encoding="utf-8")
    (base / "link.md").symlink_to(base / "a.md")
    (base / "broken.md").symlink_to(base / "missing.md")
    (base / "folder-link").symlink_to(base / "a", target_is_directory=True)

    walked: list[tuple[list[str], str]] = []
    for top, dirs, files in os.walk(base):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        inside = os.path.relpath(top, base).replace(os.sep, "/")
        prefix = "" if inside == "." else inside + "/"
        walked.extend(((prefix + n).split("/"), prefix + n) for n in files if n[0] != ".")
    expected = [relative for _, relative in sorted(walked)]

    listed = _visible_files(base)
    assert [relative for relative, _suffix, _plain in listed] == expected
    plain = {relative for relative, _suffix, is_plain in listed if is_plain}
    assert plain == {r for r in expected if (base / r).is_file() and not (base / r).is_symlink()}
    assert "link.md" in expected and "link.md" not in plain and "broken.md" not in plain
