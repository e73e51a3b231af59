"""What every build checks for the author: front-matter keys, internal links, fragments, images."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build.links import collect_links
from generator.build.markdown import author_markdown
from generator.cli import main
from generator.core.validate import near_miss

SITE_YAML = "title: Checks\nbase_url: https://checks.example\ncomments:\n  enabled: false\n"


def make_site(root: Path, posts: dict[str, str], config: str = SITE_YAML) -> Path:
    (root / "content" / "posts").mkdir(parents=True)
    (root / "site.yaml").write_text(config, encoding="utf-8")
    for name, text in posts.items():
        path = root / "content" / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def post(body: str, extra: str = "") -> str:
    return f"---\ntitle: A walk\ndate: 2025-01-05\n{extra}---\n{body}"


def build(site: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    status = main(["build", "--site", str(site), *flags])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("drafts", "draft"), ("tag", "tags"), ("titel", "title"), ("Title", "title"),
     ("categroy", "category"), ("sumary", "summary")],
)  # fmt: skip
def test_near_misses_of_known_keys(typo: str, meant: str) -> None:
    from generator.build.content import KNOWN_KEYS

    assert near_miss(typo, KNOWN_KEYS) == meant


@pytest.mark.parametrize("key", ["mood", "subtitle", "shelf", "reading_list", "image_credit"])
def test_keys_of_ones_own_are_not_near_misses(key: str) -> None:
    from generator.build.content import KNOWN_KEYS

    assert near_miss(key, KNOWN_KEYS) is None


def test_a_misspelt_draft_key_fails_the_build_and_publishes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path, {"secret.md": post("Private.\n", "drafts: true\n")})
    status, _out, err = build(site, capsys)
    assert status == 1
    assert err == ('error: content/posts/secret.md:4: drafts: unknown key; did you mean "draft"?\n')
    assert not (site / "output").exists()


def test_unknown_keys_warn_with_file_and_line_and_strict_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path, {"walk.md": post("Hello.\n", "mood: calm\n")})
    status, out, err = build(site, capsys)
    assert status == 0
    assert err == (
        "warning: content/posts/walk.md:4: mood: unknown front-matter key, kept for templates "
        "as entry.extra.mood; declare it in site.yaml's front_matter_keys, or put it under "
        "extra:\n"
    )
    assert ", 1 warning, in " in out
    # A build that finds nothing changed still reports it, and --strict still fails on it.
    status, out, err = build(site, capsys, "--strict")
    assert status == 1
    # Under --strict a warning the build finds before writing (this one) stops it there.
    assert err == (
        "error: content/posts/walk.md:4: mood: unknown front-matter key, kept for templates "
        "as entry.extra.mood; declare it in site.yaml's front_matter_keys, or put it under "
        "extra:\n"
    )


def test_declared_keys_are_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(
        tmp_path,
        {"walk.md": post("Hello.\n", "mood: calm\nextra:\n  shelf: [a]\n")},
        SITE_YAML + "front_matter_keys: [mood]\n",
    )
    assert build(site, capsys, "--strict")[0:3:2] == (0, "")


def test_keys_a_theme_declares_are_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(
        tmp_path, {"walk.md": post("Hello.\n", "banner: sea.jpg\n")}, SITE_YAML + "theme: mine\n"
    )
    theme = site / "themes" / "mine"
    theme.mkdir(parents=True)
    (theme / "theme.yaml").write_text("extends: default\nfront_matter_keys: [banner]\n")
    assert build(site, capsys, "--strict")[0:3:2] == (0, "")


BROKEN = """Intro with [a good link](/2025/01/other/) and [the top](#intro-with).

# Intro with

A [missing page](/2025/01/nope/), on its own line.
A second line with [a bad fragment](/2025/01/other/#nowhere) and
[a missing file](/images/gone.pdf) and [a relative one](../../01/other/#a-heading).

<p><a href="/nothing/here/">raw HTML</a></p>

Fine: [home](/), [feed](/feed.xml), [outside](https://example.org/x), [rss](/rss.xml).
"""


def test_broken_links_images_and_fragments_are_warned_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(
        tmp_path,
        {"walk.md": post(BROKEN), "other.md": post("# A heading\n\nText.\n").replace(
            "A walk", "Other")},
    )  # fmt: skip
    status, out, err = build(site, capsys)
    assert status == 0
    assert err.splitlines() == [
        "warning: content/posts/walk.md:9: broken link /2025/01/nope/: "
        "no such page or file in output/",
        "warning: content/posts/walk.md:10: broken link /2025/01/other/#nowhere: "
        '/2025/01/other/ has no element with id "nowhere"',
        "warning: content/posts/walk.md:11: broken link /images/gone.pdf: "
        "no such page or file in output/",
        "warning: content/posts/walk.md:13: broken link /nothing/here/: "
        "no such page or file in output/",
    ]
    assert ", 4 warnings, in " in out
    # Fixing the file removes the warnings on the next build.
    (site / "content/posts/walk.md").write_text(post("Now [fine](/2025/01/other/#a-heading).\n"))
    status, out, err = build(site, capsys, "--strict")
    assert (status, err) == (0, "")


def test_links_under_a_base_path_must_carry_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = SITE_YAML.replace("checks.example", "checks.example/blog")
    site = make_site(
        tmp_path,
        {"walk.md": post("[good](/blog/2025/01/walk/) and [bad](/2025/01/walk/)\n")},
        config,
    )
    assert build(site, capsys)[2] == (
        "warning: content/posts/walk.md:5: broken link /2025/01/walk/: outside the site's path "
        "/blog/ (base_url); write /blog/2025/01/walk/\n"
    )


def test_collect_links_counts_lines_inside_a_paragraph() -> None:
    text = "one\ntwo [a](/a/)\n\n- ![b](b.png)\n\n<div>\n<img src='c.png'>\n</div>\n"
    assert collect_links(author_markdown().parse(text, {})) == (
        ("/a/", 1, False),
        ("b.png", 3, True),
        ("c.png", 6, True),
    )


def test_yaml_hints_say_how_to_quote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path, {"a.md": "---\ntitle: @home, again\ndate: 2025-01-05\n---\n"})
    assert build(site, capsys)[2] == (
        "error: content/posts/a.md:2: invalid YAML: found character that cannot start any "
        'token; put the value in quotes: title: "@home, again"\n'
    )


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("Just some prose.\n", ""),
        (
            "title: Forgot the fences\ndate: 2025-01-05\n\nText.\n",
            "; add a line --- above `title: Forgot the fences` and another below the last setting",
        ),
    ],
)
def test_a_file_without_front_matter_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, hint: str
) -> None:
    site = make_site(tmp_path, {"a.md": text})
    assert build(site, capsys)[2] == (
        "error: content/posts/a.md:1: no front matter: the file must start with a line ---, "
        f"then its settings (title:, and date: for a post), then another ---{hint}\n"
    )


def test_a_jekyll_file_name_dates_a_post_and_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    undated = "---\ntitle: Undated\n---\nText.\n"
    site = make_site(tmp_path, {"2024-11-15-first.md": undated, "2024-03-02-second.md": undated})
    status, out, err = build(site, capsys)
    assert status == 0
    assert err == (
        "note: content/posts/2024-03-02-second.md and 1 other post: no date: in the front "
        "matter; dated by the file name (as Jekyll does), at midnight in the site's timezone\n"
    )
    assert ", 0 warnings, " in out
    assert (site / "output/2024/11/first/index.html").is_file()
    assert (site / "output/2024/03/second/index.html").is_file()
    assert build(site, capsys)[2] == ""  # nothing changed: nothing more to say


def test_an_impossible_date_in_the_file_name_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path, {"2024-13-45-odd.md": "---\ntitle: Odd\n---\n"})
    assert build(site, capsys)[2] == (
        "error: content/posts/2024-13-45-odd.md:1: date: required for posts, but missing "
        "(the file name's 2024-13-45 is not a date)\n"
    )


def test_a_link_to_a_draft_says_it_is_not_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(
        tmp_path,
        {"walk.md": post("See [soon](/2025/01/soon/).\n"),
         "soon.md": post("Later.\n", "draft: true\n").replace("A walk", "Soon")},
    )  # fmt: skip
    assert build(site, capsys)[2] == (
        "warning: content/posts/walk.md:5: broken link /2025/01/soon/: it is "
        "content/posts/soon.md, a draft or a scheduled post, not published yet\n"
    )
    assert build(site, capsys, "--drafts")[2] == ""
