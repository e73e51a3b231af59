"""Pillow's part: reading an image's facts and encoding its renditions.

Every output is made safe for a reader's privacy and the same on every machine:
- turned upright from its EXIF orientation, then stripped of EXIF (GPS included), XMP,
  IPTC and comments: only pixels are written;
- converted to sRGB from its embedded colour profile, which is then dropped (sRGB is
  what browsers assume);
- encoded with fixed settings, the AVIF encoder pinned to one thread and one codec
  (its output varies with the thread count), so the bytes depend only on the source,
  the settings and the Pillow version, which is part of every cache key.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable
from typing import Any

from defusedxml.ElementTree import fromstring
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

from generator.build.image_plan import (
    AVIF_CODEC,
    PILLOW_FORMATS,
    ImageInfo,
    ImageProblem,
    Rendition,
)

ORIENTATION = 0x0112
_TRANSPOSED = (5, 6, 7, 8)  # orientations that swap width and height
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def missing_encoders(formats: tuple[str, ...]) -> list[str]:
    """The formats this Pillow cannot write (a Pillow built without libavif, say)."""
    return [fmt for fmt in formats if not features.check(fmt)]


def _open(data: bytes) -> Image.Image:
    """Open ``data``, refusing decompression bombs (Pillow's pixel limit) outright."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            limit = Image.MAX_IMAGE_PIXELS or 0
            raise ImageProblem(
                f"too many pixels to be a photograph (more than {limit:,}); "
                "it may be a decompression bomb"
            ) from None
        except UnidentifiedImageError:
            raise ImageProblem(
                "not an image Pillow can read (corrupt, or another format)"
            ) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageProblem(f"cannot be read, corrupt or truncated ({exc})") from None


def read_info(data: bytes) -> ImageInfo:
    """The facts of a raster image, from its header only (cheap: no pixels decoded)."""
    image = _open(data)
    fmt = PILLOW_FORMATS.get(image.format or "")
    if fmt is None:
        raise ImageProblem(f"a {image.format or 'unknown'} image; use JPEG, PNG, WebP or AVIF")
    width, height = image.size
    try:
        orientation = image.getexif().get(ORIENTATION, 1)
    except Exception:  # a broken EXIF block: the pixels are still good, shown as stored
        orientation = 1
    if orientation in _TRANSPOSED:
        width, height = height, width
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    animated = bool(getattr(image, "is_animated", False))
    return ImageInfo(width, height, fmt, alpha=alpha, animated=animated)


def _upright_srgb(data: bytes, largest: tuple[int, int] | None = None) -> Image.Image:
    """The pixels, decoded, turned upright, in sRGB, with no metadata left attached.

    ``largest``: the biggest size wanted (upright); a JPEG is then decoded at the smallest
    of its built-in scales (1/2, 1/4, 1/8) still at least that big, a third of the work.
    """
    image = _open(data)
    if largest is not None and image.format == "JPEG":
        try:
            orientation = image.getexif().get(ORIENTATION, 1)
        except Exception:
            orientation = 1
        wide, high = largest
        image.draft("RGB", (high, wide) if orientation in _TRANSPOSED else (wide, high))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        image = ImageOps.exif_transpose(image) or image
    except Image.DecompressionBombWarning:
        raise ImageProblem("too many pixels to be a photograph") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem(f"cannot be decoded, corrupt or truncated ({exc})") from None
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if alpha else "RGB"
    profile = image.info.get("icc_profile")
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "PA", "CMYK"):
        image = _to_8_bit(image)
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if image.mode in ("P", "PA", "LA"):
                image = image.convert("RGBA" if alpha else "RGB")
            if image.mode == "L":  # a grey profile converts grey to sRGB as RGB
                converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
            else:
                converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: the pixels are taken as sRGB, as a browser would
    if image.mode != mode:
        image = image.convert(mode)
    image.info = {}  # nothing of the source's metadata may reach an encoder
    return image


def _to_8_bit(image: Image.Image) -> Image.Image:
    """16-bit and float greys (some PNGs and TIFF-born files) scaled into 8 bits."""
    if image.mode.startswith("I;16") or image.mode == "I":
        return image.point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _encode(image: Image.Image, rendition: Rendition) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any]
    if rendition.format == "avif":
        options = {"quality": rendition.quality, "speed": 7, "max_threads": 1,
                   "codec": AVIF_CODEC, "subsampling": "4:2:0"}  # fmt: skip
        image.save(out, "AVIF", **options)
    elif rendition.format == "webp":
        image.save(out, "WEBP", quality=rendition.quality, method=4)
    elif rendition.format == "jpeg":
        rgb = image.convert("RGB") if image.mode != "RGB" else image
        rgb.save(out, "JPEG", quality=rendition.quality, optimize=True, progressive=True,
                 subsampling="4:2:0")  # fmt: skip
    else:
        image.save(out, "PNG", optimize=False, compress_level=9)
    return out.getvalue()


def make_renditions(data: bytes, renditions: Iterable[Rendition]) -> dict[str, bytes]:
    """The encoded bytes of each rendition (by its spec) of the image ``data``."""
    image = _upright_srgb(data)
    made: dict[str, bytes] = {}
    resized: dict[int, Image.Image] = {}
    for rendition in sorted(renditions, key=lambda r: -r.width):
        if rendition.spec in made:
            continue
        scaled = resized.get(rendition.width)
        if scaled is None:
            size = (rendition.width, rendition.height)
            scaled = (
                image
                if image.size == size
                else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            )
            scaled.info = {}
            resized[rendition.width] = scaled
        made[rendition.spec] = _encode(scaled, rendition)
    return made


_SVG_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


def passthrough_info(data: bytes, name: str) -> ImageInfo:
    """The size of a file shown as it is: a GIF's from its header, an SVG's from its
    width and height (or viewBox); 0 where an SVG does not say."""
    if name.lower().endswith(".svg"):
        return _svg_info(data)
    image = _open(data)
    fmt = PILLOW_FORMATS.get(image.format or "", (image.format or "").lower())
    return ImageInfo(image.width, image.height, fmt, animated=True)


def _svg_info(data: bytes) -> ImageInfo:
    try:
        root = fromstring(data, forbid_dtd=True)
    except Exception:  # an SVG that is not XML: shown as it is, with no size to state
        return ImageInfo(0, 0, "svg")
    width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if (not width or not height) and len(box) == 4:
        try:
            box_w, box_h = float(box[2]), float(box[3])
        except ValueError:
            box_w = box_h = 0
        if box_w > 0 and box_h > 0:
            if width:
                height = round(width * box_h / box_w)
            elif height:
                width = round(height * box_w / box_h)
            else:
                width, height = round(box_w), round(box_h)
    return ImageInfo(width or 0, height or 0, "svg")


def _svg_length(value: str | None) -> int | None:
    match = _SVG_LENGTH.match(value or "")
    return round(float(match.group(1))) if match else None
