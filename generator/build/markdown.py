"""The author's Markdown: one configured MarkdownIt, and render(text) -> Rendered.

CommonMark plus tables, strikethrough, footnotes, definition lists, task lists,
heading anchors, linkify and the typographer. The author's raw HTML is trusted.
Code fences are highlighted by Pygments with CSS classes (the theme styles them).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from generator.build.anchors import NO_RESERVED_IDS, ReservedIds, inline_text
from generator.build.highlight import highlight_code as highlight_code
from generator.build.highlight import pygments_css as pygments_css
from generator.build.markdown_fast import render_fast
from generator.core.models import Heading, Rendered
from generator.core.urls import slugify

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# markdown-it-py, its plugins and the token helpers are imported when the reference first
# renders: an essay the fast path proves (nearly every one) never needs them, and an
# edit's build spent tens of milliseconds importing them.

_HAS_WORD = re.compile(r"[^\W_]")


def heading_anchors(md: MarkdownIt) -> None:
    """Heading ids unique on the page (see anchors.py); pushed last, after the footnotes."""
    from generator.build.anchors import assign_heading_ids

    def rule(state: Any) -> None:
        assign_heading_ids(state.tokens, state.env, slugify)

    md.core.ruler.push("heading_anchors", rule)


# Salon's additions to CommonMark, each of which can be left out (for the conformance
# tests, which tell the spec's examples they change apart from real differences).
FEATURES = (
    "typographer",
    "linkify",
    "highlighting",
    "tables",
    "strikethrough",
    "footnotes",
    "deflists",
    "tasklists",
)


def build_markdown(without: frozenset[str] = frozenset()) -> MarkdownIt:
    """The author's MarkdownIt: CommonMark plus FEATURES (less ``without``) and anchors."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    from generator.contract.link_pretest import fast_linkify_pretest

    on = {feature: feature not in without for feature in FEATURES}
    md = MarkdownIt(
        "commonmark", {"typographer": on["typographer"], "linkify": on["linkify"], "html": True}
    )
    rules = {
        "table": on["tables"],
        "strikethrough": on["strikethrough"],
        "replacements": on["typographer"],
        "smartquotes": on["typographer"],
        "linkify": on["linkify"],
    }
    md.enable([rule for rule, wanted in rules.items() if wanted])
    plugins = {
        footnote_plugin: "footnotes",
        deflist_plugin: "deflists",
        tasklists_plugin: "tasklists",
    }
    for plugin, feature in plugins.items():
        if on[feature]:
            md.use(plugin)
    md.use(heading_anchors).use(fast_linkify_pretest)
    if on["highlighting"]:
        md.options["highlight"] = highlight_code
    return md


@lru_cache(maxsize=1)
def author_markdown() -> MarkdownIt:
    return build_markdown()


def _count_words(tokens: list[Token]) -> int:
    """Words as a word processor counts them: runs between spaces holding a letter or digit.

    Line breaks separate words as spaces do. Most runs are letters only, answered by
    isalpha() without a regular expression; matching a pattern over every character cost
    a sixth of a post's rendering.
    """
    text = " ".join(inline_text(t) for t in tokens if t.type == "inline")
    return sum(1 for run in text.split() if run.isalpha() or _HAS_WORD.search(run))


def render(text: str, summary: str = "", reserved: ReservedIds = NO_RESERVED_IDS) -> Rendered:
    """Render Markdown to HTML with its excerpt, table of contents and word count.

    Through markdown-it-pyrs where markdown_fast.py proves the result identical to the
    reference's, else through the reference, `render_reference`.
    """
    fast = render_fast(text, summary, reserved) if FAST_PATH else None
    return fast if fast is not None else render_reference(text, summary, reserved)


# On: the fast path gives the whole record (tests/test_markdown_fast.py compares it with the
# reference's over fixtures, the benchmark corpus and generated documents). Off renders
# everything through markdown-it-py, for comparing whole builds.
FAST_PATH = True


def render_reference(
    text: str, summary: str = "", reserved: ReservedIds = NO_RESERVED_IDS
) -> Rendered:
    """The reference rendering, through markdown-it-py.

    The excerpt is the text before `<!-- more -->`, else ``summary``, else the first
    paragraph (excerpt.py). Heading ids give way to ``reserved``, the theme's ids.
    """
    from generator.build import excerpt
    from generator.build.excerpt import more_index
    from generator.build.links import collect_links

    md = author_markdown()
    env: dict[str, Any] = {"reserved_ids": reserved}
    tokens = md.parse(text, env)
    html = md.renderer.render(tokens, md.options, env)

    more = more_index(tokens)
    if more is not None:
        excerpt_tokens = excerpt.balanced(tokens[:more])
    elif summary:
        excerpt_tokens = md.parse(summary, {})
    else:
        excerpt_tokens = excerpt.first_paragraph(tokens)
    excerpt_html = md.renderer.render(excerpt.for_listing(excerpt_tokens), md.options, {})

    toc = tuple(
        Heading(int(token.tag[1]), str(token.attrGet("id")), inline_text(tokens[i + 1]))
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0
    )
    # Nothing more to read when the excerpt is the whole body (a short note of one paragraph,
    # or a <!-- more --> with nothing after it but the closing of its containers).
    if more is not None:
        has_more = any(token.nesting != -1 for token in tokens[more + 1 :])
    else:
        has_more = bool(summary) or len(tokens) != len(excerpt_tokens)
    return Rendered(html=html, excerpt_html=excerpt_html, toc=toc, words=_count_words(tokens),
                    links=collect_links(tokens), has_more=has_more)  # fmt: skip
