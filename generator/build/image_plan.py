"""What to make of each image: its renditions (widths × formats), planned by pure functions.

An image's facts (`ImageInfo`: its size once turned upright, its format, whether it has
transparency) come from reading its header once; from them and the settings the plan
follows without touching the file, so it can be computed again on every build for free
and decides the cache keys of the renditions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import __version__

from generator.core.image_settings import ImagesConfig

MIME = {
    "avif": "image/avif",
    "webp": "image/webp",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "svg": "image/svg+xml",
}
SUFFIX = {"avif": ".avif", "webp": ".webp", "jpeg": ".jpg", "png": ".png"}
PILLOW_VERSION = __version__  # PIL's package alone: Pillow's modules load only to encode
AVIF_CODEC = "aom"


class ImageProblem(Exception):
    """An image Pillow cannot use: corrupt, truncated, too large, or not an image at all."""


PILLOW_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "MPO": "jpeg"}


@dataclass(frozen=True)
class ImageInfo:
    """An image's facts, read from its header (width and height as it will be shown)."""

    width: int
    height: int
    format: str  # "jpeg", "png", "webp", "avif", "gif", "svg"
    alpha: bool = False
    animated: bool = False

    @property
    def passthrough(self) -> bool:
        """Copied as it is: GIF and SVG (an animation would lose its frames), and animations."""
        return self.format in ("gif", "svg") or self.animated


@dataclass(frozen=True)
class Rendition:
    path: str  # in output/, such as "2024/05/essay/photo-800.webp"
    width: int
    height: int
    format: str
    quality: int

    @property
    def spec(self) -> str:
        """Everything that decides the bytes, besides the source and the encoders."""
        return f"{self.width}x{self.height}:{self.format}:q{self.quality}"


@dataclass(frozen=True)
class ImagePlan:
    """One source image and everything made from it."""

    path: str  # the source's own output path ("2024/05/essay/photo.jpg")
    info: ImageInfo
    fallback: str  # the format every browser shows: "jpeg" or "png"
    renditions: tuple[Rendition, ...]  # smallest first within each format

    @property
    def width(self) -> int:
        """The intrinsic size a page states: the largest rendition's (or the file's own)."""
        return max((r.width for r in self.renditions), default=self.info.width)

    @property
    def height(self) -> int:
        widest = max(self.renditions, key=lambda r: r.width, default=None)
        return widest.height if widest is not None else self.info.height

    def of_format(self, fmt: str) -> tuple[Rendition, ...]:
        return tuple(r for r in self.renditions if r.format == fmt)

    @property
    def digest(self) -> str:
        """Changes whenever what a page says about this image changes."""
        parts = [self.path, repr(self.info), *(f"{r.path}={r.spec}" for r in self.renditions)]
        return hashlib.sha1("\0".join(parts).encode()).hexdigest()


def fallback_format(info: ImageInfo) -> str:
    """JPEG for photographs, PNG for what is PNG already or has transparency."""
    return "png" if info.format == "png" or info.alpha else "jpeg"


def target_widths(
    info: ImageInfo, settings: ImagesConfig, extra: tuple[int, ...] = ()
) -> list[int]:
    """The widths to make: the configured ones narrower than the original, and the
    largest one the original allows (the original's own width when it is narrower)."""
    wanted = sorted(set(settings.widths) | set(extra))
    largest = min(info.width, wanted[-1])
    return sorted({w for w in wanted if w < largest} | {largest})


def _height(info: ImageInfo, width: int) -> int:
    return max(1, round(info.height * width / info.width))


def plan_image(
    path: str,
    info: ImageInfo,
    settings: ImagesConfig,
    used: bool = True,
    preview: bool = False,
) -> ImagePlan:
    """The renditions of the image published at ``path``.

    ``used``: a page shows it, so it gets every width and format; an image no page shows
    is only made safe (upright, sRGB, no metadata) at its own path, its largest width.
    ``preview``: link previews use it, so its fallback gets the preview width too.
    The largest rendition in the source's own format takes the source's own path, so
    links to the file keep working.
    """
    fallback = fallback_format(info)
    if info.passthrough or not settings.process:
        return ImagePlan(path, info, fallback, ())
    source = PurePosixPath(path)
    stem = source.with_suffix("").as_posix()
    widths = target_widths(info, settings)
    formats = [*(settings.formats if used else ()), fallback]
    if info.format not in formats:
        formats.append(info.format)  # the file at its own path keeps its own format
    formats = list(dict.fromkeys(formats))
    renditions: list[Rendition] = []
    for fmt in formats:
        own = fmt == info.format
        these = widths if used or not own else widths[-1:]
        if not used and not own:
            continue
        if preview and fmt == fallback:
            these = target_widths(info, settings, (settings.preview_width,))
        for width in these:
            # The largest in the source's own format takes the source's own path.
            out = path if own and width == these[-1] else f"{stem}-{width}{SUFFIX[fmt]}"
            renditions.append(
                Rendition(out, width, _height(info, width), fmt, settings.quality_of(fmt))
            )
    return ImagePlan(path, info, fallback, tuple(renditions))


def preview_rendition(plan: ImagePlan, settings: ImagesConfig) -> Rendition | None:
    """The rendition link previews use: the fallback format at the preview width, or the
    widest there is when the original is narrower."""
    candidates = plan.of_format(plan.fallback)
    if not candidates:
        return None
    fitting = [r for r in candidates if r.width <= settings.preview_width]
    return max(fitting or candidates, key=lambda r: r.width)
