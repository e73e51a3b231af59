"""How a page shows its images: <picture> with AVIF and WebP sources and a JPEG or PNG
fallback, srcset and sizes, intrinsic width and height, lazy loading but for the first.

Pure functions over rendered HTML and the image plans; nothing here reads a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from generator.build.image_plan import MIME, ImagePlan, Rendition
from generator.build.image_refs import site_path, tag_attributes
from generator.contract.page_images import Picture, picture_html

_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def _srcset(base_path: str, renditions: tuple[Rendition, ...]) -> str:
    return ", ".join(f"{base_path}/{r.path} {r.width}w" for r in renditions)


def picture_of(plan: ImagePlan, base_path: str, formats: tuple[str, ...]) -> Picture:
    fallback = plan.of_format(plan.fallback)
    if not fallback:  # shown as it is (GIF, SVG, or processing turned off)
        return Picture(f"{base_path}/{plan.path}", plan.info.width, plan.info.height)
    widest = max(fallback, key=lambda r: r.width)
    sources = tuple(
        (MIME[fmt], _srcset(base_path, plan.of_format(fmt)))
        for fmt in formats
        if fmt != plan.fallback and plan.of_format(fmt)
    )
    return Picture(
        f"{base_path}/{widest.path}",
        widest.width,
        widest.height,
        _srcset(base_path, fallback),
        sources,
    )


def _attrs(values: Mapping[str, str]) -> str:
    return "".join(f' {name}="{escape(value)}"' for name, value in values.items())


def rewrite_images(
    html: str,
    page_url: str,
    pictures: Mapping[str, Picture],
    sizes: str,
    first_eager: bool = True,
    featured: str = "",
) -> str:
    """Each <img> of rendered HTML whose file the build processed, as a <picture>.

    ``pictures``: by site path. The first image of the page loads at once (it is likely
    in view); every later one lazily. ``featured``: the site path of the image link
    previews use, marked `u-featured` for microformats readers.
    """
    if not pictures or "<img" not in html:
        return html
    seen = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal seen
        attrs = tag_attributes(match.group(0))
        path = site_path(attrs.get("src", ""), page_url)
        picture = pictures.get(path or "")
        if picture is None:
            return match.group(0)
        eager = first_eager and seen == 0
        seen += 1
        if featured and path == featured:
            classes = attrs.get("class", "").split()
            attrs["class"] = " ".join([*classes, "u-featured"]) if classes else "u-featured"
        return picture_html(picture, attrs.get("alt"), sizes, eager, attrs)

    return _IMG_TAG.sub(replace, html)


def feed_images(html: str, page_url: str, pictures: Mapping[str, Picture]) -> str:
    """For feeds: each processed image as a plain <img> of its fallback, with its size
    (feed readers show neither <picture> nor srcset reliably)."""
    if not pictures or "<img" not in html:
        return html

    def replace(match: re.Match[str]) -> str:
        attrs = tag_attributes(match.group(0))
        picture = pictures.get(site_path(attrs.get("src", ""), page_url) or "")
        if picture is None:
            return match.group(0)
        attrs.update(src=picture.src, width=str(picture.width), height=str(picture.height))
        for name in ("srcset", "sizes", "loading", "decoding"):
            attrs.pop(name, None)
        return f"<img{_attrs(attrs)}>"

    return _IMG_TAG.sub(replace, html)
