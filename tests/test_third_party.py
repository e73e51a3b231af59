"""An essay's requests to other sites: found at their lines, in HTML tokens only, and
warned about, allowed or refused as site.yaml's `third_party` says."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.build import third_party
from generator.build.image_refs import find_images, html_and_images
from generator.build.pipeline import BuildOptions, build_site
from generator.build.third_party import other_host, third_party_requests
from generator.core.errors import SiteError
from tests.conftest import FIXED_NOW

BODY = """Some prose.

![A remote picture](https://photos.example/cat.jpg)

![A local one](lake.jpg) and ![inline data](data:image/png;base64,AAAA)

<iframe src="https://video.example/embed/1" width="560"></iframe>

A paragraph that goes on
and holds <img src="//cdn.example/b.png" alt="b"> on its second line,
then <link rel="me" href="https://social.example/@me"> and
<link rel="stylesheet" href="https://fonts.example/a.css">.

```html
<iframe src="https://in-code.example/"></iframe>
```

Inline `<script src="https://in-inline-code.example/x.js"></script>` is code.

<picture><source srcset="https://a.example/1.webp 1x, https://b.example/2.webp 2x">
<img src="local.png" alt="x"></picture>

<video poster="https://poster.example/p.jpg" src="clip.mp4"></video>
<input type="image" src="https://button.example/go.png" alt="Go">
<input type="text" value="https://not-fetched.example/">
"""


def requests(body: str = BODY, first_line: int = 5) -> list[tuple[int, str]]:
    images = find_images(body, first_line)
    found = third_party_requests(body, first_line, images, "content/posts/x.md")
    return [(problem.line or 0, problem.message.split(" is fetched from ")[1].split()[0])
            for problem in found]  # fmt: skip


def test_each_request_to_another_site_is_found_at_its_line() -> None:
    assert requests() == [
        (7, "photos.example"),
        (11, "video.example"),
        (14, "cdn.example"),
        (16, "fonts.example"),
        (24, "a.example"),
        (24, "b.example"),
        (27, "poster.example"),
        (28, "button.example"),
    ]


def test_the_message_names_the_file_the_address_and_what_to_do() -> None:
    (problem,) = third_party_requests(
        "<iframe src='https://video.example/e'></iframe>\n", 9, (), "content/posts/x.md"
    )
    assert str(problem) == (
        "content/posts/x.md:9: the <iframe> https://video.example/e is fetched from "
        "video.example by every reader's browser, which tells that site who reads this page; "
        "keep a copy in the site or link to it instead, or set third_party: allow in site.yaml"
    )


def test_css_urls_in_raw_html_are_requests() -> None:
    body = (
        "<div style=\"background: url('https://paper.example/t.png')\">x</div>\n\n"
        "<style>\n@import url(https://fonts.example/f.css);\n"
        ".a { background: url( /images/local.png ) }\n</style>\n\n"
        '`<div style="background:url(https://in-code.example/a.png)">`\n'
    )
    assert requests(body, 1) == [(1, "paper.example"), (4, "fonts.example")]


def test_links_code_and_local_files_are_not_requests() -> None:
    body = (
        "[a link](https://elsewhere.example/) and <https://auto.example/>\n\n"
        "<a href='https://anchor.example/'>x</a> ![x](/images/a.jpg) ![y](../b.png)\n\n"
        "    <img src='https://indented-code.example/a.png'>\n"
    )
    assert requests(body) == []


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://A.Example/x", "a.example"),
        ("http://a.example:8080/x", "a.example"),
        ("//cdn.example/x", "cdn.example"),
        ("HTTPS://up.example", "up.example"),
        ("/images/a.jpg", ""),
        ("a.jpg", ""),
        ("data:image/png;base64,AAAA", ""),
        ("mailto:me@example.org", ""),
        ("http://[broken", ""),
    ],
)
def test_other_host(url: str, host: str) -> None:
    assert other_host(url) == host


@given(st.text(alphabet=st.sampled_from("<>/=\"' \nimgsrciframehttps:.ex`"), max_size=200))
def test_any_text_gives_problems_and_never_an_exception(body: str) -> None:
    found = third_party_requests(body, 1, find_images(body, 1), "x.md")
    assert all(problem.line is not None and problem.line >= 1 for problem in found)


@given(
    st.lists(
        st.sampled_from(
            [
                "Prose “quoted”. ",
                "a < b ",
                "<!-- more -->",
                "<https://auto.example/>",
                '<IFRAME SRC="https://v.example/">',
                '<div style="background: URL(//c.example/x)">',
                "<style>p { background: url('https://s.example/y') }</style>",
                "\n\n",
                "x<y",
            ]
        ),
        max_size=8,
    )
)
def test_the_quick_check_for_tags_never_hides_a_request(parts: list[str]) -> None:
    """The scan from `<` to `<` that spares most essays the parse finds whatever the
    parse would: the walk over every HTML token, without it, gives the same requests."""
    body = "".join(parts)
    walked = [
        request
        for token, line in html_and_images(body, 1)
        if token.type != "image"
        for request in third_party._html_requests(token.content, line)
    ]
    assert third_party._raw_html_requests(body, 1) == walked


def _site(tmp_path: Path, setting: str) -> Path:
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "site.yaml").write_text(
        f"title: T\nbase_url: https://t.example\ncomments:\n  enabled: false\n{setting}"
    )
    (tmp_path / "content" / "posts" / "walk.md").write_text(
        "---\ntitle: A walk\ndate: 2024-05-01\n---\nThe walk.\n\n"
        "![The lake](https://photos.example/lake.jpg)\n"
    )
    return tmp_path


def test_a_build_warns_by_default_and_still_writes(tmp_path: Path) -> None:
    site = _site(tmp_path, "")
    result = build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    assert [(w.path, w.line) for w in result.warnings] == [("content/posts/walk.md", 7)]
    assert "photos.example" in result.warnings[0].message
    assert (site / "output" / "2024" / "05" / "walk" / "index.html").exists()


def test_allow_quiets_it(tmp_path: Path) -> None:
    site = _site(tmp_path, "third_party: allow\n")
    assert build_site(site, BuildOptions(now=FIXED_NOW, jobs=1)).warnings == ()


def test_error_refuses_the_build_and_writes_nothing(tmp_path: Path) -> None:
    site = _site(tmp_path, "third_party: error\n")
    with pytest.raises(SiteError) as caught:
        build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    assert [(p.path, p.line) for p in caught.value.problems] == [("content/posts/walk.md", 7)]
    assert not (site / "output").exists()


def test_changing_the_setting_takes_effect_on_the_next_build(tmp_path: Path) -> None:
    site = _site(tmp_path, "")
    assert len(build_site(site, BuildOptions(now=FIXED_NOW, jobs=1)).warnings) == 1
    (site / "site.yaml").write_text(
        (site / "site.yaml").read_text() + "third_party: allow\n"
    )  # the cached document was parsed under `warn`
    assert build_site(site, BuildOptions(now=FIXED_NOW, jobs=1)).warnings == ()
