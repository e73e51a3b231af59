"""`partial_cached` (build/partial_cache.py): a listing's summaries rendered once per
essay and build, the same bytes as `include`, and every page that shows a kept summary
still follows what it shows of the essay's text."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest

from generator.build import body_reads, execute
from generator.build.jobs import FileJob, PageJob
from generator.build.partial_cache import PartialCache, clear_partials, install_partial_cache
from generator.build.pipeline import BuildOptions, build_site

from .conftest import FIXED_NOW, SITES

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=1)
ESSAY = "content/posts/essay-3.md"
OPENING = "The opening paragraph of essay 3"
# Every listing that shows essay 3's summary (posts_per_page: 2, five essays).
LISTINGS = {
    "page/2/index.html", "tags/common/page/2/index.html", "tags/tag-3/index.html",
    "categories/psychology/index.html", "2024/03/index.html", "2024/page/2/index.html",
}  # fmt: skip


def _site(tmp_path: Path, templates: dict[str, str] | None = None) -> Path:
    site = tmp_path / "site"
    shutil.copytree(SITES / "incremental", site)
    for name, text in (templates or {}).items():
        path = site / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return site


def _shown(site: Path, relative: str) -> str:
    return (site / "output" / relative).read_text(encoding="utf-8")


def _as_included() -> dict[str, str]:
    """The default theme's listings as they were, with `include` (no kept summaries)."""
    default = Path(__file__).parent.parent / "generator/themes/default/templates"
    cached = '{{ partial_cached("partials/summary.html", entry=entry, listing=true) -}}\n'
    templates = {}
    for name in ("index.html", "term.html", "archive.html"):
        text = (default / name).read_text(encoding="utf-8")
        assert cached in text
        templates[name] = text.replace(cached, '{% include "partials/summary.html" %}\n')
    return templates


def test_kept_summaries_are_the_bytes_include_gives(tmp_path: Path) -> None:
    kept = _site(tmp_path / "kept")
    build_site(kept, OPTIONS)
    included = _site(tmp_path / "included", _as_included())
    build_site(included, OPTIONS)
    for listing in LISTINGS | {"index.html"}:
        assert _shown(kept, listing) == _shown(included, listing), listing
    for listing in LISTINGS:
        assert OPENING in _shown(kept, listing), listing


def test_every_listing_showing_a_kept_summary_follows_its_excerpt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary is rendered for the first listing and kept for the others; each of
    them read the excerpt all the same, so an edit of it makes every one again."""
    site = _site(tmp_path)
    build_site(site, OPTIONS)
    made: set[str] = set()
    render = execute.PageRenderer.render

    def counted(self: execute.PageRenderer, job: PageJob | FileJob) -> bytes:
        made.add(job.path)
        return render(self, job)

    essay = site / ESSAY
    essay.write_text(
        essay.read_text(encoding="utf-8").replace(OPENING, "A new opening of essay 3"),
        encoding="utf-8",
    )
    monkeypatch.setattr(execute.PageRenderer, "render", counted)
    build_site(site, OPTIONS)
    assert made >= LISTINGS
    for listing in LISTINGS:
        assert "A new opening of essay 3" in _shown(site, listing), listing
        assert OPENING not in _shown(site, listing), listing


def test_a_partial_reading_the_page_is_rendered_for_each_page(tmp_path: Path) -> None:
    """An older theme's post_meta.html reads `page`, which a kept partial does not see:
    that partial is rendered with the whole page's variables, every time, as `include`
    renders it."""
    meta = '<p class="post-meta">on {{ page.url }} for {{ entry.title }}</p>\n'
    site = _site(tmp_path, {"partials/post_meta.html": meta})
    build_site(site, OPTIONS)
    common = _shown(site, "tags/common/page/2/index.html")
    assert "on /tags/common/page/2/ for Essay number 3" in common
    assert "on /tags/tag-3/ for Essay number 3" in _shown(site, "tags/tag-3/index.html")


def _env(templates: dict[str, str]) -> tuple[jinja2.Environment, PartialCache]:
    env = jinja2.Environment(loader=jinja2.DictLoader(templates), undefined=jinja2.StrictUndefined,
                             autoescape=True)  # fmt: skip
    install_partial_cache(env)
    cache = env.globals["partial_cached"]
    assert isinstance(cache, PartialCache)
    return env, cache


class Item:
    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def excerpt(self) -> str:
        body_reads.body_read(self.name, "excerpt")
        return f"<{self.name}>"


def test_kept_by_identity_and_value_and_forgotten_when_cleared() -> None:
    env, cache = _env({
        "part": "{{ item.excerpt }}:{{ mark }}",
        "page": "{{ partial_cached('part', item=one, mark=m) }}|"
                "{{ partial_cached('part', item=two, mark=m) }}",
    })  # fmt: skip
    one, two = Item("one"), Item("two")
    page = env.get_template("page")
    assert page.render(one=one, two=two, m="a") == "&lt;one&gt;:a|&lt;two&gt;:a"
    assert len(cache.made) == 2
    assert page.render(one=one, two=two, m="b") == "&lt;one&gt;:b|&lt;two&gt;:b"
    assert len(cache.made) == 4
    body_reads.start()
    page.render(one=one, two=two, m="a")  # both kept: their reads counted all the same
    assert body_reads.taken() == (("one", "excerpt"), ("two", "excerpt"))
    clear_partials(env)
    assert not cache.made


def test_values_are_told_apart_by_type() -> None:
    env, cache = _env({"part": "{{ mark }}", "page": "{{ partial_cached('part', mark=m) }}"})
    page = env.get_template("page")
    assert [page.render(m=m) for m in (1, True, 1.0, "1")] == ["1", "True", "1.0", "1"]
    assert len(cache.made) == 4


def test_reads_before_a_failing_partial_are_still_counted() -> None:
    env, _ = _env({
        "part": "{{ item.excerpt }}{{ 1 // 0 }}",
        "page": "{{ one.excerpt }}{{ partial_cached('part', item=two) }}",
    })  # fmt: skip
    body_reads.start()
    with pytest.raises(ZeroDivisionError):
        env.get_template("page").render(one=Item("one"), two=Item("two"))
    assert body_reads.taken() == (("one", "excerpt"), ("two", "excerpt"))


def test_a_partial_reading_what_it_was_not_given_sees_the_page() -> None:
    env, cache = _env({
        "part": "{{ title }}/{{ item.name }}",
        "page": "{{ partial_cached('part', item=one) }}",
    })  # fmt: skip
    one = Item("one")
    assert env.get_template("page").render(one=one, title="A") == "A/one"
    assert env.get_template("page").render(one=one, title="B") == "B/one"
    assert cache.uncached == {"part"}


def test_a_mistake_in_a_kept_partial_is_still_reported() -> None:
    env, _ = _env({"part": "{{ item.nothing }}", "page": "{{ partial_cached('part', item=one) }}"})
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("page").render(one=Item("one"))
