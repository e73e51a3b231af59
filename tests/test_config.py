"""site.yaml: parse_config is pure; every problem is collected and reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.config import Author, SiteConfig, load_config, parse_config
from generator.core.errors import SiteError

ROOT = Path("/site")
MINIMAL = "title: Notes\nbase_url: https://notes.example\n"


def parse(text: str) -> SiteConfig:
    return parse_config(text, "site.yaml", ROOT)


def problems(text: str) -> list[str]:
    with pytest.raises(SiteError) as caught:
        parse(text)
    return [str(problem) for problem in caught.value.problems]


def test_minimal_config_takes_the_documented_defaults() -> None:
    config = parse(MINIMAL)
    assert config.title == "Notes"
    assert config.base_url == "https://notes.example"
    assert config.root == ROOT
    assert config.description == ""
    assert config.language == "en"
    assert config.timezone == "UTC"
    assert config.author == Author(name="")
    assert config.permalink == "/{year}/{month}/{slug}/"
    assert config.posts_per_page == 10
    assert config.theme == "default"
    assert (config.feeds.atom, config.feeds.rss, config.feeds.entries) == (True, True, 20)
    assert config.feeds.full_content is True
    assert config.taxonomies == ("tags", "categories")
    assert config.comments.enabled is True
    assert config.comments.feed == "comments.json"
    assert config.comments.store == ".salon/comments.sqlite3"
    assert config.comments.max_depth == 5
    assert config.params == {}


def test_full_config_is_read() -> None:
    config = parse(
        """\
title: The Consulting Room
description: Essays on listening.
base_url: https://example.org/blog/
language: en-GB
timezone: Europe/London
author:
  name: Maren Holt
  url: /about/
  email: maren@example.org
permalink: /{year}/{slug}/
posts_per_page: 5
theme: quiet
feeds:
  atom: true
  rss: false
  entries: 12
  full_content: false
taxonomies: [tags]
params:
  accent: teal
"""
    )
    assert config.base_url == "https://example.org/blog"  # no trailing slash
    assert config.base_path == "/blog"
    assert config.origin == "https://example.org"
    assert config.author == Author("Maren Holt", "/about/", "maren@example.org")
    assert config.tz.key == "Europe/London"
    assert config.permalink == "/{year}/{slug}/"
    assert config.posts_per_page == 5
    assert config.feeds.rss is False and config.feeds.entries == 12
    assert config.feeds.full_content is False
    assert config.taxonomies == ("tags",)
    assert config.params == {"accent": "teal"}
    assert config.output_dir == Path("/site/output")


def test_author_may_be_just_a_name() -> None:
    assert parse(MINIMAL + "author: Jane Doe\n").author == Author(name="Jane Doe")


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    text = """\
title: Notes
base_url: ftp://notes.example
timezone: Mars/Olympus
titel: Notes again
posts_per_page: zero
permalink: /{year}/{nope}/{slug}/
feeds:
  entires: 3
  atom: maybe
comments:
  max_depth: 0
"""
    assert problems(text) == [
        'site.yaml:2: base_url: expected an http(s) URL such as https://example.org, got "ftp://notes.example"',
        'site.yaml:3: timezone: expected an IANA time zone such as Europe/Paris, got "Mars/Olympus"',  # noqa: E501
        'site.yaml:4: titel: unknown key (did you mean "title"?)',
        'site.yaml:5: posts_per_page: expected a whole number, got "zero"',
        "site.yaml:6: permalink: unknown placeholder {nope}; use {year}, {month}, {day}, {slug}, {category}",  # noqa: E501
        'site.yaml:8: feeds.entires: unknown key (did you mean "entries"?)',
        'site.yaml:9: feeds.atom: expected true or false, got "maybe"',
        "site.yaml:11: comments.max_depth: expected a whole number of at least 1, got 0",
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("colour: blue\n", "site.yaml:3: colour: unknown key"),
        ("langauge: fr\n", 'site.yaml:3: langauge: unknown key (did you mean "language"?)'),
        (
            "posts_per_page: 0\n",
            "site.yaml:3: posts_per_page: expected a whole number of at least 1, got 0",
        ),
        (
            "posts_per_page: true\n",
            "site.yaml:3: posts_per_page: expected a whole number, got true",
        ),
        ("description: [a, b]\n", "site.yaml:3: description: expected text, got a list"),
        (
            "permalink: /{year}/\n",
            "site.yaml:3: permalink: must contain {slug}, so that every post gets its own URL",
        ),
        (
            "permalink: posts/{slug}\n",
            'site.yaml:3: permalink: expected a pattern that starts and ends with /, got "posts/{slug}"',  # noqa: E501
        ),
        (
            "taxonomies: [tags, colours]\n",
            'site.yaml:3: taxonomies: expected a list drawn from tags, categories, got "colours"',
        ),
        ("author: [a]\n", "site.yaml:3: author: expected a mapping, got a list"),
        ("author:\n  nmae: x\n", 'site.yaml:4: author.nmae: unknown key (did you mean "name"?)'),
        ("comments: yes\n", "site.yaml:3: comments: expected a mapping, got true"),
        (
            "comments:\n  feed: http://x.example/c.json\n",
            'site.yaml:4: comments.feed: expected a path or an https URL, got "http://x.example/c.json"',
        ),
        (
            "comments:\n  store: output/c.db\n",
            'site.yaml:4: comments.store: expected a private path inside the site, outside output/, got "output/c.db"',  # noqa: E501
        ),
        (
            "comments:\n  service:\n    rate_per_minit: 3\n",
            'site.yaml:5: comments.service.rate_per_minit: unknown key (did you mean "rate_per_minute"?)',  # noqa: E501
        ),
        ("params: 3\n", "site.yaml:3: params: expected a mapping, got 3"),
        (
            "feeds:\n  entries: -1\n",
            "site.yaml:4: feeds.entries: expected a whole number of at least 1, got -1",
        ),
    ],
)
def test_one_bad_value(extra: str, expected: str) -> None:
    assert problems(MINIMAL + extra) == [expected]


def test_missing_required_keys() -> None:
    assert problems("description: nothing else\n") == [
        "site.yaml:1: title: required, but missing",
        "site.yaml:1: base_url: required, but missing",
    ]
    assert problems("") == [
        "site.yaml:1: title: required, but missing",
        "site.yaml:1: base_url: required, but missing",
    ]


def test_empty_title_is_named() -> None:
    assert problems("title: ''\nbase_url: https://notes.example\n") == [
        "site.yaml:1: title: required, but empty"
    ]


def test_not_a_mapping() -> None:
    assert problems("- title\n- base_url\n") == [
        "site.yaml:1: expected a mapping of settings at the top of the file"
    ]


def test_invalid_yaml_names_the_line() -> None:
    assert problems("title: Notes\nbase_url: https://notes.example\nfeeds: [atom\n") == [
        "site.yaml:4: invalid YAML: did not find expected ',' or ']'"
    ]


def test_a_key_given_twice_is_an_error() -> None:
    assert problems(MINIMAL + "title: Other\n") == [
        "site.yaml:3: title: given twice (first on line 1); keep one"
    ]


def test_load_config_reads_the_file(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(MINIMAL, encoding="utf-8")
    assert load_config(tmp_path).title == "Notes"


def test_load_config_without_site_yaml(tmp_path: Path) -> None:
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path}/site.yaml: no site.yaml here; run `salon new DIR` to start a site"
    )


def test_load_config_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_bytes(b"title: Caf\xe9\nbase_url: https://x.example\n")
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == (
        "site.yaml:1: not UTF-8 text (byte 0xe9 at offset 10); save the file as UTF-8"
    )


def test_every_setting_is_documented() -> None:
    from dataclasses import fields

    from generator.core.config import TOP_KEYS, CommentsConfig, FeedConfig, ServiceConfig
    from generator.core.image_settings import ImagesConfig
    from tests.conftest import REPO

    doc = (REPO / "docs/configuration.md").read_text(encoding="utf-8")
    names = [*TOP_KEYS, *(f.name for f in fields(Author))]
    names += [
        f.name
        for cls in (FeedConfig, CommentsConfig, ServiceConfig, ImagesConfig)
        for f in fields(cls)
    ]
    # In a table (`key`), as a section (## key) or, for the service, in the example.
    shown = ["`{}`", "## {}\n", "    {}: "]
    missing = [name for name in names if not any(form.format(name) in doc for form in shown)]
    assert missing == []


def test_a_second_yaml_document_is_named() -> None:
    assert problems(MINIMAL + "---\ntheme: quiet\n") == [
        "site.yaml:3: invalid YAML: expected a single document in the stream, "
        "but found another document"
    ]


def test_a_required_key_with_no_value_is_empty_not_missing() -> None:
    assert problems("title:\nbase_url: https://notes.example\n") == [
        "site.yaml:1: title: required, but empty"
    ]
