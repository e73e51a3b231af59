"""Pygments highlighting for the author's code fences, and what it gave kept between builds.

Both Markdown engines (markdown.py, the reference, and markdown_fast.py) highlight a
fence through ``highlight_code``. Pygments is imported only when a fence must be
highlighted now: setting up its Python lexer (regular expressions compiled on first use)
and importing it were a tenth of a build with one essay edited, for a code block that
had not changed. So while the Markdown step renders, ``remembering`` keeps each
highlighting in the build cache (table "highlight"), keyed by the language, the code,
Pygments' version and HIGHLIGHT_FORM; an essay rendered again for an edit of its text
finds its code there.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pygments.lexer import Lexer

# The shape of what ``_highlight_now`` gives: changed with it, so that no stored
# highlighting of an older shape is used.
HIGHLIGHT_FORM = "1"


class _Memory:
    """The highlightings of this build's Markdown step: found in the cache, or new."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.new: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        if key in self.new:
            return self.new[key]
        row = self.db.execute("SELECT value FROM highlight WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])


_MEMORY: _Memory | None = None  # set by ``remembering``, in this process, while it lasts


@contextmanager
def remembering(db: sqlite3.Connection) -> Iterator[None]:
    """Highlightings looked up in, and new ones stored to, the cache ``db`` (the
    build's connection, or a Markdown worker's own) while the block runs."""
    global _MEMORY
    before, _MEMORY = _MEMORY, _Memory(db)
    memory = _MEMORY
    try:
        yield
        if memory.new:
            with db:
                db.executemany("INSERT OR REPLACE INTO highlight VALUES (?, ?)", memory.new.items())
    finally:
        _MEMORY = before


def forget_if_grown(db: sqlite3.Connection, documents: int) -> None:
    """Empty the table once it holds far more than a site of ``documents`` could use:
    every edit of a code block adds a row, and which rows a build used is not known
    (most fences are answered without a look-up, by an unchanged essay's rendering)."""
    (count,) = db.execute("SELECT count(*) FROM highlight").fetchone()
    if count > 4 * documents + 1000:
        with db:
            db.execute("DELETE FROM highlight")


def stylesheet(db: sqlite3.Connection) -> str:
    """``pygments_css()``, kept in the table under Pygments' version: making it needs
    Pygments' formatters and two styles, which a build that highlights nothing new
    would otherwise import for it alone."""
    import pygments

    key = f"css\0{HIGHLIGHT_FORM}\0{pygments.__version__}"
    row = db.execute("SELECT value FROM highlight WHERE key = ?", (key,)).fetchone()
    if row is not None:
        return str(row[0])
    css = pygments_css()
    with db:
        db.execute("INSERT OR REPLACE INTO highlight VALUES (?, ?)", (key, css))
    return css


def highlight_code(code: str, lang: str, _attrs: Any = None) -> str:
    """Pygments HTML for a fenced block, or '' to let the engine escape it plainly."""
    return _highlighted(code, lang or "")


@lru_cache(maxsize=512)
def _highlighted(code: str, lang: str) -> str:
    """Cached: essays repeat snippets, and Pygments costs far more than the lookup."""
    name = lang.split()[0] if lang else ""
    if not name:
        return ""
    memory = _MEMORY
    if memory is None:
        return _highlight_now(code, name)
    key = _key(code, name)
    known = memory.get(key)
    if known is None:
        known = memory.new[key] = _highlight_now(code, name)
    return known


def _key(code: str, name: str) -> str:
    import pygments  # its package alone: a version string, none of its lexers

    text = f"{HIGHLIGHT_FORM}\0{pygments.__version__}\0{name}\0{code}"
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _highlight_now(code: str, name: str) -> str:
    from pygments import highlight

    lexer = _lexer(name)
    if lexer is None:
        return ""
    body = str(highlight(code, lexer, _formatter()))
    # Starting with <pre tells markdown-it to use this as the whole block.
    return f'<pre class="highlight"><code class="language-{lexer.aliases[0]}">{body}</code></pre>'


@lru_cache(maxsize=256)
def _lexer(name: str) -> Lexer | None:
    """Pygments' lexer for a language name; finding one by name costs more than using it."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name)
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def pygments_css() -> str:
    """The stylesheet for highlighted code, for light and dark colour schemes.

    xcode and lightbulb keep every token at WCAG AA contrast (4.5:1) on their own
    background. Pygments' token-name comments and its rules for line numbers (never
    emitted here) and for every <pre> are dropped: they weigh on every page.
    """
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="xcode").get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style="lightbulb").get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    light, dark = _compact_css(light), _compact_css(dark)
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"


def _compact_css(css: str) -> str:
    lines = (re.sub(r"\s*/\*[^*]*\*/$", "", line) for line in css.splitlines())
    return "\n".join(line for line in lines if line.startswith(".highlight"))
