"""The build's engagement steps end to end: the search step after the write (Pagefind
and the FTS5 index; skipped when no essay or page changed; timed apart), related
essays, series pages and feeds, like counts from the feed."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from generator.build.pipeline import BuildOptions, build_site
from generator.contract.search_index import search
from tests.htmldom import parse_html

OPTIONS = BuildOptions(now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))  # after the sample's essays
ESSAY = "output/2026/10/the-alliance/index.html"


def page(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def set_yaml(site: Path, text: str) -> None:
    (site / "site.yaml").write_text(page(site, "site.yaml") + text, encoding="utf-8")


def test_the_search_step_runs_after_the_write_and_only_when_pages_change(
    sample_site: Path,
) -> None:
    first = build_site(sample_site, OPTIONS)
    assert first.search is not None and first.search.done and first.search.records == 5
    assert "search" in first.timings and first.timings["search"] > 0
    assert "; search index of 5 pages made in" in first.summary()
    bundle = sample_site / "output" / "pagefind"
    assert (bundle / "pagefind.js").is_file()
    assert not list(bundle.glob("pagefind-ui*"))  # the theme has its own search page
    index = sample_site / ".salon" / "search.sqlite3"
    total, hits = search(index, "textures")  # a word of one essay's body only
    assert total == 1 and hits[0].url == "/2026/09/silence-in-the-room/"
    assert search(index, "supervisor")[0] >= 1

    # A comment changes no essay's text: the indexes are kept as they are.
    feed = json.loads(page(sample_site, "comments.json"))
    feed["comments"][0]["body"] = "An edited comment, with other words."
    (sample_site / "comments.json").write_text(json.dumps(feed), encoding="utf-8")
    stamp = (bundle / "pagefind.js").stat().st_mtime_ns
    again = build_site(sample_site, OPTIONS)
    assert again.report.written > 0 and again.search is None
    assert "search" not in again.timings
    assert (bundle / "pagefind.js").stat().st_mtime_ns == stamp

    # An essay's new word is found after the next build.
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nMarmalade.\n")
    edited = build_site(sample_site, OPTIONS)
    assert edited.search is not None and edited.search.done
    assert search(index, "marmalade")[0] == 1


def test_a_missing_pagefind_is_a_warning_and_the_next_build_tries_again(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(sample_site / "no-such-pagefind"))
    result = build_site(sample_site, OPTIONS)
    assert (sample_site / ESSAY).is_file()  # the site itself is built
    assert any("Pagefind is not installed" in str(w) for w in result.warnings)
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    again = build_site(sample_site, OPTIONS)
    assert again.search is not None and again.search.done
    assert (sample_site / "output/pagefind/pagefind.js").is_file()


def test_search_can_be_turned_off_whole_or_without_pagefind(sample_site: Path) -> None:
    build_site(sample_site, OPTIONS)
    set_yaml(sample_site, "search:\n  pagefind: false\n")
    build_site(sample_site, OPTIONS)
    assert not (sample_site / "output/pagefind").exists()  # the old bundle is gone
    assert (sample_site / ".salon/search.sqlite3").is_file()
    doc = parse_html(page(sample_site, ESSAY))
    form = doc.one("form", class_="search-form")
    assert form.get("action") == "/api/comments/search" and form.get("data-static") is None
    assert "search.js" not in page(sample_site, "output/search/index.html")

    text = page(sample_site, "site.yaml").replace("  pagefind: false\n", "  enabled: false\n")
    (sample_site / "site.yaml").write_text(text, encoding="utf-8")
    build_site(sample_site, OPTIONS)
    assert not (sample_site / "output/search").exists()
    assert parse_html(page(sample_site, ESSAY)).find("form", class_="search-form") is None


def test_related_essays_series_and_their_pages(sample_site: Path) -> None:
    build_site(sample_site, OPTIONS)
    doc = parse_html(page(sample_site, ESSAY))
    related = doc.one("section", class_="related")
    assert related.one("h2").text == "Related essays"
    links = [a.get("href") for a in related.find_all("a")]
    assert len(links) == 3 and "/2026/10/the-alliance/" not in links
    # "On Silence" shares a tag and the category (3 + 2), the others a tag each.
    assert links[0] == "/2026/09/silence-in-the-room/"
    series = doc.one("nav", class_="series-nav")
    assert series.text.startswith("Part 1 of 2 in The Therapeutic Relationship")
    listing = parse_html(page(sample_site, "output/series/the-therapeutic-relationship/index.html"))
    assert [a.text for a in listing.one("ol", class_="series-parts").find_all("a")] == [
        "Psychology: The Alliance Is the Treatment", "Endings Are Part of the Work"]  # fmt: skip
    feed = feedparser.parse(
        page(sample_site, "output/series/the-therapeutic-relationship/feed.xml")
    )
    assert not feed.bozo and len(feed.entries) == 2

    # `related:` chooses by hand; a reference to no essay names the file.
    essay = sample_site / "content/posts/the-alliance.md"
    text = page(sample_site, "content/posts/the-alliance.md")
    essay.write_text(text.replace("series_order: 1\n", "series_order: 1\nrelated: [endings]\n"))
    build_site(sample_site, OPTIONS)
    related = parse_html(page(sample_site, ESSAY)).one("section", class_="related")
    assert [a.get("href") for a in related.find_all("a")] == ["/2026/07/endings/"]
    essay.write_text(text.replace("series_order: 1\n", "series_order: 1\nrelated: [nowhere]\n"))
    from generator.core.errors import SiteError

    with pytest.raises(SiteError) as caught:
        build_site(sample_site, OPTIONS)
    assert str(caught.value.problems[0]) == (
        'content/posts/the-alliance.md: related: no essay with the key or URL "nowhere"'
    )


def test_an_edit_that_keeps_every_essays_words_reads_none_of_them(
    sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.build.cache import BuildCache

    build_site(sample_site, OPTIONS)
    tables: list[str] = []
    get_many = BuildCache.get_many

    def counted(self: BuildCache, table: str, keys: Any, snapshot: bool = False) -> dict[str, Any]:
        tables.append(table)
        return get_many(self, table, keys, snapshot)

    monkeypatch.setattr(BuildCache, "get_many", counted)
    kept = json.loads(page(sample_site, ".salon/related.json"))
    answer, stamp = kept["answer"], (sample_site / ".salon/related.json").stat().st_mtime_ns
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(essay.read_text(encoding="utf-8") + "\n\n---\n", encoding="utf-8")
    assert build_site(sample_site, OPTIONS).report.written >= 1  # a rule added: no new word
    assert "words" not in tables  # and nothing computed: the last answer still holds
    assert (sample_site / ".salon/related.json").stat().st_mtime_ns == stamp
    assert json.loads(page(sample_site, ".salon/related.json"))["answer"] == answer

    # New words: read from the cache for the other essays, and the answer is the one a
    # build from nothing gives.
    words = " ".join(["silence", "quiet", "pause"] * 40)
    essay.write_text(essay.read_text(encoding="utf-8") + f"\n{words}\n", encoding="utf-8")
    build_site(sample_site, OPTIONS)
    assert "words" in tables
    fresh = tmp_path / "fresh"
    shutil.copytree(sample_site, fresh, ignore=shutil.ignore_patterns("output", ".salon"))
    build_site(fresh, OPTIONS)
    updated = json.loads(page(sample_site, ".salon/related.json"))
    assert updated["answer"] == json.loads(page(fresh, ".salon/related.json"))["answer"]
    assert updated["items"]["endings"] != kept["items"]["endings"]  # its inputs changed
    assert page(sample_site, ESSAY) == page(fresh, ESSAY)


def test_related_essays_can_be_turned_off(sample_site: Path) -> None:
    set_yaml(sample_site, "related:\n  enabled: false\n")
    build_site(sample_site, OPTIONS)
    assert parse_html(page(sample_site, ESSAY)).find("section", class_="related") is None


def test_like_counts_from_the_feed_reach_the_page_and_listings(sample_site: Path) -> None:
    feed = json.loads(page(sample_site, "comments.json"))
    feed["likes"] = {"the-alliance": 12, "endings": 1}
    (sample_site / "comments.json").write_text(json.dumps(feed), encoding="utf-8")
    build_site(sample_site, OPTIONS)
    doc = parse_html(page(sample_site, ESSAY))
    assert doc.one("span", class_="like-count").text.strip() == "12 readers liked this"
    assert doc.one("form", class_="like-form").get("action") == "/api/comments/like"
    home = page(sample_site, "output/index.html")
    assert "12 readers liked this" in home and "One reader liked this" in home  # on_listings
    manifest = json.loads(page(sample_site, ".salon/posts.json"))
    assert all(post["likes"] for post in manifest["posts"].values())


def test_likes_and_share_links_can_be_turned_off_per_essay(sample_site: Path) -> None:
    essay = sample_site / "content/posts/the-alliance.md"
    text = page(sample_site, "content/posts/the-alliance.md")
    essay.write_text(
        text.replace("series_order: 1\n", "series_order: 1\nlikes: false\nshare: false\n")
    )
    build_site(sample_site, OPTIONS)
    doc = parse_html(page(sample_site, ESSAY))
    assert doc.find("form", class_="like-form") is None
    assert doc.find("nav", class_="share") is None
    manifest = json.loads(page(sample_site, ".salon/posts.json"))
    assert manifest["posts"]["the-alliance"]["likes"] is False
    other = parse_html(page(sample_site, "output/2026/07/endings/index.html"))
    assert other.find("form", class_="like-form") is not None


def test_the_bundle_is_swapped_whole(sample_site: Path) -> None:
    build_site(sample_site, OPTIONS)
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nQuince.\n")
    build_site(sample_site, OPTIONS)
    output = sample_site / "output"
    assert not [name for name in os.listdir(output) if name.startswith(".pagefind")]
    assert not (sample_site / ".salon" / "pagefind").exists()  # moved into place


def test_a_deleted_index_is_made_again_by_the_next_build(sample_site: Path) -> None:
    build_site(sample_site, OPTIONS)
    (sample_site / ".salon" / "search.sqlite3").unlink()
    again = build_site(sample_site, OPTIONS)  # nothing else changed
    assert again.search is not None and again.search.done
    assert (sample_site / ".salon" / "search.sqlite3").is_file()


def test_a_drafts_preview_never_reaches_the_services_search_index(
    sample_site: Path, tmp_path: Path
) -> None:
    build_site(sample_site, OPTIONS)
    index = sample_site / ".salon" / "search.sqlite3"
    before = index.read_bytes()
    draft = sample_site / "content/posts/unsent.md"
    draft.write_text(
        "---\ntitle: Unsent\ndate: 2026-11-01\ndraft: true\n---\nA quinceblossom letter.\n",
        encoding="utf-8",
    )
    preview = tmp_path / "preview"
    result = build_site(sample_site, BuildOptions(now=OPTIONS.now, drafts=True, output=preview))
    assert result.search is not None and result.search.done and result.search.records == 6
    assert (preview / "pagefind" / "pagefind.js").is_file()  # the preview's own bundle
    assert index.read_bytes() == before  # the service's index is the build of output/'s
    assert search(index, "quinceblossom")[0] == 0
    (own,) = (sample_site / ".salon" / "builds").glob("*/search.sqlite3")
    assert search(own, "quinceblossom")[0] == 1


def test_an_edit_counts_the_words_of_the_edited_essay_only(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An essay's words are counted with its document (cached by its source), so an edit
    counts one essay's words, and a new version of Salon counts them once, not every build."""
    import generator.build.content as content

    build_site(sample_site, OPTIONS)
    counted: list[str] = []
    real = content.top_terms

    def counting(text: str) -> dict[str, int]:
        counted.append(text)
        return real(text)

    monkeypatch.setattr(content, "top_terms", counting)
    essay = sample_site / "content/posts/the-alliance.md"
    essay.write_text(page(sample_site, "content/posts/the-alliance.md") + "\nOne more line.\n")
    build_site(sample_site, OPTIONS)
    assert len(counted) == 1 and counted[0].endswith("One more line.\n")
    cache = json.loads(page(sample_site, ".salon/related.json"))
    assert "terms" not in cache  # the words live with the documents
    from generator.build.related_update import CACHE_VERSION

    assert cache["version"] == CACHE_VERSION and cache["answer"]


def _files(folder: Path) -> dict[str, os.stat_result]:
    return {p.relative_to(folder).as_posix(): p.stat() for p in folder.rglob("*") if p.is_file()}


def test_an_edit_links_the_bundles_unchanged_files_and_makes_the_same_bundle(
    sample_site: Path, tmp_path: Path
) -> None:
    """After an edit the new bundle links every file whose bytes are the published
    one's (no bytes written, no new inode, its time kept for `salon deploy`), writes the
    others, and is byte for byte the bundle Pagefind makes from nothing."""
    build_site(sample_site, OPTIONS)
    bundle = sample_site / "output" / "pagefind"
    before = _files(bundle)
    # In the part the edit makes again (its essay's year), an unchanged file replaced by a
    # link to a copy outside the bundle: never linked to.
    fragment = next(name for name in before if name.startswith("parts/2026/fragment/"))
    outside = tmp_path / "outside.pf_fragment"
    outside.write_bytes((bundle / fragment).read_bytes())
    (bundle / fragment).unlink()
    (bundle / fragment).symlink_to(outside)
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nMarmalade quince.\n")
    edited = build_site(sample_site, OPTIONS)
    assert edited.search is not None and edited.search.done
    after = _files(bundle)
    kept = [n for n in after if n in before and after[n].st_ino == before[n].st_ino]
    assert len(kept) >= len(after) // 2 and fragment not in kept, (len(kept), len(after))
    assert all(after[n].st_mtime_ns == before[n].st_mtime_ns for n in kept)
    assert after[fragment].st_ino != outside.stat().st_ino  # written, not linked outside
    assert not (bundle / fragment).is_symlink()
    changed = [n for n in after if n not in kept]
    assert any(n.startswith("parts/2026/fragment/") for n in changed)  # the edited essay's
    assert not any(n.startswith("parts/pages/") for n in changed)  # a part left as it was
    linked = {n: (bundle / n).read_bytes() for n in after}

    # The same records indexed from nothing give the same files, byte for byte.
    fresh = tmp_path / "fresh"
    shutil.copytree(sample_site, fresh, symlinks=True)
    shutil.rmtree(fresh / "output" / "pagefind")
    (fresh / ".salon" / "search.json").unlink()
    assert build_site(fresh, OPTIONS).search is not None
    made = fresh / "output" / "pagefind"
    assert {n: (made / n).read_bytes() for n in _files(made)} == linked


def _index_rows(site: Path) -> list[tuple[str, ...]]:
    import sqlite3

    db = sqlite3.connect(site / ".salon" / "search.sqlite3")
    try:
        return db.execute("SELECT url, title, kind, date, text FROM docs ORDER BY url").fetchall()
    finally:
        db.close()


def test_an_edit_makes_the_search_text_of_the_edited_essay_only(
    sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records' texts are kept in the build cache by their source: after an edit the
    edited essay's text alone is made from its HTML, and the index holds what an index
    made from nothing holds."""
    import generator.build.engagement as engagement

    build_site(sample_site, OPTIONS)
    made: list[str] = []
    real = engagement.html_text
    monkeypatch.setattr(engagement, "html_text", lambda html: made.append(html) or real(html))
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nMarmalade.\n")
    edited = build_site(sample_site, OPTIONS)
    assert edited.search is not None and edited.search.done and edited.search.records == 5
    assert len(made) == 1 and "Marmalade" in made[0]
    index = sample_site / ".salon" / "search.sqlite3"
    assert search(index, "marmalade")[0] == 1
    assert search(index, "textures")[1][0].url == "/2026/09/silence-in-the-room/"  # kept text

    fresh = tmp_path / "fresh"
    shutil.copytree(sample_site, fresh, symlinks=True)
    for name in ("cache.sqlite3", "cache.sqlite3-wal", "cache.sqlite3-shm", "search.json"):
        (fresh / ".salon" / name).unlink(missing_ok=True)
    made.clear()
    assert build_site(fresh, OPTIONS).search is not None
    assert len(made) == 5  # every text made: no cache
    assert _index_rows(fresh) == _index_rows(sample_site)


def test_an_edit_indexes_again_only_the_part_of_its_essay(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundle is one index a year of essays and one for the pages, merged by the
    search page (parts.json): an edit sends Pagefind the records of its essay's year."""
    import generator.build.search_pagefind as pagefind

    build_site(sample_site, OPTIONS)
    bundle = sample_site / "output" / "pagefind"
    listed = json.loads((bundle / "parts.json").read_text(encoding="utf-8"))
    assert listed["merge"] == ["parts/2026/"]  # the pages' part is the top
    assert set(listed["digests"]) == {"2026", "pages"}
    assert (bundle / "parts/2026/pagefind-entry.json").is_file()
    assert (bundle / "pagefind.js").samefile(bundle / "parts/pages/pagefind.js")
    sent: list[str] = []
    real = pagefind.PagefindProcess.send

    def noting(self: pagefind.PagefindProcess, payload: dict[str, Any]) -> None:
        sent.append(str(payload["type"]) + (f" {payload['url']}" if "url" in payload else ""))
        real(self, payload)

    monkeypatch.setattr(pagefind.PagefindProcess, "send", noting)
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nMarmalade.\n")
    assert build_site(sample_site, OPTIONS).search is not None
    added = [s.split(" ", 1)[1] for s in sent if s.startswith("AddRecord")]
    assert sent.count("NewIndex") == 1 and added and all(u.startswith("/2026/") for u in added)
    assert search(sample_site / ".salon" / "search.sqlite3", "marmalade")[0] == 1
    # A page edited: only the pages' part, which is also the top.
    sent.clear()
    about = sample_site / "content/pages/about.md"
    about.write_text(page(sample_site, "content/pages/about.md") + "\nQuince.\n")
    assert build_site(sample_site, OPTIONS).search is not None
    added = [s.split(" ", 1)[1] for s in sent if s.startswith("AddRecord")]
    assert sent.count("NewIndex") == 1 and added and not any(u.startswith("/2026/") for u in added)
    assert (bundle / "pagefind.js").samefile(bundle / "parts/pages/pagefind.js")


def test_another_pagefind_makes_every_part_again(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part is kept only if what made it is what would make it now: after an upgrade of
    Pagefind (or of Salon, or another language) the parts of the old one are not merged
    with parts of the new."""
    import generator.build.search_pagefind as pagefind

    build_site(sample_site, OPTIONS)
    made: list[str] = []
    real = pagefind._index_parts

    def noting(*args: Any) -> None:
        made.extend(sorted(args[4]))
        real(*args)

    monkeypatch.setattr(pagefind, "_index_parts", noting)
    monkeypatch.setattr(pagefind, "_maker", lambda executable, language: "pagefind 9.9")
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nMarmalade.\n")
    assert build_site(sample_site, OPTIONS).search is not None
    assert made == ["2026", "pages"]


def test_an_edit_reads_back_only_the_texts_it_indexes_again(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Texts the build cache keeps are spooled without them (record_spool.py): after an
    essay is edited, the search step reads back the texts of the other essays of its year,
    which Pagefind indexes again, and no other; the FTS5 index needs none of them."""
    import generator.build.engagement as engagement

    build_site(sample_site, OPTIONS)
    asked: list[str] = []
    real = engagement._texts_kept

    def noting(path: Path | None, keys: Any) -> dict[str, str]:
        asked.extend(keys)
        return real(path, keys)

    monkeypatch.setattr(engagement, "_texts_kept", noting)
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nMarmalade.\n")
    assert build_site(sample_site, OPTIONS).search is not None
    assert len(asked) == len(set(asked)) == 3  # the year's three other essays, for Pagefind
    index = sample_site / ".salon" / "search.sqlite3"
    assert search(index, "marmalade")[0] == 1
    assert search(index, "textures")[1][0].url == "/2026/09/silence-in-the-room/"  # kept text

    set_yaml(sample_site, "search:\n  pagefind: false\n")
    build_site(sample_site, OPTIONS)
    asked.clear()
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nQuince.\n")
    assert build_site(sample_site, OPTIONS).search is not None
    assert asked == []  # the FTS5 index alone: only the edited essay's row, made fresh
    assert search(index, "quince")[0] == 1 and search(index, "textures")[0] == 1


def test_a_text_the_cache_lost_is_a_warning_and_the_next_build_makes_it(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text held back that the cache no longer has when an index needs it: the search
    step says so and is not recorded as done, and the next build makes the text again."""
    import generator.build.engagement as engagement

    build_site(sample_site, OPTIONS)
    monkeypatch.setattr(engagement, "_texts_kept", lambda path, keys: {})
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\nMarmalade.\n")
    result = build_site(sample_site, OPTIONS)
    assert any("build cache lost the text of" in str(w) for w in result.warnings)
    monkeypatch.undo()
    db = sqlite3.connect(sample_site / ".salon" / "cache.sqlite3")
    db.execute("DELETE FROM search_texts")
    db.commit()
    db.close()
    again = build_site(sample_site, OPTIONS)
    assert again.search is not None and again.search.done
    assert not any("lost the text" in str(w) for w in again.warnings)
    assert search(sample_site / ".salon" / "search.sqlite3", "marmalade")[0] == 1


def test_an_edit_that_keeps_an_essays_text_indexes_nothing_again(
    sample_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record's digest is its text's: a line added at the end of an essay changes its
    source but not its text, so no Pagefind part is made again and parts.json is kept."""
    import generator.build.search_pagefind as pagefind

    build_site(sample_site, OPTIONS)
    listed = (sample_site / "output/pagefind/parts.json").read_bytes()
    made: list[str] = []
    real = pagefind._index_parts
    monkeypatch.setattr(pagefind, "_index_parts", lambda *a, **k: made.append("x") or real(*a, **k))
    essay = sample_site / "content/posts/endings.md"
    essay.write_text(page(sample_site, "content/posts/endings.md") + "\n\n")
    assert build_site(sample_site, OPTIONS).search is not None  # its source changed
    assert made == [] and (sample_site / "output/pagefind/parts.json").read_bytes() == listed


def test_a_published_part_is_linked_only_when_it_holds_plain_files(tmp_path: Path) -> None:
    """search_pagefind._plain_files: a part's files, or None when anything in it is a
    symbolic link (a file or a folder) or its entry file is missing."""
    from generator.build.search_pagefind import _plain_files

    part = tmp_path / "part"
    (part / "fragment").mkdir(parents=True)
    (part / "pagefind-entry.json").write_text("{}")
    (part / "fragment/a.pf_fragment").write_bytes(b"a")
    (part / "index/deep").mkdir(parents=True)
    (part / "index/deep/b.pf_index").write_bytes(b"b")
    assert sorted(_plain_files(part) or []) == [
        "fragment/a.pf_fragment", "index/deep/b.pf_index", "pagefind-entry.json"
    ]  # fmt: skip
    outside = tmp_path / "outside"
    outside.mkdir()
    (part / "fragment/link.pf_fragment").symlink_to(outside / "x")
    assert _plain_files(part) is None
    (part / "fragment/link.pf_fragment").unlink()
    (part / "index/linked").symlink_to(outside, target_is_directory=True)
    assert _plain_files(part) is None
    (part / "index/linked").unlink()
    assert _plain_files(part) is not None
    (part / "pagefind-entry.json").unlink()
    assert _plain_files(part) is None
