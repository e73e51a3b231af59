"""Finding the images a document uses, with the lines they are on, and showing them as
<picture>: pure functions, checked with an HTML parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build.image_plan import ImageInfo, plan_image
from generator.build.image_refs import find_images, site_path
from generator.build.pictures import feed_images, picture_of, rewrite_images
from generator.core.config import parse_config
from generator.core.errors import SiteError
from generator.core.image_settings import ImagesConfig
from tests.htmldom import parse_html

BODY = """First paragraph.

![A hill at dawn](hill.jpg)

Text with an inline ![lake](../shared/lake%20one.png "Title") image
and a second line.

<figure><img src="/images/raw.jpg" alt=""><figcaption>Raw</figcaption></figure>

A line with <img src='inline.webp'> in it.

```
![not an image](code.jpg)
```
"""


def test_images_are_found_in_order_with_their_lines() -> None:
    refs = find_images(BODY, body_line=10)
    assert [(r.src, r.alt, r.line, r.raw_html) for r in refs] == [
        ("hill.jpg", "A hill at dawn", 12, False),
        ("../shared/lake%20one.png", "lake", 14, False),
        ("/images/raw.jpg", "", 17, True),
        ("inline.webp", None, 19, True),
    ]


def test_a_body_without_images_is_not_parsed_again() -> None:
    assert find_images("Just *words*, no pictures.\n", 5) == ()


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("hill.jpg", "/2024/05/essay/hill.jpg"),
        ("../shared/lake%20one.png", "/2024/05/shared/lake one.png"),
        ("/images/raw.jpg?v=2#x", "/images/raw.jpg"),
        ("https://example.com/a.jpg", None),
        ("//cdn.example.com/a.jpg", None),
        ("data:image/png;base64,AAAA", None),
    ],
)
def test_sources_resolve_against_the_page(src: str, expected: str | None) -> None:
    assert site_path(src, "/2024/05/essay/") == expected


def _picture(path: str = "2024/05/essay/hill.jpg", width: int = 2000) -> object:
    plan = plan_image(path, ImageInfo(width, width * 3 // 4, "jpeg"), ImagesConfig())
    return picture_of(plan, "/blog", ImagesConfig().formats)


def test_images_become_pictures_with_sizes_and_only_the_first_eager() -> None:
    pictures = {
        "/2024/05/essay/hill.jpg": _picture(),
        "/2024/05/essay/two.jpg": _picture("2024/05/essay/two.jpg", 900),
    }
    html = (
        '<p><img src="hill.jpg" alt="A &quot;hill&quot;" title="T"></p>'
        '<p><img src="two.jpg" alt="Two"></p><p><img src="https://x.example/y.jpg" alt="z"></p>'
    )
    out = rewrite_images(html, "/2024/05/essay/", pictures, "(min-width: 40rem) 36rem, 100vw",
                         featured="/2024/05/essay/two.jpg")  # fmt: skip
    dom = parse_html(out)
    pics = dom.find_all("picture")
    assert len(pics) == 2
    sources = pics[0].find_all("source")
    assert [s.attrs["type"] for s in sources] == ["image/avif", "image/webp"]
    assert sources[0].attrs["srcset"] == (
        "/blog/2024/05/essay/hill-480.avif 480w, /blog/2024/05/essay/hill-800.avif 800w, "
        "/blog/2024/05/essay/hill-1200.avif 1200w, /blog/2024/05/essay/hill-1600.avif 1600w"
    )
    first, second = (p.find("img") for p in pics)
    assert first.attrs["src"] == "/blog/2024/05/essay/hill.jpg"
    assert (first.attrs["width"], first.attrs["height"]) == ("1600", "1200")
    assert first.attrs["alt"] == 'A "hill"' and first.attrs["title"] == "T"
    assert "loading" not in first.attrs and first.attrs["fetchpriority"] == "high"
    assert second.attrs["loading"] == "lazy" and second.attrs["decoding"] == "async"
    assert (second.attrs["width"], second.attrs["height"]) == ("900", "675")
    assert "u-featured" in second.attrs["class"].split()
    assert first.attrs["sizes"] == "(min-width: 40rem) 36rem, 100vw"
    remote = [img for img in dom.find_all("img") if "x.example" in img.attrs["src"]]
    assert remote and "srcset" not in remote[0].attrs  # another site's image: untouched


def test_feeds_get_a_plain_fallback_img_with_its_size() -> None:
    pictures = {"/2024/05/essay/hill.jpg": _picture()}
    out = feed_images('<img src="hill.jpg" alt="A hill">', "/2024/05/essay/", pictures)
    img = parse_html(out).find("img")
    assert img.attrs == {"src": "/blog/2024/05/essay/hill.jpg", "alt": "A hill",
                         "width": "1600", "height": "1200"}  # fmt: skip


def _config(images: str) -> object:
    text = f"title: T\nbase_url: https://example.org\nimages:\n{images}"
    return parse_config(text, "site.yaml", Path("/tmp/site"))


def test_images_settings_are_read_and_defaulted() -> None:
    config = _config("  widths: [1200, 400, 800]\n  formats: [webp]\n  quality: 70\n")
    images = config.images  # type: ignore[attr-defined]
    assert images.widths == (400, 800, 1200)
    assert images.formats == ("webp",)
    assert images.quality_of("webp") == 70 and images.quality_of("jpeg") == 70
    defaults = _config("  process: true\n").images  # type: ignore[attr-defined]
    assert defaults.widths == (480, 800, 1200, 1600) and defaults.formats == ("avif", "webp")
    per_format = _config("  quality: {avif: 50}\n").images  # type: ignore[attr-defined]
    assert per_format.quality_of("avif") == 50 and per_format.quality_of("jpeg") == 80


def test_bad_images_settings_name_their_line() -> None:
    with pytest.raises(SiteError) as caught:
        _config(
            "  widths: [800, huge]\n  formats: [avif, gif]\n  quality: 300\n"
            "  proces: false\n  logo: logo.png\n"
        )
    messages = [str(p) for p in caught.value.problems]
    assert messages == [
        "site.yaml:4: images.widths: expected a list of widths in pixels between 16 and 8192, "
        "got a list",
        "site.yaml:5: images.formats: expected a list drawn from avif, webp (or [] for none), "
        "got a list",
        "site.yaml:6: images.quality: expected a number from 1 to 100, got 300",
        'site.yaml:7: images.proces: unknown key (did you mean "process"?)',
        "site.yaml:8: images.logo: expected a URL of this site such as /logo.png, or an https "
        'URL, got "logo.png"',
    ]
