"""Property-based fuzzing (hypothesis) of every parser a person can feed.

The property is the same for each: the parser returns, or raises the one error type
that becomes a clear message (SiteError for the author's files and imports,
RequestProblem or a 4xx for a reader's request), never anything else.

In the suite each test runs a few hundred examples (a few seconds). For a longer run:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_fuzz.py -q

(20,000 examples a test). A crash found becomes a fixture in tests/fixtures/robustness/
(`fuzz-*`), checked with its exact message by test_every_fuzz_fixture_gives_its_message.
"""

from __future__ import annotations

import contextlib
import json
import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client as WsgiClient

from generator.build.content import parse_document, source_from_text
from generator.build.threads import merge_comments
from generator.contract.comment_html import render_comment_body, safe_website
from generator.contract.feed import parse_feed
from generator.core.config import load_config, parse_config
from generator.core.errors import SiteError
from generator.core.models import Kind
from generator.importers.disqus import parse_disqus, plan_disqus
from generator.importers.wordpress import plan_wordpress
from generator.importers.wxr import parse_wxr
from generator.service.app import create_app
from generator.service.validation import RequestProblem, decode_body, read_submission
from tests.service_support import make_site

settings.register_profile(
    "suite", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("SALON_FUZZ_EXAMPLES", "20000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

FIXTURES = Path(__file__).parent / "fixtures" / "robustness"
SITE_YAML = "title: Fuzz\nbase_url: https://fuzz.example\n"

# Pieces that YAML, JSON, XML and URLs give meaning to, so that the generated text
# reaches their special cases far more often than random characters would.
YAML_BITS = st.sampled_from(
    ["&a ", "*a", "!!str ", "!!timestamp ", "!x ", "[", "]", "{", "}", ": ", "- ", "? ",
     "|", ">", "#", "'", '"', "\\", "%YAML 1.1\n", "---\n", "...\n", "<<: ", "\t", "~",
     "2024-13-40", "2024-05-01 25:61", "1e999", "0x", "-.inf", ".nan", "\u202e",
     "\x00", "\x85", "\ufeff", "yes", "null", "9" * 30, "[::1", "https://[::1", "\n", "  "]
)  # fmt: skip
KEYS = st.sampled_from(
    ["title", "date", "updated", "tags", "categories", "slug", "url", "aliases", "draft",
     "comments", "summary", "description", "template", "toc", "id", "extra", "author",
     "base_url", "timezone", "permalink", "posts_per_page", "theme", "feeds", "language",
     "taxonomies", "params"]
)  # fmt: skip
# Text as a file gives it: decoded UTF-8 holds no lone surrogates (those are only
# reachable as JSON's \ud800 escapes, generated below).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def yaml_value() -> st.SearchStrategy[str]:
    return st.lists(st.one_of(YAML_BITS, TEXT), max_size=8).map("".join)


def yaml_document() -> st.SearchStrategy[str]:
    line = st.tuples(st.sampled_from(["", "  ", "    "]), KEYS, yaml_value()).map(
        lambda parts: f"{parts[0]}{parts[1]}: {parts[2]}"
    )
    return st.one_of(
        st.lists(line, max_size=12).map("\n".join),
        st.lists(st.one_of(YAML_BITS, TEXT), max_size=20).map("".join),
    )


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-site")
    (root / "site.yaml").write_text(SITE_YAML)
    (root / "content/posts").mkdir(parents=True)
    return root


@given(front=yaml_document(), body=TEXT)
@example(front="tags: &a [*a]", body="")
@example(front="updated: !!timestamp 2026-1", body="")
@example(front="a: &a [x,x]\nb: &b [*a,*a]\nc: [*b,*b]", body="")
def test_front_matter_never_crashes(site_root: Path, front: str, body: str) -> None:
    config = load_config(site_root)
    source = source_from_text(
        Kind.POST, "content/posts/fuzz.md", "fuzz", f"---\n{front}\n---\n{body}"
    )
    try:
        parse_document(source, config)
    except SiteError as exc:
        assert all(p.path == "content/posts/fuzz.md" for p in exc.problems), exc


@given(text=yaml_document())
@example(text="base_url: https://[::1")
@example(text="title: x\nbase_url: https://x.example\ntimezone: \x00")
def test_site_yaml_never_crashes(site_root: Path, text: str) -> None:
    with contextlib.suppress(SiteError):
        parse_config(text, "site.yaml", site_root)


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.sampled_from(["2024-05-01T10:00:00Z", "0001-01-01T00:00:00+05:00",
                     "9999-12-31T23:59:59-05:00", "2024-02-30T00:00:00Z", "c1", "post", ""]),
)  # fmt: skip
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FEED_FIELDS = st.sampled_from(
    ["id", "post", "parent", "author", "website", "body", "created", "by_author", "avatar",
     "removed", "extra"]
)  # fmt: skip
FEED_ITEM = st.dictionaries(FEED_FIELDS, JSON_VALUES, max_size=11)


def feed_texts() -> st.SearchStrategy[str]:
    structured = st.lists(FEED_ITEM, max_size=6).map(
        lambda items: json.dumps({"version": 1, "comments": items})
    )
    raw = st.lists(
        st.one_of(
            st.sampled_from(['{"version": 1, "comments": [', "[", "]", "{", "}", ",", ":",
                             '"id"', "9" * 5000, "1e999", "NaN", "-Infinity", '"\\ud800"',
                             "[" * 2000, '"created": "0001-01-01T00:00:00+05:00"']),
            TEXT,
        ),
        max_size=10,
    ).map("".join)  # fmt: skip
    return st.one_of(structured, raw)


@given(text=feed_texts())
@example(text='{"version": 1, "comments": [' + "[" * 100_000 + "]}")
@example(text='{"version": 1, "comments": [' + "9" * 5000 + "]}")
def test_comments_json_never_crashes(text: str) -> None:
    try:
        comments = parse_feed(text, "comments.json")
    except SiteError:
        return
    merge_comments(comments, {c.post for c in comments}, 5, "comments.json")
    for comment in comments:
        render_comment_body(comment.body)
        safe_website(comment.website)


XML_BITS = st.sampled_from(
    ['<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="x-nope"?>',
     "<rss>", "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<title>", "</title>",
     "<link>", "</link>", "<wp:post_type>post</wp:post_type>", "<wp:status>publish</wp:status>",
     "<wp:post_date_gmt>", "</wp:post_date_gmt>", "2020-13-45 99:99:99", "<content:encoded>",
     "</content:encoded>", "<![CDATA[", "]]>", "<wp:comment>", "</wp:comment>",
     "<wp:comment_content>", "</wp:comment_content>", "<wp:comment_parent>7</wp:comment_parent>",
     "<thread", "</thread>", "<post", "</post>", ' dsq:id="1"', ">", "<message>", "</message>",
     "<createdAt>", "</createdAt>", "<disqus>", "</disqus>", "&amp;", "&#0;", "&bogus;",
     "<!DOCTYPE x>", "http://[::1", "<a href='javascript:x'>", "<img src=x>", "\x00", "\ud800"]
)  # fmt: skip
WXR_HEAD = (
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>'
)
DISQUS_HEAD = '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'


def xml_bytes(head: str, tail: str) -> st.SearchStrategy[bytes]:
    inner = st.lists(st.one_of(XML_BITS, TEXT), max_size=25).map("".join)
    return st.one_of(
        inner.map(lambda text: (head + text + tail).encode("utf-8", "surrogatepass")),
        inner.map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.binary(max_size=200),
    )


@given(data=xml_bytes(WXR_HEAD, "</channel></rss>"))
def test_wxr_never_crashes(site_root: Path, data: bytes) -> None:
    config = load_config(site_root)
    with contextlib.suppress(SiteError):
        plan_wordpress(parse_wxr(data, "export.xml"), config, {}, "export.xml")


@given(data=xml_bytes(DISQUS_HEAD, "</disqus>"))
def test_disqus_never_crashes(site_root: Path, data: bytes) -> None:
    config = load_config(site_root)
    with contextlib.suppress(SiteError):
        plan_disqus(parse_disqus(data, "disqus.xml"), config, {}, "disqus.xml")


FORM_FIELDS = st.sampled_from(
    ["post", "parent", "name", "email", "website", "body", "homepage", "token", "x"]
)
FIELD_TEXT = st.one_of(
    TEXT,
    st.sampled_from(["hello", "\u200b", "\u202e", "http://[::1", "javascript:x", "a@b.c",
                     "x" * 300, "\ud800", "%ff", "%00", "&", "="]),
)  # fmt: skip


def bodies() -> st.SearchStrategy[tuple[str, bytes]]:
    form = st.lists(st.tuples(FORM_FIELDS, FIELD_TEXT), max_size=8).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass")
    )
    as_json = st.dictionaries(FORM_FIELDS, st.one_of(FIELD_TEXT, JSON_VALUES), max_size=8).map(
        lambda fields: json.dumps(fields).encode()
    )
    return st.one_of(
        st.tuples(st.just("application/x-www-form-urlencoded"), st.one_of(form, st.binary())),
        st.tuples(st.just("application/json"), st.one_of(as_json, feed_texts().map(str.encode))),
    )


@given(body=bodies())
def test_the_intake_functions_never_crash(body: tuple[str, bytes]) -> None:
    mimetype, data = body
    try:
        fields = decode_body(mimetype, None, data)
    except RequestProblem as exc:
        assert 400 <= exc.status < 500
        return
    read_submission(fields)


@pytest.fixture(scope="module")
def wsgi(tmp_path_factory: pytest.TempPathFactory) -> WsgiClient:
    config = make_site(tmp_path_factory.mktemp("fuzz-service") / "site",
                       service="rate_per_minute: 100000\nrate_per_hour: 100000")  # fmt: skip
    return WsgiClient(create_app(config))


@given(
    body=bodies(),
    origin=st.sampled_from([None, "https://essays.example", "null", "x"]),
    accept=st.sampled_from(["text/html", "application/json"]),
)
def test_the_service_answers_every_body_without_a_500(
    wsgi: WsgiClient, body: tuple[str, bytes], origin: str | None, accept: str
) -> None:
    mimetype, data = body
    headers = {"Origin": origin} if origin else {}
    response = wsgi.post(
        "/api/comments", data=data, content_type=mimetype, headers=headers,
        environ_overrides={"HTTP_ACCEPT": accept},
    )  # fmt: skip
    assert response.status_code < 500, response.get_data(as_text=True)


@given(query=st.text(alphabet=string.printable + "\u202e\ud7ff%", max_size=60))
def test_token_and_thanks_pages_never_500(wsgi: WsgiClient, query: str) -> None:
    for path in ("/api/comments/token", "/api/comments/thanks"):
        response = wsgi.get(path, query_string={"post": query, "id": query})
        assert response.status_code < 500


# -- crashes fuzzing found, kept with the message they give now ---------------------------

FUZZ_FIXTURES = sorted(FIXTURES.glob("fuzz-*.json"))


def _fixture_cases() -> list[Any]:
    return [pytest.param(path, id=path.stem) for path in FUZZ_FIXTURES]


@pytest.mark.parametrize("path", _fixture_cases())
def test_every_fuzz_fixture_gives_its_message(path: Path, site_root: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    parser, text, expected = case["parser"], case["input"], case["message"]
    assert _message(parser, text, load_config(site_root)) == expected


def _message(parser: str, text: str, config: Any) -> str:
    """What the parser named in a fixture says about its input."""
    try:
        if parser == "front matter":
            parse_document(
                source_from_text(Kind.POST, "content/posts/fuzz.md", "fuzz", text), config
            )
        elif parser == "site.yaml":
            parse_config(text, "site.yaml", config.root)
        elif parser == "comments.json":
            parse_feed(text, "comments.json")
        elif parser == "wordpress":
            plan_wordpress(parse_wxr(text.encode(), "export.xml"), config, {}, "export.xml")
        elif parser == "disqus":
            plan_disqus(parse_disqus(text.encode(), "export.xml"), config, {}, "export.xml")
        elif parser in ("intake form", "intake json"):
            kind = (
                "application/x-www-form-urlencoded"
                if parser == "intake form"
                else "application/json"
            )
            _submission, problems = read_submission(decode_body(kind, None, text.encode()))
            field = "website" if "website" in problems else next(iter(problems))
            return f"{field}: {problems[field]}"
        else:
            raise AssertionError(f"unknown parser {parser}")
    except SiteError as exc:
        return str(exc)
    except RequestProblem as exc:
        return f"{exc.status}: {exc.message}"
    return "(no error)"
