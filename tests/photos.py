"""Photographs of our own making, drawn with Pillow: for the sample site, tests and bench.

A scene (a sky with a low sun, layered hills, water, grain) is drawn from a seed, so the
same call always gives the same picture. ``with_metadata`` adds what a phone camera
writes (GPS position, camera make, orientation, XMP, a comment), all of it fake, so tests
can prove that none of it reaches output/.
"""

from __future__ import annotations

import io
import random
import struct

from PIL import Image, ImageDraw, ImageFilter

PALETTES = {
    "dawn": ((34, 52, 110), (246, 178, 122), (255, 236, 200), (58, 72, 60), (28, 36, 34)),
    "dusk": ((20, 24, 64), (196, 92, 88), (255, 206, 150), (44, 40, 70), (16, 14, 30)),
    "noon": ((70, 130, 200), (190, 220, 240), (255, 255, 230), (70, 110, 60), (40, 70, 40)),
}
# Mid-Atlantic, far from any consulting room: obviously fake, still a valid GPS position.
FAKE_GPS = {"lat": (30, 0, 0.5), "lat_ref": "N", "lon": (40, 0, 0.5), "lon_ref": "W"}


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def scene(width: int, height: int, seed: int = 1, palette: str = "dawn") -> Image.Image:
    """A landscape photograph-like RGB image of ``width`` × ``height``."""
    rng = random.Random(seed)
    sky_top, sky_low, sun, hill, near = PALETTES[palette]
    horizon = int(height * rng.uniform(0.5, 0.62))
    ramp = Image.linear_gradient("L").point(lambda v: round(255 * (v / 255) ** 1.6))
    ramp = ramp.resize((width, height), Image.Resampling.BILINEAR)
    ramp = ramp.resize((width, horizon)).crop((0, 0, width, horizon)).resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), sky_low),
                            Image.new("RGB", (width, height), sky_top), ramp)  # fmt: skip
    glow = Image.new("L", (width, height), 0)
    sun_x, sun_y, radius = int(width * rng.uniform(0.25, 0.75)), int(horizon * 0.78), height // 14
    ImageDraw.Draw(glow).ellipse(
        [sun_x - radius * 3, sun_y - radius * 3, sun_x + radius * 3, sun_y + radius * 3], fill=140
    )
    glow = glow.filter(ImageFilter.GaussianBlur(radius * 1.5))
    image = Image.composite(Image.new("RGB", image.size, sun), image, glow)
    draw = ImageDraw.Draw(image)
    draw.ellipse([sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius], fill=sun)
    for layer in range(4):  # hills, far to near: darker and lower each time
        base = horizon - int(height * 0.12) + layer * int(height * 0.05)
        colour = _mix(_mix(sky_low, hill, 0.55), near, layer / 3)
        points, y = [(0, height)], base
        for x in range(0, width + 40, max(4, width // 160)):
            y = min(
                horizon + 4, max(base - height // 10, y + rng.randint(-height // 90, height // 90))
            )
            points.append((x, y))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    water = image.crop((0, 0, width, horizon)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    water = water.resize((width, height - horizon)).filter(ImageFilter.GaussianBlur(3))
    water = Image.blend(water, Image.new("RGB", water.size, near), 0.45)
    image.paste(water, (0, horizon))
    draw = ImageDraw.Draw(image)
    for _ in range(width // 9):  # ripples catching the light
        x, y = rng.randrange(width), rng.randrange(horizon, height)
        length = rng.randint(width // 80, width // 25)
        draw.line([(x, y), (x + length, y)], fill=_mix(near, sun, rng.uniform(0.1, 0.6)))
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    grain = Image.effect_noise((width, height), 18).convert("RGB")
    return Image.blend(image, grain, 0.06)


def jpeg_bytes(image: Image.Image, quality: int = 88, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **options)
    return out.getvalue()


def with_metadata(image: Image.Image, orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: fake GPS, camera, orientation, XMP and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "Salon Test Camera"  # Make
    exif[0x0110] = "Model 1"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = FAKE_GPS["lat_ref"]
    gps[2] = tuple(float(v) for v in FAKE_GPS["lat"])
    gps[3] = FAKE_GPS["lon_ref"]
    gps[4] = tuple(float(v) for v in FAKE_GPS["lon"])
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.43N"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    return jpeg_bytes(
        image, exif=exif.tobytes(), xmp=xmp, comment=b"Consulting room, Tuesday 9 am",
        icc_profile=wide_gamut_profile(),
    )  # fmt: skip


def wide_gamut_profile() -> bytes:
    """A small ICC v2 RGB profile with wider primaries than sRGB (like Display P3's),
    so that converting to sRGB visibly changes saturated colours."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\0" * 4 + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    text = b"Salon wide gamut test\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 12 + b"\0" * 67
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for name, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += name + struct.pack(">II", offset + len(data), len(body))
        data += body
    body = struct.pack(">I", len(tags)) + table + data
    size = 128 + len(body)
    header = (
        struct.pack(">I", size) + b"lcms" + bytes([2, 0x20, 0, 0]) + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"APPL" + b"\0" * 4
        + b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0)
        + struct.pack(">3i", 63190, 65536, 54061) + b"lcms" + b"\0" * 44
    )  # fmt: skip
    assert len(header) == 128, len(header)
    return header + body


def stored_sideways(image: Image.Image) -> Image.Image:
    """The pixels as a phone held upright stores them with EXIF orientation 6."""
    return image.transpose(Image.Transpose.ROTATE_90)


def logo(size: int = 256) -> Image.Image:
    """The sample site's mark: a warm circle with an open doorway."""
    mark = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(mark)
    draw.ellipse([0, 0, size - 1, size - 1], fill=(138, 59, 18, 255))
    w, h = size // 4, size // 2
    left, top = (size - w) // 2, size // 4
    draw.rectangle([left, top, left + w, top + h], fill=(253, 252, 248, 255))
    return mark


def write_sample_images(folder: str) -> None:
    """The sample site's own pictures (`python -m tests.photos content/images`)."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hills-at-dawn.jpg").write_bytes(jpeg_bytes(scene(2400, 1600, 7, "dawn"), 86))
    lake = stored_sideways(scene(2000, 1500, 11, "dusk"))
    (out / "lake-at-dusk.jpg").write_bytes(with_metadata(lake, orientation=6))
    logo_out = io.BytesIO()
    logo().save(logo_out, "PNG", optimize=True)
    (out.parent / "logo.png").write_bytes(logo_out.getvalue())


if __name__ == "__main__":
    import sys

    write_sample_images(sys.argv[1] if len(sys.argv) > 1 else "content/images")
