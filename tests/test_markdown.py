"""The author's Markdown: render(text) -> Rendered(html, excerpt_html, toc, words)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build.anchors import ReservedIds
from generator.build.markdown import pygments_css, render
from generator.core.models import Heading
from tests.htmldom import parse_html
from tests.pagechecks import unbalanced


def html(text: str) -> str:
    return render(text).html


def test_typographer_curly_quotes_apostrophes_dashes_and_ellipsis() -> None:
    out = html('She said "stay" -- it\'s the point --- or so... I thought.\n')
    assert out == "<p>She said “stay” – it’s the point — or so… I thought.</p>\n"
    assert html("'Single' quotes.\n") == "<p>‘Single’ quotes.</p>\n"


def test_typography_leaves_code_alone() -> None:
    assert html('`"x" -- y...`\n') == "<p><code>&quot;x&quot; -- y...</code></p>\n"


def test_tables() -> None:
    doc = parse_html(html("| Name | Age |\n|------|----:|\n| Ann | 9 |\n"))
    table = doc.one("table")
    assert [th.text for th in table.find_all("th")] == ["Name", "Age"]
    assert [td.text for td in table.one("tbody").find_all("td")] == ["Ann", "9"]


def test_strikethrough() -> None:
    assert html("~~gone~~\n") == "<p><s>gone</s></p>\n"


def test_footnotes() -> None:
    doc = parse_html(html("Claim.[^1]\n\n[^1]: Source.\n"))
    ref = doc.one("sup", class_="footnote-ref").one("a")
    assert ref.get("href") == "#fn1"
    note = doc.one("section", class_="footnotes").one("li", id="fn1")
    assert note.text.startswith("Source.")


def test_definition_lists() -> None:
    doc = parse_html(html("Alliance\n: The bond between client and therapist.\n"))
    assert doc.one("dl").one("dt").text == "Alliance"
    assert doc.one("dd").text == "The bond between client and therapist."


def test_task_lists() -> None:
    doc = parse_html(html("- [ ] to do\n- [x] done\n"))
    boxes = doc.find_all("input", type="checkbox")
    assert len(boxes) == 2
    assert "checked" not in boxes[0].attrs
    assert "checked" in boxes[1].attrs
    assert all("disabled" in box.attrs for box in boxes)


def test_linkify() -> None:
    doc = parse_html(html("See https://example.org today.\n"))
    assert doc.one("a").get("href") == "https://example.org"


def test_raw_html_of_the_author_is_kept() -> None:
    out = html('<figure class="wide"><img src="a.jpg" alt="A"></figure>\n\nText <kbd>K</kbd>.\n')
    doc = parse_html(out)
    assert doc.one("figure", class_="wide").one("img").get("src") == "a.jpg"
    assert doc.one("kbd").text == "K"


def test_headings_get_unique_ids_and_make_the_table_of_contents() -> None:
    rendered = render("# Top\n\n## Why *we* listen\n\n### Notes\n\n## Notes\n\n## Notes\n")
    doc = parse_html(rendered.html)
    assert [h.get("id") for h in doc.find_all() if h.tag in ("h1", "h2", "h3")] == [
        "top",
        "why-we-listen",
        "notes",
        "notes-1",
        "notes-2",
    ]
    assert rendered.toc == (
        Heading(1, "top", "Top"),
        Heading(2, "why-we-listen", "Why we listen"),
        Heading(3, "notes", "Notes"),
        Heading(2, "notes-1", "Notes"),
        Heading(2, "notes-2", "Notes"),
    )


def test_headings_inside_blockquotes_are_not_in_the_toc() -> None:
    assert render("> ## Quoted\n\n## Real\n").toc == (Heading(2, "real", "Real"),)


def test_heading_ids_keep_letters_of_any_script() -> None:
    assert render("## Über die Stille\n").toc[0].anchor == "über-die-stille"
    assert render("## ?!\n").toc[0].anchor == "section"


def test_excerpt_is_the_text_before_more() -> None:
    rendered = render("First.\n\nSecond.\n\n<!-- more -->\n\nThird.\n", summary="Ignored.")
    assert rendered.excerpt_html == "<p>First.</p>\n<p>Second.</p>\n"
    assert "<p>Third.</p>" in rendered.html


def test_excerpt_is_the_summary_when_there_is_no_more_marker() -> None:
    assert render("First.\n\nSecond.\n", summary='A *short* "summary"').excerpt_html == (
        "<p>A <em>short</em> “summary”</p>\n"
    )


def test_excerpt_is_the_first_top_level_paragraph_otherwise() -> None:
    assert render("# Title\n\n> Quote.\n\nFirst.\n\nSecond.\n").excerpt_html == "<p>First.</p>\n"
    assert render("## Only a heading\n").excerpt_html == ""


def test_excerpt_drops_footnote_marks() -> None:
    assert render("Claim.[^1] More.\n\n[^1]: Source.\n").excerpt_html == "<p>Claim. More.</p>\n"


def test_word_count_counts_prose_not_markup_or_code_blocks() -> None:
    text = "# Two words\n\nIt's **three words** here, and `code`.\n\n```\nnot counted at all\n```\n"
    assert render(text).words == 2 + 6
    assert render("").words == 0


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (230, 1), (460, 2), (1000, 4)])
def test_reading_time_is_at_least_a_minute(words: int, minutes: int) -> None:
    assert render(" ".join(["word"] * words)).reading_minutes == minutes


def test_code_is_highlighted_with_classes_and_no_inline_styles() -> None:
    out = html('```python\ndef f():\n    return "<b>"\n```\n')
    doc = parse_html(out)
    code = doc.one("pre", class_="highlight").one("code", class_="language-python")
    assert [span.text for span in code.find_all("span", class_="k")] == ["def", "return"]
    assert "style=" not in out
    assert "&lt;b&gt;" in out  # code is escaped, never raw HTML


def test_unknown_or_missing_language_is_a_plain_escaped_block() -> None:
    assert html("```nosuchlang\n<b>\n```\n") == (
        '<pre><code class="language-nosuchlang">&lt;b&gt;\n</code></pre>\n'
    )
    assert html("```\n<b>\n```\n") == "<pre><code>&lt;b&gt;\n</code></pre>\n"


def test_pygments_css_covers_light_and_dark_schemes() -> None:
    css = pygments_css()
    assert ".highlight .k " in css
    assert "@media (prefers-color-scheme: dark)" in css


def test_words_are_counted_as_word_processors_count_them() -> None:
    text = "Well-being, e.g. un*believ*able — x/y and 3.5 of them… “Quoted” words!\n"
    # Well-being, | e.g. | unbelievable | x/y | and | 3.5 | of | them… | “Quoted” | words!
    assert render(text).words == 10


def _ids(out: str) -> list[str]:
    return [str(node.get("id")) for node in parse_html(out).find_all() if node.get("id")]


def test_heading_ids_never_repeat_even_when_a_suffix_is_a_heading_of_its_own() -> None:
    rendered = render("# Foo\n\n# Foo\n\n# Foo 1\n\n# Foo\n")
    assert [h.anchor for h in rendered.toc] == ["foo", "foo-1", "foo-1-1", "foo-2"]
    assert len(set(_ids(rendered.html))) == len(_ids(rendered.html))


def test_a_heading_gives_way_to_a_footnote_id() -> None:
    rendered = render("# fn1\n\n## fnref1\n\nClaim.[^a]\n\n[^a]: Source.\n")
    ids = _ids(rendered.html)
    assert "fn1" in ids and "fnref1" in ids
    assert [h.anchor for h in rendered.toc] == ["fn1-1", "fnref1-1"]
    assert len(set(ids)) == len(ids)


def test_a_heading_gives_way_to_an_id_the_author_wrote_in_html() -> None:
    rendered = render(
        "<div id=\"notes\">x</div>\n\n## Notes\n\nSee <span id='why'>this</span>.\n\n## Why\n"
    )
    assert [h.anchor for h in rendered.toc] == ["notes-1", "why-1"]


def test_a_heading_gives_way_to_the_themes_reserved_ids() -> None:
    reserved = ReservedIds.from_names(["main", "comments", "respond", "comment-*"])
    rendered = render("# Main\n\n## Comments\n\n## Respond\n\n## Comment 3\n", reserved=reserved)
    assert [h.anchor for h in rendered.toc] == [
        "main-1",
        "comments-1",
        "respond-1",
        "section-comment-3",
    ]
    assert [h.anchor for h in render("## Comments\n").toc] == ["comments"]


def test_more_inside_a_list_or_blockquote_gives_a_balanced_excerpt() -> None:
    in_list = render("- one\n- two\n\n  <!-- more -->\n\n  rest\n- three\n").excerpt_html
    assert in_list == "<ul>\n<li>\n<p>one</p>\n</li>\n<li>\n<p>two</p>\n</li>\n</ul>\n"
    quoted = render("> Said.\n>\n> <!-- more -->\n>\n> Unsaid.\n").excerpt_html
    assert quoted == "<blockquote>\n<p>Said.</p>\n</blockquote>\n"
    first = render("- <!-- more -->\n\n  after\n").excerpt_html
    assert first == ""


def test_excerpts_carry_no_heading_ids() -> None:
    rendered = render("## Introduction\n\nFirst.\n\n<!-- more -->\n\nMore.\n")
    assert rendered.excerpt_html == "<h2>Introduction</h2>\n<p>First.</p>\n"
    assert 'id="introduction"' in rendered.html


def test_words_are_not_glued_across_line_breaks() -> None:
    assert render("one\ntwo\nthree\n").words == 3
    assert render("one  \ntwo\\\nthree\n").words == 3
    wrapped = "\n".join(" ".join(["word"] * 10) for _ in range(30))
    assert render(wrapped + "\n").words == 300


def test_a_two_line_setext_heading_reads_as_two_words_in_the_contents() -> None:
    rendered = render("Foo\nbar\n===\n")
    assert rendered.toc == (Heading(1, "foo-bar", "Foo bar"),)


_HEADING_TEXT = st.sampled_from(
    ["Foo", "Foo 1", "foo-1", "Main", "Comments", "fn1", "Comment 2", "?!"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_HEADING_TEXT, max_size=8), st.booleans())
def test_every_id_on_a_rendered_body_is_unique(headings: list[str], footnote: bool) -> None:
    text = "".join(f"## {h}\n\n" for h in headings) + (
        "Note.[^1]\n\n[^1]: N.\n" if footnote else ""
    )
    reserved = ReservedIds.from_names(["main", "comments", "comment-*"])
    rendered = render(text, reserved=reserved)
    ids = _ids(rendered.html)
    assert len(ids) == len(set(ids))
    assert not {"main", "comments"} & set(ids)
    assert not any(i.startswith("comment-") for i in ids)


_BLOCK = st.sampled_from(
    [
        "Para.",
        "- item",
        "- item\n\n  more",
        "> quote",
        "> - quoted item",
        "1. one",
        "<!-- more -->",
        "  <!-- more -->",
        "## Head",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_BLOCK, min_size=1, max_size=6))
def test_an_excerpt_is_always_balanced_html(blocks: list[str]) -> None:
    text = "\n\n".join(blocks) + "\n"
    for prefix in ("", "- ", "> "):
        nested = "\n".join(prefix + line if line else prefix.rstrip() for line in text.splitlines())
        excerpt = render(nested + "\n").excerpt_html
        assert unbalanced(excerpt) == [], (nested, excerpt)
