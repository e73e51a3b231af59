"""WordPress HTML → Markdown: each rule, and that the Markdown renders back to the same meaning."""

from __future__ import annotations

import pytest

from generator.build.markdown import render
from generator.contract.comment_html import render_comment_body
from generator.importers.html_inline import Options
from generator.importers.html_to_markdown import html_to_markdown
from generator.importers.shortcodes import expand_shortcodes, parse_attributes
from tests.htmldom import parse_html


def md(source: str, **options: object) -> str:
    return html_to_markdown(source, Options(**options)).markdown  # type: ignore[arg-type]


# -- automatic paragraphs (wpautop) ------------------------------------------------------


def test_classic_content_blank_lines_make_paragraphs_and_newlines_make_breaks() -> None:
    source = "First line\nsecond line.\n\nA new paragraph.\n\n\n\nAnd another."
    assert md(source) == "First line\\\nsecond line.\n\nA new paragraph.\n\nAnd another.\n"
    html = render(md(source)).html
    assert html.count("<p>") == 3 and "<br />" in html


def test_newlines_next_to_block_tags_are_not_line_breaks() -> None:
    source = "Intro text\n<ul>\n\t<li>one</li>\n\t<li>two</li>\n</ul>\nAfter the list."
    assert md(source) == "Intro text\n\n- one\n- two\n\nAfter the list.\n"


def test_block_editor_content_is_real_html_and_block_comments_are_dropped() -> None:
    source = (
        "<!-- wp:paragraph -->\n<p>One\nparagraph, not two lines.</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:heading {"level":3} -->\n<h3>A heading</h3>\n<!-- /wp:heading -->'
    )
    result = md(source)
    assert result == "One paragraph, not two lines.\n\n### A heading\n"
    assert "<!-- wp:" not in result


def test_blocks_that_showed_live_data_are_dropped_and_named() -> None:
    result = html_to_markdown(
        "<!-- wp:paragraph --><p>Kept.</p><!-- /wp:paragraph -->\n"
        '<!-- wp:latest-posts {"postsToShow":3} /-->\n<!-- wp:archives /-->\n<!-- wp:spacer /-->'
    )
    assert result.markdown == "Kept.\n"
    assert result.blocks_dropped == ("latest-posts", "archives")


def test_more_marker_is_kept_on_its_own_line_and_page_breaks_are_reported() -> None:
    result = html_to_markdown("Before.\n<!--more Read on-->\nAfter.\n<!--nextpage-->\nPage two.")
    assert result.markdown == "Before.\n\n<!-- more -->\n\nAfter.\n\nPage two.\n"
    assert result.notes == ("page breaks (<!--nextpage-->) removed: the post is one page now",)
    assert render(result.markdown).excerpt_html.strip() == "<p>Before.</p>"


# -- elements ----------------------------------------------------------------------------


def test_headings_lists_quotes_links_images_and_code() -> None:
    source = (
        "<h2>Title</h2><p>See <a href='https://example.org/a_b' title='The \"A\"'>this</a>"
        " and <img src='/img/a b.png' alt='A [b]'>.</p>"
        "<ol start='3'><li>three<ul><li>nested</li></ul></li><li>four</li></ol>"
        "<blockquote><p>Quoted.</p><p>Twice.</p></blockquote>"
        "<pre><code class='language-python'>print('``')\n</code></pre>"
    )
    assert md(source) == (
        "## Title\n\n"
        'See [this](https://example.org/a_b "The \\"A\\"") and ![A \\[b\\]](</img/a b.png>).\n\n'
        "3. three\n   - nested\n4. four\n\n"
        "> Quoted.\n>\n> Twice.\n\n"
        "```python\nprint('``')\n```\n"
    )


def test_markdown_round_trip_keeps_structure() -> None:
    source = (
        "<h3>Lists</h3><ul><li>a<ol><li>b</li><li>c</li></ol></li></ul>"
        "<p><strong>Bold</strong>, <em>italic</em>, <del>gone</del>, <code>x &lt; y</code>.</p>"
    )
    page = parse_html(render(md(source)).html)
    assert [h.text for h in page.find_all("h3")] == ["Lists"]
    assert len(page.find_all("ol")) == 1 and len(page.find_all("li")) == 3
    assert page.one("strong").text == "Bold"
    assert page.one("em").text == "italic"
    assert page.one("s").text == "gone"
    assert page.one("code").text == "x < y"


def test_emphasis_that_markdown_cannot_express_falls_back_to_html() -> None:
    # `**Note:**text` is not bold in CommonMark: the closing ** follows punctuation.
    assert md("<p><strong>Note:</strong>text and <em>fine</em></p>") == (
        "<strong>Note:</strong>text and *fine*\n"
    )
    assert md("<p>intra<em>word</em>s</p>") == "intra*word*s\n"
    assert md("<p><strong> spaced </strong>out</p>") == "**spaced** out\n"


def test_text_that_looks_like_markdown_is_escaped() -> None:
    source = (
        "<p>1. not a list</p><p># not a heading</p>"
        "<p>5 * 3, a_b, _x_, `tick` [a](b) &amp;copy; <b>&lt;div&gt;</b></p>"
    )
    result = md(source)
    assert result == (
        "1\\. not a list\n\n\\# not a heading\n\n"
        "5 \\* 3, a_b, \\_x\\_, \\`tick\\` [a\\](b) &amp;copy; **\\<div>**\n"
    )
    html = render(result).html
    assert "<ol>" not in html and "<h1" not in html and "<a " not in html
    assert "&amp;copy;" in html and "&lt;div&gt;" in html


def test_simple_tables_become_markdown_and_others_stay_html() -> None:
    simple = (
        "<table><thead><tr><th>Name</th><th>Note</th></tr></thead>"
        "<tbody><tr><td>a|b</td><td><a href='https://x.example/'>x</a></td></tr>"
        "<tr><td>short</td></tr></tbody></table>"
    )
    assert md(simple) == (
        "| Name | Note |\n|---|---|\n| a\\|b | [x](https://x.example/) |\n| short |   |\n"
    )
    merged = "<table class='wp-table'><tr><th colspan='2' style='color:red'>Both</th></tr></table>"
    assert md(merged) == '<table>\n<tr><th colspan="2">Both</th></tr>\n</table>\n'


def test_what_markdown_cannot_say_stays_html_without_wordpress_classes() -> None:
    source = (
        "<p>H<sub>2</sub>O and <abbr class='x' title='HyperText'>HTML</abbr></p>"
        "<figure class='wp-block-video'><video class='v' controls src='/v.mp4'></video></figure>"
    )
    assert md(source) == (
        'H<sub>2</sub>O and <abbr title="HyperText">HTML</abbr>\n\n'
        '<video controls src="/v.mp4"></video>\n'
    )


def test_captioned_image_is_a_figure_and_plain_figure_is_an_image() -> None:
    captioned = (
        "<figure class='wp-block-image'><a href='/big.jpg'><img src='/small.jpg' alt='Cat'"
        " class='wp-image-5'></a><figcaption>A <em>cat</em></figcaption></figure>"
    )
    assert md(captioned) == (
        '<figure>\n<a href="/big.jpg"><img src="/small.jpg" alt="Cat"></a>\n'
        "<figcaption>A <em>cat</em></figcaption>\n</figure>\n"
    )
    assert md("<figure><img src='/a.jpg' alt='A'></figure>") == "![A](/a.jpg)\n"


def test_scripts_are_removed_and_frames_become_links() -> None:
    result = html_to_markdown(
        "<p>Before <script>track()</script>after.</p>"
        '<iframe src="//www.youtube.com/embed/xyz" title="A talk"></iframe>'
    )
    assert result.markdown == "Before after.\n\n[A talk](https://www.youtube.com/embed/xyz)\n"
    assert len(result.notes) == 2


def test_a_url_alone_on_a_line_becomes_a_link() -> None:
    assert md("Watch this:\n\nhttps://youtu.be/ab_c\n\nDone.") == (
        "Watch this:\n\n<https://youtu.be/ab_c>\n\nDone.\n"
    )


def test_links_are_rewritten_and_media_collected() -> None:
    result = html_to_markdown(
        "<p><a href='http://old.example/2010/01/post/#c'>old</a> "
        "<a href='http://old.example/wp-content/uploads/doc.pdf'>pdf</a> "
        "<img src='http://old.example/wp-content/uploads/a.jpg' alt=''></p>",
        Options(rewrite_url=lambda url: "/new/#c" if "/2010/" in url else url),
    )
    assert result.markdown.startswith("[old](/new/#c) [pdf](http://old.example/")
    assert result.media == (
        "http://old.example/wp-content/uploads/doc.pdf",
        "http://old.example/wp-content/uploads/a.jpg",
    )


def test_definition_lists_use_the_deflist_syntax() -> None:
    result = md("<dl><dt>Term</dt><dd>Meaning.</dd><dt>Other</dt><dd>More.</dd></dl>")
    assert result == "Term\n: Meaning.\n\nOther\n: More.\n"
    assert render(result).html.count("<dt>") == 2


def test_unclosed_tags_and_stray_end_tags_are_forgiven() -> None:
    assert md("<p>one<p>two</b><ul><li>a<li>b</ul>") == "one\n\ntwo\n\n- a\n- b\n"


def test_hostile_nesting_does_not_exhaust_the_stack() -> None:
    result = md("<div><em>" * 5000 + "deep" + "</em></div>" * 5000, for_comment=True)
    assert result.strip().strip("*") == "deep"


def test_two_lists_in_a_row_do_not_merge() -> None:
    result = md("<ul><li>a</li></ul><ul><li>b</li></ul>")
    assert result == "- a\n\n* b\n"
    assert render(result).html.count("<ul>") == 2


# -- comments ----------------------------------------------------------------------------


def test_comments_get_markdown_without_html_images_or_headings() -> None:
    source = (
        "Hello <strong>there</strong>\nsecond line\n\n<h2>Big</h2>"
        "<img src='https://img.example/x.png' alt='pic'> <sup>no</sup> <img src='x' alt='rel'> "
        "<a href='javascript:alert(1)'>js</a> <script>alert(2)</script>"
    )
    result = md(source, for_comment=True)
    assert result == (
        "Hello **there**\nsecond line\n\n**Big**\n\n[pic](https://img.example/x.png) no rel js\n"
    )
    html = render_comment_body(result)
    assert "<img" not in html and "<h2" not in html and "javascript" not in html
    assert "<br" in html


# -- shortcodes ----------------------------------------------------------------------------


def test_shortcodes_with_an_equivalent_are_converted() -> None:
    source = (
        '[caption id="attachment_6" align="alignright" width="300"]<img src="/cat.jpg" alt="Cat" />'
        " A cat[/caption]\n\n"
        "[embed]https://video.example/42[/embed]\n\n"
        "[youtube=https://www.youtube.com/watch?v=abc]\n\n"
        '[audio mp3="/song.mp3"]\n\n'
        '[code language="php"]<?php echo "<b>"; ?>[/code]'
    )
    result = html_to_markdown(source)
    assert result.markdown == (
        '<figure>\n<img src="/cat.jpg" alt="Cat">\n<figcaption>A cat</figcaption>\n</figure>\n\n'
        "<https://video.example/42>\n\n"
        "<https://www.youtube.com/watch?v=abc>\n\n"
        '<audio controls src="/song.mp3"></audio>\n\n'
        '```php\n<?php echo "<b>"; ?>\n```\n'
    )
    assert result.shortcodes_left == ()
    assert "/song.mp3" in result.media and "/cat.jpg" in result.media


def test_other_shortcodes_are_left_visible_and_listed() -> None:
    result = html_to_markdown(
        '[gallery ids="1,2"]\n\n[contact-form to="a@b.example"]\n\n'
        "Prose with [sic] and [[gallery]] written out, and <code>[gallery]</code> in code."
    )
    assert result.markdown == (
        '[gallery ids="1,2"]\n\n[contact-form to="a@b.example"]\n\n'
        "Prose with [sic] and [gallery] written out, and `[gallery]` in code.\n"
    )
    assert result.shortcodes_left == ("gallery", "contact-form")


@pytest.mark.parametrize(
    ("text", "named", "positional"),
    [
        ('src="a b" width=3', {"src": "a b", "width": "3"}, []),
        ("https://x.example/a 'q'", {}, ["https://x.example/a", "'q'"]),
        ("title='it is'", {"title": "it is"}, []),
    ],
)
def test_shortcode_attributes(text: str, named: dict[str, str], positional: list[str]) -> None:
    assert parse_attributes(text) == (named, positional)


def test_caption_without_an_image_is_left_alone() -> None:
    expanded = expand_shortcodes("[caption]Just words[/caption]")
    assert expanded.html == "[caption]Just words[/caption]"
    assert expanded.left == ("caption",)
