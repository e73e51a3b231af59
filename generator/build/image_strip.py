"""Metadata out of the images published in their own encoding: GIFs and animations.

A GIF, an animated PNG or an animated WebP is not re-encoded (Pillow would lose frames,
timing or palette), but it may still carry what a camera or an editor wrote: EXIF (GPS
included), XMP, text chunks, comments. The file is rewritten at the container level,
keeping only the blocks known to draw, colour, time or loop the picture, byte for byte
(so the animation is exactly the same); every other block goes, known metadata or not,
so a block with a damaged or unfamiliar name cannot carry anything through. A file
whose structure cannot be followed raises ImageProblem: it is not published at all,
since what could not be read was not stripped.
"""

from __future__ import annotations

import struct

from generator.build.image_plan import ImageProblem

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The PNG chunks that decide what is shown (pixels, palette, transparency, colour, the
# APNG frames and their timing); text, EXIF, time stamps and anything else are dropped.
PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
    b"sBIT", b"cICP", b"mDCv", b"cLLi", b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
# The WebP chunks that draw and animate; EXIF, XMP and unknown chunks are dropped.
WEBP_KEPT = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
WEBP_EXIF_FLAG, WEBP_XMP_FLAG = 0x08, 0x04
GIF_LOOPING = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}  # the application blocks that mean "loop"


def strip_metadata(data: bytes) -> bytes:
    """``data`` with its metadata removed; GIF, PNG (animated or not) or WebP."""
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif(data)
    if data.startswith(PNG_SIGNATURE):
        return _png(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    raise ImageProblem("not a GIF, PNG or WebP file, so its metadata cannot be removed")


def _truncated(kind: str) -> ImageProblem:
    return ImageProblem(f"a damaged or truncated {kind} file (its blocks end too soon)")


def _png(data: bytes) -> bytes:
    out = [PNG_SIGNATURE]
    at = len(PNG_SIGNATURE)
    while at < len(data):
        if at + 12 > len(data):
            raise _truncated("PNG")
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        end = at + 12 + length
        if end > len(data):
            raise _truncated("PNG")
        if kind in PNG_KEPT:
            out.append(data[at:end])
        at = end
        if kind == b"IEND":
            return b"".join(out)
    raise _truncated("PNG")


def _webp(data: bytes) -> bytes:
    size = struct.unpack("<I", data[4:8])[0]
    if size + 8 > len(data) or size < 4:
        raise _truncated("WebP")
    chunks = []
    at, end = 12, 8 + size
    while at < end:
        if at + 8 > end:
            raise _truncated("WebP")
        kind, length = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        stop = at + 8 + length + (length & 1)  # chunks are padded to an even length
        if stop > end:
            raise _truncated("WebP")
        if kind == b"VP8X":  # the header's flags must no longer announce EXIF or XMP
            flags = data[at + 8] & ~(WEBP_EXIF_FLAG | WEBP_XMP_FLAG) & 0xFF
            chunks.append(data[at : at + 8] + bytes([flags]) + data[at + 9 : stop])
        elif kind in WEBP_KEPT:
            chunks.append(data[at:stop])
        at = stop
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _gif(data: bytes) -> bytes:
    if len(data) < 13:
        raise _truncated("GIF")
    packed = data[10]
    at = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)  # global colour table
    out = [data[:at]]
    while True:
        if at >= len(data):
            raise _truncated("GIF")
        introducer = data[at]
        if introducer == 0x3B:  # trailer
            out.append(b"\x3b")
            return b"".join(out)
        if introducer == 0x2C:  # an image: descriptor, local colour table, LZW data
            if at + 11 > len(data):
                raise _truncated("GIF")
            local = data[at + 9]
            start = at
            at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            if at >= len(data) or not 1 <= data[at] <= 11:  # the LZW code size (12-bit codes)
                raise ImageProblem("a damaged GIF file (an image without a valid LZW code size)")
            at = _skip_sub_blocks(data, at + 1)
            out.append(data[start:at])
        elif introducer == 0x21:  # an extension: label, then sub-blocks
            if at + 2 > len(data):
                raise _truncated("GIF")
            label, start = data[at + 1], at
            first = data[at + 3 : at + 3 + data[at + 2]] if at + 2 < len(data) else b""
            at = _skip_sub_blocks(data, at + 2)
            block = data[start:at]
            # Plain text (0x01) is left out with comments and XMP: no browser draws it.
            if label == 0xF9:  # graphic control (timing): 4 bytes, nothing more
                out.append(_canonical(block, 2, 4))
            elif label == 0xFF and first in GIF_LOOPING:  # not XMP, not others
                out.append(_canonical(block, 3 + len(first), 3))
        else:
            raise ImageProblem(f"a damaged GIF file (unknown block 0x{introducer:02x})")


def _canonical(block: bytes, at: int, size: int) -> bytes:
    """An extension kept as its fixed form alone: its header up to ``at``, one sub-block of
    ``size`` bytes, the end. A damaged length can make a block's chain run on over the
    blocks after it (a comment, XMP): those bytes are never kept with it."""
    if len(block) < at + 1 + size or block[at] != size:
        return b""  # not the form it must have: left out, like any block not understood
    return block[: at + 1 + size] + b"\x00"


def _skip_sub_blocks(data: bytes, at: int) -> int:
    """Past a chain of sub-blocks (each a length byte, then that many bytes; 0 ends it)."""
    while True:
        if at >= len(data):
            raise _truncated("GIF")
        length = data[at]
        at += 1 + length
        if length == 0:
            return at
