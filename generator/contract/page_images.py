"""What a theme page knows of its images: each picture's files and sizes, the link-preview
image, and the markup of a <picture>. Plain data, shared by the build and the theme
context; nothing here reads an image (that is the build's images step)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

_OWN_ATTRIBUTES = ("src", "srcset", "sizes", "width", "height", "loading", "decoding", "alt")


@dataclass(frozen=True)
class Picture:
    """Everything a page needs to show one image."""

    src: str  # the fallback's URL (site path, with the site's base path)
    width: int
    height: int
    srcset: str = ""  # the fallback format's widths; "" for a file shown as it is
    sources: tuple[tuple[str, str], ...] = ()  # (MIME type, srcset), best first

    @property
    def responsive(self) -> bool:
        return bool(self.srcset)


@dataclass(frozen=True)
class Preview:
    """The image of link previews (Open Graph, Twitter, JSON-LD): absolute URL and facts."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None
    mime: str = ""
    picture: Picture | None = None  # when the page itself may show it (a local file)
    site_path: str = ""  # "" for a URL image, which no page ever loads
    in_body: bool = False  # the body shows it already


@dataclass(frozen=True)
class PageImages:
    """One document's images: each picture by site path, its preview, the theme's sizes."""

    pictures: Mapping[str, Picture] = field(default_factory=dict)
    preview: Preview | None = None
    sizes: str = "100vw"


def _attrs(values: Mapping[str, str]) -> str:
    return "".join(f' {name}="{escape(value)}"' for name, value in values.items())


def picture_html(
    picture: Picture,
    alt: str | None,
    sizes: str,
    eager: bool,
    extra: Mapping[str, str] | None = None,
) -> str:
    """One <picture> (or a plain <img> for a file shown as it is). ``eager``: the page's
    first image, likely in view, is asked for at once; every other waits for scrolling."""
    attributes: dict[str, str] = {"src": picture.src}
    if alt is not None:
        attributes["alt"] = alt
    for name, value in (extra or {}).items():
        if name not in _OWN_ATTRIBUTES:
            attributes[name] = value
    if picture.responsive:
        attributes["srcset"] = picture.srcset
        attributes["sizes"] = sizes
    if picture.width and picture.height:
        attributes["width"] = str(picture.width)
        attributes["height"] = str(picture.height)
    if eager:
        attributes["fetchpriority"] = "high"
    else:
        attributes["loading"] = "lazy"
    attributes["decoding"] = "async"
    img = f"<img{_attrs(attributes)}>"
    if not picture.sources:
        return img
    sources = "".join(
        f'<source type="{mime}" srcset="{escape(srcset)}" sizes="{escape(sizes)}">'
        for mime, srcset in picture.sources
    )
    return f"<picture>{sources}{img}</picture>"
