"""The two faults real export tools write into otherwise good XML, found and repaired.

1. Bytes before the XML declaration (a stray byte, a second byte-order mark, a blank
   line): XML allows nothing before `<?xml`.
2. Attribute values without quotes (`<thread dsq:id=123>`): XML requires them.

`diagnose` names the fault at a parse error's line and column, so the strict import
can say what is wrong and how to fix it; `repair` (`--lenient`) mends both kinds and
lists each mend. Nothing inside CDATA sections or comments is ever touched, so the
text of a comment survives byte for byte.
"""

from __future__ import annotations

import re

_BOM = b"\xef\xbb\xbf"
# CDATA sections and comments pass through untouched; start tags are looked into.
_OPAQUE = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?.*?\?>", re.DOTALL)
_START_TAG = re.compile(rb"<[A-Za-z_][^<>]*>")
# An attribute, quoted or not: quoted values are consumed whole, so `a="x b=c"` is one.
_ATTRIBUTE = re.compile(rb"""(\s[^\s=/>"']+\s*=\s*)("[^"]*"|'[^']*'|[^\s"'<>`]+)""")


def leading_junk(data: bytes) -> bytes:
    """What stands before the document's first `<` (after one byte-order mark)."""
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    first = body.find(b"<")
    if first <= 0:
        return b""
    junk = body[:first]
    # Whitespace before the root is allowed when there is no XML declaration.
    if not body[first:].startswith(b"<?xml") and not junk.strip():
        return b""
    return junk


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def _unquoted(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """(offset of the value, attribute text, value) of every unquoted attribute value."""
    found: list[tuple[int, bytes, bytes]] = []
    position = 0
    for opaque in [*_OPAQUE.finditer(data), None]:
        end = opaque.start() if opaque is not None else len(data)
        for tag in _START_TAG.finditer(data, position, end):
            text = tag.group(0)
            for attribute in _ATTRIBUTE.finditer(text):
                value = attribute.group(2)
                if value[:1] in (b'"', b"'"):
                    continue
                if value.endswith(b"/") and text[attribute.end(2) :].startswith(b">"):
                    value = value[:-1]  # `<x a=1/>` closes itself; the slash is not the value's
                found.append((tag.start() + attribute.start(2), attribute.group(1), value))
        position = opaque.end() if opaque is not None else end
    return found


def diagnose(data: bytes, line: int, column: int) -> str | None:
    """What is wrong at ``line``:``column`` (1-based), if it is one of the known faults."""
    junk = leading_junk(data)
    if junk and line <= junk.count(b"\n") + 1:
        shown = " ".join(f"{byte:02x}" for byte in junk[:8]) + (" …" if len(junk) > 8 else "")
        return (
            f"{len(junk)} stray byte{'s' if len(junk) != 1 else ''} ({shown}) before the XML "
            "declaration; delete everything before `<?xml`, or import with --lenient"
        )
    for offset, attribute, value in _unquoted(data):
        at_line, at_column = _line_col(data, offset)
        if at_line == line and abs(at_column - column) <= 1:
            name = attribute.strip().rstrip(b"=").strip().decode("utf-8", "replace")
            text = value.decode("utf-8", "replace")
            return (
                f'the value of attribute {name} has no quotes; write {name}="{text}", '
                "or import with --lenient"
            )
    return None


def repair(data: bytes) -> tuple[bytes, list[str]]:
    """``data`` with both faults mended, and one line per mend (lines of the file as given)."""
    mends: list[str] = []
    pieces: list[bytes] = []
    position = 0
    for offset, attribute, value in _unquoted(data):
        line, column = _line_col(data, offset)
        name = attribute.strip().rstrip(b"=").strip().decode("utf-8", "replace")
        mends.append(f"line {line}, column {column}: put quotes around the value of {name}")
        quote = b"'" if b'"' in value else b'"'
        pieces += [data[position:offset], quote, value, quote]
        position = offset + len(value)
    pieces.append(data[position:])
    junk = leading_junk(data)
    if junk:
        bom = _BOM if data.startswith(_BOM) else b""
        pieces[0] = bom + pieces[0][len(bom) + len(junk) :]
        count = f"{len(junk)} stray byte{'s' if len(junk) != 1 else ''}"
        mends.insert(0, f"line 1: removed {count} before the XML declaration")
    return b"".join(pieces), mends
