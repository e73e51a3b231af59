"""The author's Markdown: one configured MarkdownIt, and render(text) -> Rendered.

CommonMark plus tables, strikethrough, footnotes, definition lists, task lists,
heading anchors, linkify and the typographer. The author's raw HTML is trusted.
Code fences are highlighted by Pygments with CSS classes (the theme styles them).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from generator.contract.link_pretest import fast_linkify_pretest
from generator.core.models import Heading, Rendered
from generator.core.urls import slugify

MORE_MARKER = re.compile(r"^\s*<!--\s*more\s*-->\s*$")
_HAS_WORD = re.compile(r"[^\W_]")
_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=256)
def _lexer(name: str) -> Lexer | None:
    """Pygments' lexer for a language name; finding one by name costs more than using it."""
    try:
        return get_lexer_by_name(name)
    except ClassNotFound:
        return None


def highlight_code(code: str, lang: str, _attrs: Any = None) -> str:
    """Pygments HTML for a fenced block, or '' to let markdown-it escape it plainly."""
    name = (lang or "").split()[0] if lang else ""
    if not name:
        return ""
    lexer = _lexer(name)
    if lexer is None:
        return ""
    body = str(pygments_highlight(code, lexer, _FORMATTER))
    # Starting with <pre tells markdown-it to use this as the whole block.
    return f'<pre class="highlight"><code class="language-{lexer.aliases[0]}">{body}</code></pre>'


def heading_anchors(md: MarkdownIt) -> None:
    """Give every heading a unique id made from its text (a core rule, run after inline)."""

    def rule(state: Any) -> None:
        used: dict[str, int] = {}
        tokens = state.tokens
        for index, token in enumerate(tokens):
            if token.type != "heading_open" or token.attrGet("id"):
                continue
            base = slugify(_inline_text(tokens[index + 1])) or "section"
            count = used.get(base, 0)
            used[base] = count + 1
            token.attrSet("id", base if count == 0 else f"{base}-{count}")

    md.core.ruler.push("heading_anchors", rule)


@lru_cache(maxsize=1)
def author_markdown() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"typographer": True, "linkify": True, "html": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes", "linkify"])
        .use(footnote_plugin)
        .use(deflist_plugin)
        .use(tasklists_plugin)
        .use(heading_anchors)
        .use(fast_linkify_pretest)
    )
    md.options["highlight"] = highlight_code
    return md


def _inline_text(token: Token) -> str:
    return "".join(
        child.content for child in (token.children or []) if child.type in ("text", "code_inline")
    )


def _count_words(tokens: list[Token]) -> int:
    """Words as a word processor counts them: runs between spaces holding a letter or digit.

    Most runs are letters only, answered by isalpha() without a regular expression;
    matching a pattern over every character cost a sixth of a post's rendering.
    """
    text = " ".join(_inline_text(t) for t in tokens if t.type == "inline")
    return sum(1 for run in text.split() if run.isalpha() or _HAS_WORD.search(run))


def _first_paragraph(tokens: list[Token]) -> list[Token]:
    for start, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            for end in range(start + 1, len(tokens)):
                if tokens[end].type == "paragraph_close" and tokens[end].level == 0:
                    return tokens[start : end + 1]
    return []


def _without_footnote_refs(tokens: list[Token]) -> list[Token]:
    """An excerpt is shown away from the footnotes, where a link to one would lead nowhere."""
    ends = [i for i, token in enumerate(tokens) if token.type == "footnote_block_open"]
    tokens = tokens[: ends[0]] if ends else tokens
    return [
        token.copy(children=[c for c in token.children if c.type != "footnote_ref"])
        if token.type == "inline" and token.children
        else token
        for token in tokens
    ]


def render(text: str, summary: str = "") -> Rendered:
    """Render Markdown to HTML with its excerpt, table of contents and word count.

    The excerpt is the text before `<!-- more -->`, else ``summary``, else the
    first paragraph.
    """
    md = author_markdown()
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    html = md.renderer.render(tokens, md.options, env)

    more = next(
        (
            i
            for i, t in enumerate(tokens)
            if t.type == "html_block" and MORE_MARKER.match(t.content)
        ),
        None,
    )
    if more is not None:
        excerpt_tokens = tokens[:more]
    elif summary:
        excerpt_tokens = md.parse(summary, {})
    else:
        excerpt_tokens = _first_paragraph(tokens)
    excerpt = md.renderer.render(_without_footnote_refs(excerpt_tokens), md.options, {})

    toc = tuple(
        Heading(int(token.tag[1]), str(token.attrGet("id")), _inline_text(tokens[i + 1]))
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0
    )
    return Rendered(html=html, excerpt_html=excerpt, toc=toc, words=_count_words(tokens))


def pygments_css() -> str:
    """The stylesheet for highlighted code, for light and dark colour schemes.

    xcode and lightbulb keep every token at WCAG AA contrast (4.5:1) on their own
    background. Pygments' token-name comments and its rules for line numbers (never
    emitted here) and for every <pre> are dropped: they weigh on every page.
    """
    light = HtmlFormatter(style="xcode").get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style="lightbulb").get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    light, dark = _compact_css(light), _compact_css(dark)
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"


def _compact_css(css: str) -> str:
    lines = (re.sub(r"\s*/\*[^*]*\*/$", "", line) for line in css.splitlines())
    return "\n".join(line for line in lines if line.startswith(".highlight"))
