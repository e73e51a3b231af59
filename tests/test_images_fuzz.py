"""Fuzzing what a person can feed the images code: Markdown and HTML with images, image
files (any bytes), SVG text and `images:` settings. Each may only succeed or give a
clear, typed refusal; nothing else may escape."""

from __future__ import annotations

import contextlib
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build.image_plan import ImageInfo, ImageProblem, plan_image
from generator.build.image_process import passthrough_info, read_info
from generator.build.image_refs import find_images, site_path, tag_attributes
from generator.build.pictures import feed_images, rewrite_images
from generator.contract.page_images import Picture
from generator.core.config import parse_config
from generator.core.errors import SiteError
from generator.core.image_settings import ImagesConfig

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = st.sampled_from(
    ["![", "](", ")", "<img", " src=", '"', "'", "alt=", ">", "\n", "\n\n", "a.jpg", "../",
     "/x/", "%20", "&amp;", "```\n", "<!--", "-->", " ", "http://h/", "#", "?"]
)  # fmt: skip
MARKDOWNISH = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join)


@FAST
@given(MARKDOWNISH, st.integers(min_value=1, max_value=500))
def test_finding_images_never_fails_and_lines_stay_in_the_text(body: str, start: int) -> None:
    for ref in find_images(body, start):
        assert start <= ref.line <= start + body.count("\n")
        assert isinstance(ref.src, str)


@FAST
@given(MARKDOWNISH)
def test_rewriting_images_never_fails(html: str) -> None:
    picture = Picture("/p.jpg", 10, 5, "/p-10.jpg 10w", (("image/avif", "/p-10.avif 10w"),))
    pictures = {"/x/a.jpg": picture, "/a.jpg": picture}
    out = rewrite_images(html, "/x/", pictures, "100vw")
    assert isinstance(out, str)
    assert isinstance(feed_images(html, "/x/", pictures), str)
    for tag in ("<img" + html,):
        assert isinstance(tag_attributes(tag), dict)
    assert site_path(html, "/x/") is None or site_path(html, "/x/").startswith("/")  # type: ignore[union-attr]


@FAST
@given(st.binary(max_size=2048))
def test_any_bytes_are_an_image_or_a_clear_refusal(data: bytes) -> None:
    try:
        info = read_info(data)
    except ImageProblem as exc:
        assert str(exc)
        return
    assert info.width > 0 and info.height > 0


@FAST
@given(st.binary(max_size=512))
def test_any_bytes_under_a_png_header_are_refused_clearly(tail: bytes) -> None:
    with contextlib.suppress(ImageProblem):
        read_info(b"\x89PNG\r\n\x1a\n" + tail)


@FAST
@given(st.text(max_size=300))
def test_any_svg_text_gives_a_size_or_none(text: str) -> None:
    info = passthrough_info(f"<svg {text}></svg>".encode(), "x.svg")
    assert info.width >= 0 and info.height >= 0


YAMLISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10_000) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@FAST
@given(st.dictionaries(st.sampled_from(["process", "widths", "formats", "quality", "logo",
                                        "preview_width", "missing_alt", "other"]), YAMLISH,
                       max_size=5))  # fmt: skip
def test_any_images_settings_are_read_or_refused_with_a_line(section: dict[str, object]) -> None:
    text = yaml.safe_dump({"title": "T", "base_url": "https://e.org", "images": section})
    try:
        config = parse_config(text, "site.yaml", Path("/tmp/site"))
    except SiteError as exc:
        assert all(p.path == "site.yaml" and p.line for p in exc.problems), exc.problems
        return
    images = config.images
    assert images.widths and all(16 <= w <= 8192 for w in images.widths)
    plan = plan_image("a.jpg", ImageInfo(5000, 100, "jpeg"), images)
    assert all(r.width <= 5000 and r.height >= 1 for r in plan.renditions)


def test_plans_hold_for_extreme_shapes() -> None:
    for width, height in ((1, 1), (16, 9000), (9000, 16), (8191, 3)):
        plan = plan_image("a.png", ImageInfo(width, height, "png"), ImagesConfig())
        assert all(r.height >= 1 and r.width <= width for r in plan.renditions)
        assert plan.path in {r.path for r in plan.renditions}
