"""Pillow's part, checked by opening what it makes: every rendition decodes, has the size
its plan claims, carries no metadata, is upright and sRGB, and is the same bytes twice."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from generator.build.image_plan import (
    ImageInfo,
    ImageProblem,
    plan_image,
    preview_rendition,
    target_widths,
)
from generator.build.image_process import make_renditions, read_info
from generator.core.image_settings import ImagesConfig
from tests.photos import scene, stored_sideways, with_metadata

SETTINGS = ImagesConfig()


@pytest.fixture(scope="module")
def phone_photo() -> bytes:
    """Upright 1800×1350 content stored sideways, with GPS, XMP, a comment and a profile."""
    return with_metadata(stored_sideways(scene(1800, 1350, 5, "noon")), orientation=6)


@pytest.fixture(scope="module")
def made(phone_photo: bytes) -> tuple[list, dict[str, bytes]]:
    info = read_info(phone_photo)
    plan = plan_image("essay/photo.jpg", info, SETTINGS)
    return list(plan.renditions), make_renditions(phone_photo, plan.renditions)


def test_facts_come_from_the_header_and_account_for_orientation(phone_photo: bytes) -> None:
    assert Image.open(io.BytesIO(phone_photo)).size == (1350, 1800)  # as stored
    info = read_info(phone_photo)
    assert (info.width, info.height, info.format, info.alpha) == (1800, 1350, "jpeg", False)


def test_every_rendition_decodes_at_the_size_claimed(made: tuple[list, dict[str, bytes]]) -> None:
    renditions, files = made
    assert {(r.format, r.width) for r in renditions} == {
        (fmt, w) for fmt in ("avif", "webp", "jpeg") for w in (480, 800, 1200, 1600)
    }
    for rendition in renditions:
        image = Image.open(io.BytesIO(files[rendition.spec]))
        image.load()
        assert image.format.lower() == rendition.format, rendition
        assert image.size == (rendition.width, rendition.height), rendition
        assert rendition.height == round(1350 * rendition.width / 1800)


def test_renditions_are_smaller_than_the_original(
    phone_photo: bytes, made: tuple[list, dict[str, bytes]]
) -> None:
    renditions, files = made
    for rendition in renditions:
        if rendition.width <= 1200:
            assert len(files[rendition.spec]) < len(phone_photo) / 2, rendition
    by = {(r.format, r.width): len(files[r.spec]) for r in renditions}
    assert by[("avif", 800)] < by[("jpeg", 800)] and by[("webp", 800)] < by[("jpeg", 800)]


def _markers(jpeg: bytes) -> list[int]:
    """The JPEG segment markers before the image data (APPn, COM, …)."""
    found, index = [], 2
    while index + 4 <= len(jpeg) and jpeg[index] == 0xFF:
        marker = jpeg[index + 1]
        if marker == 0xDA:  # start of scan: metadata comes before it
            break
        found.append(marker)
        index += 2 + int.from_bytes(jpeg[index + 2 : index + 4], "big")
    return found


def _webp_chunks(data: bytes) -> list[bytes]:
    chunks, index = [], 12
    while index + 8 <= len(data):
        name, size = data[index : index + 4], int.from_bytes(data[index + 4 : index + 8], "little")
        chunks.append(name)
        index += 8 + size + (size & 1)
    return chunks


def _avif_boxes(data: bytes) -> bytes:
    """The meta box's item types (an AVIF keeps EXIF and XMP as items named Exif / mime)."""
    start = data.find(b"iinf")
    end = data.find(b"iloc") if data.find(b"iloc") > start else start + 400
    return data[start:end]


def test_no_metadata_survives_in_any_format(made: tuple[list, dict[str, bytes]]) -> None:
    renditions, files = made
    for rendition in renditions:
        data = files[rendition.spec]
        image = Image.open(io.BytesIO(data))
        assert not image.getexif(), rendition
        assert not image.getexif().get_ifd(0x8825), rendition  # GPS
        for key in ("exif", "xmp", "comment", "icc_profile", "XML:com.adobe.xmp"):
            assert not image.info.get(key), (rendition, key)
        assert b"Salon Test Camera" not in data and b"GPSLatitude" not in data
        assert b"Consulting room" not in data
        if rendition.format == "jpeg":
            # No APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC) or COM segment at all.
            assert not {0xE1, 0xE2, 0xED, 0xFE} & set(_markers(data)), _markers(data)
        elif rendition.format == "webp":
            assert not {b"EXIF", b"XMP ", b"ICCP"} & set(_webp_chunks(data))
        else:
            assert b"Exif" not in _avif_boxes(data) and b"mime" not in _avif_boxes(data)
            assert b"colr" not in data or b"prof" not in data  # no embedded ICC profile


def test_orientation_is_applied_before_stripping() -> None:
    # Upright: a red top half and a blue bottom half; stored rotated with orientation 6.
    upright = Image.new("RGB", (400, 300), (220, 20, 20))
    upright.paste((20, 20, 220), (0, 150, 400, 300))
    data = with_metadata(stored_sideways(upright), orientation=6)
    plan = plan_image("x.jpg", read_info(data), ImagesConfig(widths=(200,), formats=()))
    (rendition,) = plan.renditions
    image = Image.open(io.BytesIO(make_renditions(data, plan.renditions)[rendition.spec]))
    assert image.size == (200, 150)
    top, bottom = image.getpixel((100, 20)), image.getpixel((100, 130))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0], (top, bottom)


def test_colours_are_converted_to_srgb() -> None:
    """The same pixel values under a wide-gamut profile are more saturated in sRGB terms."""
    flat = Image.new("RGB", (64, 64), (40, 180, 60))
    tagged = with_metadata(flat)  # carries the wide-gamut test profile
    plan = plan_image("x.jpg", read_info(tagged), ImagesConfig(widths=(64,), formats=()))
    (rendition,) = plan.renditions
    out = Image.open(io.BytesIO(make_renditions(tagged, plan.renditions)[rendition.spec]))
    red, green, blue = out.getpixel((32, 32))
    # Unconverted it would stay near (40, 180, 60): the profile widens it towards pure green.
    assert red < 20 and blue < 45 and green >= 175, (red, green, blue)
    assert "icc_profile" not in out.info


def test_the_same_input_gives_the_same_bytes(phone_photo: bytes) -> None:
    plan = plan_image("x.jpg", read_info(phone_photo), ImagesConfig(widths=(480, 800)))
    first = make_renditions(phone_photo, plan.renditions)
    second = make_renditions(phone_photo, plan.renditions)
    assert first == second


def test_transparency_keeps_a_png_fallback() -> None:
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((200, 50, 50, 255), (50, 50, 250, 150))
    out = io.BytesIO()
    image.save(out, "PNG")
    info = read_info(out.getvalue())
    plan = plan_image("logo.png", info, ImagesConfig(widths=(100, 300)))
    assert plan.fallback == "png" and info.alpha
    files = make_renditions(out.getvalue(), plan.renditions)
    for rendition in plan.renditions:
        decoded = Image.open(io.BytesIO(files[rendition.spec]))
        assert decoded.mode == "RGBA", rendition
        assert decoded.getpixel((0, 0))[3] == 0, rendition


def test_widths_stop_at_the_original_and_include_it() -> None:
    narrow = ImageInfo(1000, 500, "jpeg")
    assert target_widths(narrow, SETTINGS) == [480, 800, 1000]
    tiny = ImageInfo(300, 200, "jpeg")
    assert target_widths(tiny, SETTINGS) == [300]
    plan = plan_image("a/b.jpg", narrow, SETTINGS, preview=True)
    preview = preview_rendition(plan, SETTINGS)
    assert preview is not None and (preview.width, preview.path) == (1000, "a/b.jpg")
    wide = plan_image("a/c.jpg", ImageInfo(4000, 3000, "jpeg"), SETTINGS, preview=True)
    preview = preview_rendition(wide, SETTINGS)
    assert preview is not None and (preview.width, preview.height) == (1200, 900)


def test_an_image_no_page_shows_is_only_made_safe() -> None:
    plan = plan_image("stray.jpg", ImageInfo(3000, 2000, "jpeg"), SETTINGS, used=False)
    assert [(r.path, r.width, r.format) for r in plan.renditions] == [("stray.jpg", 1600, "jpeg")]


def test_a_webp_source_keeps_its_own_path_and_gets_a_jpeg_fallback() -> None:
    plan = plan_image("p/x.webp", ImageInfo(900, 600, "webp"), SETTINGS)
    assert plan.fallback == "jpeg"
    paths = {r.path for r in plan.renditions}
    assert "p/x.webp" in paths and "p/x-900.jpg" in paths and "p/x-480.avif" in paths


def test_corrupt_truncated_and_non_images_are_refused() -> None:
    with pytest.raises(ImageProblem, match="not an image"):
        read_info(b"this is not a picture at all")
    good = with_metadata(scene(400, 300, 2))
    truncated = good[: len(good) // 3]
    info = read_info(truncated)  # the header is intact
    plan = plan_image("t.jpg", info, ImagesConfig(widths=(200,), formats=()))
    with pytest.raises(ImageProblem, match="cannot be decoded, corrupt or truncated"):
        make_renditions(truncated, plan.renditions)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # A tiny PNG claiming 20,000 × 20,000 pixels: 400 million, beyond Pillow's limit.
    def chunk(name: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(name + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + name + body + crc

    header = (20000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    with pytest.raises(ImageProblem, match="decompression bomb"):
        read_info(bomb)


@pytest.mark.parametrize(
    ("mode", "fmt", "colour"),
    [
        ("CMYK", "JPEG", (0, 200, 200, 0)),  # print-ready scans
        ("I;16", "PNG", 40000),  # 16-bit grey
        ("L", "JPEG", 128),
        ("LA", "PNG", (128, 100)),
        ("P", "PNG", 3),
    ],
)
def test_unusual_modes_come_out_as_web_images(mode: str, fmt: str, colour: object) -> None:
    source = Image.new(mode, (320, 200), colour)  # type: ignore[arg-type]
    out = io.BytesIO()
    source.save(out, fmt)
    data = out.getvalue()
    info = read_info(data)
    plan = plan_image(f"x.{fmt.lower()}", info, ImagesConfig(widths=(160, 320)))
    files = make_renditions(data, plan.renditions)
    for rendition in plan.renditions:
        image = Image.open(io.BytesIO(files[rendition.spec]))
        image.load()
        assert image.mode in ("RGB", "RGBA"), (mode, rendition, image.mode)
        assert image.size == (rendition.width, rendition.height)
