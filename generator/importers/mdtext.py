"""Pieces of Markdown text: escaping, emphasis that reads right, links and code spans.

Inline Markdown is first assembled with placeholder characters for line breaks and
emphasis, because whether `**` works depends on the characters around it, which are
only known once the whole paragraph is there.
"""

from __future__ import annotations

import re
import unicodedata

BR = "\x01"  # a line break inside a paragraph, placed before whitespace is tidied
_MARKS = {
    "\x02": ("**", "strong", True), "\x03": ("**", "strong", False),
    "\x04": ("*", "em", True), "\x05": ("*", "em", False),
    "\x06": ("~~", "del", True), "\x07": ("~~", "del", False),
}  # fmt: skip
OPEN = {"strong": "\x02", "em": "\x04", "del": "\x06"}
CLOSE = {"strong": "\x03", "em": "\x05", "del": "\x07"}
_URL = re.compile(r"https?://[^\s<>\"\x01-\x07]+")


# -- text -------------------------------------------------------------------------------


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith(("P", "S"))


def _escape_plain(text: str) -> str:
    text = re.sub(r"\\(?=[!-/:-@\[-`{-~]|$)", r"\\\\", text)
    text = re.sub(r"[`*]", lambda m: "\\" + m.group(0), text)
    text = re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\\_", text)
    text = re.sub(r"\](?=[(\[:])", r"\\]", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", r"\\<", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return text.replace("~~", "\\~\\~")


def escape_text(text: str) -> str:
    """Escape what Markdown would read as syntax, leaving web addresses as they are."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        out.append(_escape_plain(text[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_escape_plain(text[position:]))
    return "".join(out)


_LINE_START = (
    (re.compile(r"^(#{1,6})(?=\s|$)"), r"\\\1"),
    (re.compile(r"^([>+:-])(?=\s|$)"), r"\\\1"),
    (re.compile(r"^>"), r"\\>"),
    (re.compile(r"^(\d{1,9})([.)])(?=\s|$)"), r"\1\\\2"),
    (re.compile(r"^([=-])(?=[=\- ]*$)"), r"\\\1"),
)


def escape_line_start(line: str) -> str:
    for pattern, replacement in _LINE_START:
        line = pattern.sub(replacement, line, count=1)
    return line


def resolve_marks(text: str, allow_html: bool) -> str:
    """Turn emphasis placeholders into `**`, `*`, `~~`, or HTML where Markdown would fail.

    CommonMark only reads `**` as emphasis when it "flanks" the words (`**Note:**text`
    does not work), so each pair is checked against its neighbours.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, char in enumerate(text):
        if char in _MARKS:
            if _MARKS[char][2]:
                stack.append(index)
            elif stack:
                opener = stack.pop()
                pairs[opener] = index
    kind_ok: dict[int, bool] = {}

    def around(index: int, step: int) -> str:
        neighbour = index + step
        if neighbour < 0 or neighbour >= len(text) or text[neighbour] == BR:
            return " "
        return "*" if text[neighbour] in _MARKS else text[neighbour]

    for opener, closer in pairs.items():
        before, after = around(opener, -1), around(opener, 1)
        opens = not after.isspace() and (
            not _is_punctuation(after) or before.isspace() or _is_punctuation(before)
        )
        before, after = around(closer, -1), around(closer, 1)
        closes = not before.isspace() and (
            not _is_punctuation(before) or after.isspace() or _is_punctuation(after)
        )
        kind_ok[opener] = kind_ok[closer] = opens and closes
    out: list[str] = []
    for index, char in enumerate(text):
        if char not in _MARKS:
            out.append(char)
            continue
        marker, tag, is_open = _MARKS[char]
        if index not in kind_ok:
            continue  # unpaired: drop
        if kind_ok[index]:
            out.append(marker)
        elif allow_html:
            out.append(f"<{tag}>" if is_open else f"</{tag}>")
    return "".join(out)


def link_destination(url: str) -> str:
    url = url.strip().replace("\n", "")
    balanced = url.count("(") == url.count(")")
    if not url or any(c in url for c in " <>") or not balanced:
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def link_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        return ""
    return ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'


def code_span(code: str) -> str:
    code = " ".join(code.split("\n"))
    if not code.strip():
        return ""
    runs = {len(run) for run in re.findall(r"`+", code)}
    ticks = next(n for n in range(1, len(code) + 2) if n not in runs)
    fence = "`" * ticks
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def keep_attribute(tag: str, name: str) -> bool:
    """Attributes kept on HTML that stays HTML: not WordPress's classes, styles or scripts."""
    return not (
        name in ("class", "style", "srcset", "sizes", "loading", "decoding")
        or name.startswith(("on", "data-"))
    )


def split_edges(text: str) -> tuple[str, str, str]:
    """(leading whitespace, core, trailing whitespace) of inline Markdown."""
    edge = " \t\n" + BR
    core = text.strip(edge)
    if not core:
        return text, "", ""
    lead = text[: len(text) - len(text.lstrip(edge))]
    trail = text[len(text.rstrip(edge)) :]
    return lead, core, trail
