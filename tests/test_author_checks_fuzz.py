"""Fuzzing what an author feeds the new checks: links in Markdown, YAML values, key names."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build.content import KNOWN_KEYS
from generator.build.links import PageLinks, check_links, collect_links
from generator.build.markdown import author_markdown
from generator.core.config import parse_config
from generator.core.errors import SiteError
from generator.core.validate import near_miss
from generator.core.yamltext import parse_yaml

HREF = st.text(
    alphabet=st.sampled_from(list("/.#?%:@!&=+ab-_~ 0\x00\\\t\n\u00e9\u202e")), max_size=40
)


def _config(root: Path):  # type: ignore[no-untyped-def]
    return parse_config("title: T\nbase_url: https://x.example/blog\n", "site.yaml", root)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hrefs=st.lists(HREF, max_size=8), page=st.sampled_from(["/", "/a/b/", "/blog/x/"]))
def test_any_href_gives_a_warning_or_nothing_never_a_crash(
    tmp_path: Path, hrefs: list[str], page: str
) -> None:
    out = tmp_path / "output"
    (out / "a" / "b").mkdir(parents=True, exist_ok=True)
    (out / "a" / "b" / "index.html").write_text('<h1 id="x">X</h1>')
    links = tuple((href, n, n % 2 == 0) for n, href in enumerate(hrefs))
    problems = check_links(_config(tmp_path), [PageLinks("content/posts/p.md", page, 5, links)])
    assert all(p.path == "content/posts/p.md" and (p.line or 0) >= 5 for p in problems)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("[]()<>!'\"=/ahrefsc \n#*-`")), max_size=80))
def test_collect_links_takes_any_markdown(text: str) -> None:
    tokens = author_markdown().parse(text, {})
    for href, line, image in collect_links(tokens):
        assert isinstance(href, str) and 0 <= line <= text.count("\n") + 1
        assert isinstance(image, bool)


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=30))
def test_yaml_hints_never_crash(value: str) -> None:
    try:
        parse_yaml(f"title: {value}\ndate: 2024-01-01\n", "x.md", 1)
    except SiteError as exc:
        assert all(p.path == "x.md" for p in exc.problems)


@settings(deadline=None)
@given(key=st.text(max_size=20))
def test_near_miss_takes_any_key(key: str) -> None:
    found = near_miss(key, KNOWN_KEYS)
    assert found is None or found in KNOWN_KEYS
