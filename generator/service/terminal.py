"""Readers' text on the moderator's terminal: escaped, clipped, in columns.

A commenter's name could otherwise move the cursor, recolour or retitle the
moderator's terminal, or reverse the text after it.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime


def printable(text: str) -> str:
    """Text with every control, format and separator character escaped (\\x1b, \\u202e).

    A commenter's name could otherwise move the cursor, recolour or retitle the
    moderator's terminal, or reverse the text after it.
    """
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def one_line(text: str) -> str:
    return printable(" ".join(text.split()))


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
