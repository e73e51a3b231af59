"""The sample essay with its comments stays light: at most 50 KB of HTML, CSS and JS together,
one stylesheet, every script deferred, and everything worth reading present without script."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.sample import SAMPLE_ESSAY, built_sample

BUDGET_BYTES = 50 * 1024


class Assets(HTMLParser):
    """The stylesheets, scripts and comments a page holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stylesheets: list[str] = []
        self.scripts: list[dict[str, str]] = []
        self.comments = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        rel = values.get("rel", "").split()
        if tag == "link" and "stylesheet" in rel:
            self.stylesheets.append(values["href"])
        elif tag == "script":
            self.scripts.append(values)
        elif tag == "li" and "comment" in values.get("class", "").split():
            self.comments += 1


def local_file(output: Path, url: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith("/"), f"expected a root-relative URL, got {url!r}"
    return output / path.lstrip("/")


@pytest.fixture(scope="module")
def essay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Assets]:
    output = built_sample(tmp_path_factory.mktemp("weight") / "site")
    page = output / SAMPLE_ESSAY.strip("/") / "index.html"
    assets = Assets()
    assets.feed(page.read_text(encoding="utf-8"))
    return output, page, assets


def test_the_essay_with_its_comments_weighs_at_most_50_kb(
    essay: tuple[Path, Path, Assets],
) -> None:
    output, page, assets = essay
    files = [page]
    files += [local_file(output, href) for href in assets.stylesheets]
    files += [local_file(output, s["src"]) for s in assets.scripts if s.get("src")]
    sizes = {str(f.relative_to(output)): f.stat().st_size for f in files}
    total = sum(sizes.values())
    print(f"essay page weight: {total} bytes {sizes}")
    assert total <= BUDGET_BYTES, f"{total} bytes > {BUDGET_BYTES}: {sizes}"


def test_the_essay_uses_one_small_stylesheet(essay: tuple[Path, Path, Assets]) -> None:
    output, _, assets = essay
    assert len(assets.stylesheets) == 1, assets.stylesheets
    assert local_file(output, assets.stylesheets[0]).stat().st_size <= 24 * 1024
    assert sorted(p.name for p in output.rglob("*.css")) == ["style.css"]


def test_every_script_is_deferred_and_optional(essay: tuple[Path, Path, Assets]) -> None:
    _, _, assets = essay
    external = [s for s in assets.scripts if s.get("src")]
    assert external, "expected the optional enhancement script"
    for script in external:
        assert "defer" in script or "async" in script or script.get("type") == "module", script
    inline = [s for s in assets.scripts if not s.get("src")]
    assert all(s.get("type") == "application/ld+json" for s in inline), inline


def test_the_comments_are_in_the_html_itself(essay: tuple[Path, Path, Assets]) -> None:
    _, page, assets = essay
    assert assets.comments == 8
    text = page.read_text(encoding="utf-8")
    assert "8 thoughts on “Psychology: The Alliance Is the Treatment”" in text
    assert '<form class="comment-form" method="post"' in text
