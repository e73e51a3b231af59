"""Whole builds of a site with photographs: what pages say, what files exist, what they hold.

Every claim is checked on the output itself: srcset candidates are opened with Pillow at
the width they claim, metadata is looked for in every file written, link previews are
read with an HTML parser and JSON-LD as JSON, microformats with mf2py.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import mf2py
import pytest
from PIL import Image

from generator.build.pipeline import BuildOptions, build_site
from generator.cli import main
from generator.core.errors import SiteError
from tests.conftest import FIXED_NOW
from tests.htmldom import Element, parse_html
from tests.photos import jpeg_bytes, logo, scene, stored_sideways, with_metadata

OPTIONS = BuildOptions(now=FIXED_NOW, jobs=2)
WALK = "/2024/05/walk/"

SITE_YAML = """title: Photographs
base_url: https://example.org/blog
comments:
  enabled: false
images:
  logo: /logo.png
"""

WALK_MD = """---
title: A walk
date: 2024-05-01
image: hill.jpg
image_alt: A hill at dawn.
---
The walk began early.

![A lake at dusk.](lake.jpg)

Then a drawing, and an animation:

<img src="drawing.svg" alt="">

![A loop.](loop.gif)
"""


def _gif() -> bytes:
    colours = ((200, 30, 30), (30, 200, 30), (30, 30, 200))
    frames = [Image.new("RGB", (40, 30), colour) for colour in colours]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def make_site(root: Path) -> Path:
    (root / "content/posts/walk").mkdir(parents=True)
    (root / "content/images").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    walk = root / "content/posts/walk"
    (walk / "index.md").write_text(WALK_MD, encoding="utf-8")
    (walk / "hill.jpg").write_bytes(jpeg_bytes(scene(1800, 1200, 3, "dawn")))
    # A phone's photo: stored sideways with orientation 6, GPS and the rest.
    (walk / "lake.jpg").write_bytes(with_metadata(stored_sideways(scene(1000, 750, 4)), 6))
    (walk / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"><rect width="120" '
        'height="60" fill="teal"/></svg>',
        encoding="utf-8",
    )
    (walk / "loop.gif").write_bytes(_gif())
    (root / "content/images/stray.jpg").write_bytes(with_metadata(scene(900, 600, 5)))
    logo_bytes = io.BytesIO()
    logo(64).save(logo_bytes, "PNG")
    (root / "content/logo.png").write_bytes(logo_bytes.getvalue())
    (root / "content/posts/remote.md").write_text(
        "---\ntitle: Far away\ndate: 2024-04-01\nimage: https://cdn.example.com/far.jpg\n"
        "image_alt: A far place.\n---\nNo pictures here.\n",
        encoding="utf-8",
    )
    (root / "content/posts/plain.md").write_text(
        "---\ntitle: Plain\ndate: 2024-03-01\n---\nJust words.\n", encoding="utf-8"
    )
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("images") / "site")
    build_site(root, OPTIONS)
    return root


def page(site: Path, url: str) -> tuple[Element, str]:
    text = (site / "output" / url.strip("/") / "index.html").read_text(encoding="utf-8")
    return parse_html(text), text


def output_file(site: Path, url: str) -> Path:
    assert url.startswith("/blog/"), url
    return site / "output" / url.removeprefix("/blog/")


def candidates(srcset: str) -> list[tuple[str, int]]:
    pairs = [item.strip().rsplit(" ", 1) for item in srcset.split(",")]
    return [(url, int(width.rstrip("w"))) for url, width in pairs]


def test_every_srcset_candidate_exists_decodes_and_has_its_width(site: Path) -> None:
    doc, _ = page(site, WALK)
    pictures = doc.find_all("picture")
    assert len(pictures) == 2  # the hill (shown above the essay) and the lake
    checked = 0
    for picture in pictures:
        img = picture.one("img")
        sets = [img.attrs["srcset"]] + [s.attrs["srcset"] for s in picture.find_all("source")]
        types = [s.attrs["type"] for s in picture.find_all("source")]
        assert types == ["image/avif", "image/webp"]
        for srcset in sets:
            for url, width in candidates(srcset):
                image = Image.open(output_file(site, url))
                image.load()
                assert image.width == width, url
                checked += 1
        fallback = Image.open(output_file(site, img.attrs["src"]))
        assert (str(fallback.width), str(fallback.height)) == (img.attrs["width"],
                                                               img.attrs["height"])  # fmt: skip
    assert checked >= 12


def test_the_first_image_loads_at_once_and_the_rest_lazily(site: Path) -> None:
    doc, _ = page(site, WALK)
    images = doc.find_all("img")
    assert [img.attrs.get("loading") for img in images] == [None, "lazy", "lazy", "lazy"]
    assert images[0].attrs["fetchpriority"] == "high"
    for img in images:
        assert img.attrs["decoding"] == "async"
        assert int(img.attrs["width"]) > 0 and int(img.attrs["height"]) > 0
    assert images[0].attrs["sizes"].startswith("(min-width: 38rem)")


def test_orientation_is_applied_and_sizes_follow_it(site: Path) -> None:
    doc, _ = page(site, WALK)
    lake = next(img for img in doc.find_all("img") if img.attrs.get("alt") == "A lake at dusk.")
    assert (lake.attrs["width"], lake.attrs["height"]) == ("1000", "750")  # upright: landscape


def test_no_published_file_carries_metadata(site: Path) -> None:
    rasters = [
        p for p in (site / "output").rglob("*") if p.suffix in (".jpg", ".webp", ".avif", ".png")
    ]
    assert len(rasters) > 20
    for path in rasters:
        data = path.read_bytes()
        image = Image.open(io.BytesIO(data))
        assert not image.getexif(), path
        for key in ("exif", "xmp", "comment", "icc_profile"):
            assert not image.info.get(key), (path, key)
        assert b"Salon Test Camera" not in data and b"GPSLatitude" not in data, path
    stray = Image.open(site / "output/images/stray.jpg")  # no page shows it: still made safe
    assert stray.size == (900, 600) and not stray.getexif()
    assert not (site / "output/images/stray-480.jpg").exists()


def test_gif_and_svg_are_published_untouched(site: Path) -> None:
    walk = site / "content/posts/walk"
    assert (site / "output/2024/05/walk/loop.gif").read_bytes() == (walk / "loop.gif").read_bytes()
    assert Image.open(site / "output/2024/05/walk/loop.gif").n_frames == 3
    svg = site / "output/2024/05/walk/drawing.svg"
    assert svg.read_bytes() == (walk / "drawing.svg").read_bytes()
    doc, _ = page(site, WALK)
    drawing = doc.one("img", src="/blog/2024/05/walk/drawing.svg")
    assert (drawing.attrs["width"], drawing.attrs["height"], drawing.attrs["alt"]) == (
        "120", "60", "")  # fmt: skip
    loop = doc.one("img", src="/blog/2024/05/walk/loop.gif")
    assert (loop.attrs["width"], loop.attrs["height"]) == ("40", "30")


def test_link_previews_carry_the_image(site: Path) -> None:
    doc, _ = page(site, WALK)
    url = doc.meta("og:image")
    assert url == "https://example.org/blog/2024/05/walk/hill-1200.jpg"
    preview = Image.open(output_file(site, url.removeprefix("https://example.org")))
    assert (doc.meta("og:image:width"), doc.meta("og:image:height")) == (
        str(preview.width), str(preview.height))  # fmt: skip
    assert preview.size == (1200, 800)
    assert doc.meta("og:image:type") == "image/jpeg"
    assert doc.meta("og:image:alt") == "A hill at dawn."
    assert doc.meta("twitter:card") == "summary_large_image"
    assert doc.meta("twitter:image") == url
    assert doc.meta("twitter:image:alt") == "A hill at dawn."
    script = doc.one("script", type="application/ld+json")
    data = json.loads(script.raw_text)
    assert data["image"] == {"@type": "ImageObject", "url": url, "width": 1200, "height": 800}
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["logo"]["url"] == "https://example.org/blog/logo.png"


def test_microformats_name_the_featured_image(site: Path) -> None:
    _, text = page(site, WALK)
    parsed = mf2py.parse(doc=text, url="https://example.org/blog" + WALK)
    entry = next(i for i in parsed["items"] if "h-entry" in i["type"])
    featured = entry["properties"]["featured"][0]
    value = featured["value"] if isinstance(featured, dict) else featured
    assert value == "https://example.org/blog/2024/05/walk/hill.jpg"


def test_a_url_image_is_named_but_never_loaded(site: Path) -> None:
    doc, text = page(site, "/2024/04/remote/")
    assert doc.meta("og:image") == "https://cdn.example.com/far.jpg"
    assert doc.meta("og:image:width") is None
    assert doc.meta("twitter:card") == "summary_large_image"
    for element in doc.find_all():
        for name in ("src", "srcset", "href"):
            value = element.attrs.get(name, "")
            if "cdn.example.com" in value:
                assert element.tag not in ("img", "source", "link", "script"), element.tag
    parsed = mf2py.parse(doc=text, url="https://example.org/blog/2024/04/remote/")
    entry = next(i for i in parsed["items"] if "h-entry" in i["type"])
    assert entry["properties"]["featured"] == ["https://cdn.example.com/far.jpg"]


def test_a_page_without_images_has_a_summary_card(site: Path) -> None:
    doc, _ = page(site, "/2024/03/plain/")
    assert doc.meta("og:image") is None and doc.meta("twitter:card") == "summary"


def test_feeds_show_plain_images_with_absolute_urls(site: Path) -> None:
    feed = (site / "output/feed.xml").read_text(encoding="utf-8")
    assert "https://example.org/blog/2024/05/walk/lake.jpg" in feed
    assert "&lt;picture" not in feed and "srcset" not in feed


def test_an_unchanged_image_costs_nothing_the_next_time(site: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    cache = copy / ".salon/images"
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.suffix != ".json"}
    shutil.rmtree(copy / "output")
    build_site(copy, OPTIONS)
    after = {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.suffix != ".json"}
    assert before == after  # nothing made again
    assert (copy / "output/2024/05/walk/hill-800.avif").is_file()


def _problems(root: Path) -> list[str]:
    with pytest.raises(SiteError) as caught:
        build_site(root, OPTIONS)
    return [str(p) for p in caught.value.problems]


def test_missing_corrupt_and_bomb_images_name_the_markdown_line(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    walk = root / "content/posts/walk"
    (walk / "index.md").write_text(
        WALK_MD + "\n![Gone.](gone.jpg)\n\n![Broken.](broken.jpg)\n\n![Huge.](huge.png)\n",
        encoding="utf-8",
    )
    (walk / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (walk / "huge.png").write_bytes(_bomb())
    assert _problems(root) == [
        'content/posts/walk/index.md:17: image "gone.jpg": no such file (it would be '
        "output/2024/05/walk/gone.jpg; put the file beside the essay in its folder, or under "
        "content/)",
        'content/posts/walk/index.md:19: image "broken.jpg" (content/posts/walk/broken.jpg): '
        "cannot be read, corrupt or truncated (Truncated File Read)",
        'content/posts/walk/index.md:21: image "huge.png" (content/posts/walk/huge.png): too '
        "many pixels to be a photograph (more than 89,478,485); it may be a decompression bomb",
    ]
    assert not (root / "output").exists()  # nothing half-written


def _bomb() -> bytes:
    import zlib

    def chunk(name: bytes, body: bytes) -> bytes:
        return (
            len(body).to_bytes(4, "big") + name + body + zlib.crc32(name + body).to_bytes(4, "big")
        )

    header = (20000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_missing_alt_text_is_a_warning_and_an_error_under_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_site(tmp_path / "site")
    walk = root / "content/posts/walk/index.md"
    walk.write_text(WALK_MD.replace("![A lake at dusk.](lake.jpg)", "![](lake.jpg)"), "utf-8")
    assert main(["build", "--site", str(root)]) == 0
    err = capsys.readouterr().err
    assert (
        'warning: content/posts/walk/index.md:9: image "lake.jpg": no alt text; write it '
        "between the brackets: ![…](lake.jpg)"
    ) in err
    assert main(["build", "--site", str(root), "--strict"]) == 1
    err = capsys.readouterr().err
    assert 'content/posts/walk/index.md:9: image "lake.jpg": no alt text' in err


def test_processing_off_copies_images_as_they_are(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    config = root / "site.yaml"
    config.write_text(config.read_text("utf-8") + "  process: false\n", "utf-8")
    build_site(root, OPTIONS)
    lake = root / "output/2024/05/walk/lake.jpg"
    assert lake.read_bytes() == (root / "content/posts/walk/lake.jpg").read_bytes()
    assert not list((root / "output").rglob("*.avif"))
    doc, _ = page(root, WALK)
    assert not doc.find_all("picture")
    img = doc.one("img", src="/blog/2024/05/walk/lake.jpg")
    assert (img.attrs["width"], img.attrs["loading"]) == ("1000", "lazy")


def test_a_theme_may_show_each_essays_picture_in_listings(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    theme = root / "themes/pictured"
    theme.mkdir(parents=True)
    (theme / "theme.yaml").write_text(
        "name: pictured\nextends: default\nimages:\n  listing: true\n  listing_sizes: 20rem\n",
        encoding="utf-8",
    )
    config = root / "site.yaml"
    config.write_text(config.read_text("utf-8") + "theme: pictured\n", "utf-8")
    build_site(root, OPTIONS)
    home = parse_html((root / "output/index.html").read_text(encoding="utf-8"))
    links = home.find_all("a", class_="summary-image")
    assert [a.attrs["href"] for a in links] == ["/blog/2024/05/walk/"]  # a URL image: never
    img = links[0].one("img")
    assert img.attrs["alt"] == "A hill at dawn." and img.attrs["loading"] == "lazy"
    assert img.attrs["sizes"] == "20rem"
    essay = page(root, WALK)[0].find("img")
    assert essay is not None and essay.attrs["sizes"].startswith("(min-width: 38rem)")


def test_missing_alt_can_be_an_error_by_setting(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    (root / "content/posts/walk/index.md").write_text(
        WALK_MD.replace("image_alt: A hill at dawn.\n", ""), "utf-8"
    )
    config = root / "site.yaml"
    config.write_text(config.read_text("utf-8") + "  missing_alt: error\n", "utf-8")
    assert _problems(root) == [
        'content/posts/walk/index.md:4: image "hill.jpg": no image_alt: in the front matter; '
        "describe the picture"
    ]


def test_the_sample_sites_photographs_are_published_upright_and_without_their_gps(
    tmp_path: Path,
) -> None:
    from tests.conftest import REPO, copy_sample_site

    source = REPO / "content/images/lake-at-dusk.jpg"
    assert Image.open(source).getexif().get_ifd(0x8825), "the sample keeps its fake GPS"
    site = copy_sample_site(tmp_path / "sample")
    build_site(site, BuildOptions(now=FIXED_NOW, jobs=2, future=True))  # its essays are later
    lake = Image.open(site / "output/images/lake-at-dusk.jpg")
    assert lake.size == (1600, 1200)  # stored 1500 × 2000 with orientation 6
    for path in (site / "output/images").iterdir():
        image = Image.open(path)
        assert not image.getexif() and not image.info.get("xmp"), path
        assert b"Salon Test Camera" not in path.read_bytes(), path
    doc, _ = page(site, "/2026/10/the-alliance/")
    assert doc.meta("og:image") == "https://consultingroom.example/images/hills-at-dawn-1200.jpg"
    data = json.loads(doc.one("script", type="application/ld+json").raw_text)
    logo = {"@type": "ImageObject", "width": 256, "height": 256,
            "url": "https://consultingroom.example/logo.png"}  # fmt: skip
    assert data["publisher"]["logo"] == logo


def test_a_pillow_without_avif_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import features

    real = features.check
    monkeypatch.setattr(features, "check", lambda name: name != "avif" and real(name))
    root = make_site(tmp_path / "site")
    problems = _problems(root)
    assert len(problems) == 1 and problems[0].startswith(
        "site.yaml: images.formats: this Pillow (13"
    ), problems
    assert "cannot write AVIF" in problems[0]
