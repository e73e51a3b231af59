"""Fetching an old site's images into post bundles, against a real HTTP server on loopback:
bounded in time and size, resumable, and every failure reported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.importers.fetch_images import (
    Limits,
    fetch_all,
    image_urls,
    local_name,
    original_of,
    plan_bundle,
    rewrite_links,
)
from tests.image_server import ImageServer, image_server
from tests.photos import jpeg_bytes, scene


@pytest.fixture
def server() -> Iterator[ImageServer]:
    with image_server() as running:
        yield running


def test_remote_images_are_found_in_the_body_and_front_matter() -> None:
    text = (
        "---\ntitle: T\nimage: https://old.example/wp-content/uploads/cover.jpg\n---\n"
        "![a](https://old.example/wp-content/uploads/a-300x200.jpg)\n\n![b](local.jpg)\n\n"
        '<img src="https://old.example/b.png" alt="b">\n'
    )
    assert image_urls(text) == [
        "https://old.example/wp-content/uploads/cover.jpg",
        "https://old.example/wp-content/uploads/a-300x200.jpg",
        "https://old.example/b.png",
    ]


def test_names_are_safe_and_unique_and_originals_preferred() -> None:
    taken: set[str] = set()
    assert local_name("https://x/uploads/My%20Photo.JPG", taken) == "my-photo.jpg"
    assert local_name("https://x/other/my photo.jpg", taken) == "my-photo-2.jpg"
    assert local_name("https://x/../../etc/passwd", taken) == "passwd.jpg"
    assert local_name("https://x/.hidden.png", taken) == "hidden.png"
    assert original_of("https://x/u/2024/05/photo-1024x768.jpg?resize=1") == (
        "https://x/u/2024/05/photo.jpg"
    )
    assert original_of("https://x/u/plain.jpg") == "https://x/u/plain.jpg"


def test_images_are_fetched_into_the_bundle_and_links_rewritten(
    server: ImageServer, tmp_path: Path
) -> None:
    photo = jpeg_bytes(scene(320, 240, 4))
    server.add("2024/05/hill.jpg", photo)  # the original of the sized copy the post shows
    sized = server.url("2024/05/hill-300x225.jpg")
    only_sized = server.add("2024/05/lake-150x150.jpg", photo)  # no original on the server
    missing = server.url("2024/05/gone.jpg")
    text = f"![Hill]({sized})\n\n![Lake]({only_sized})\n\n![Gone]({missing})\n"
    bundle = tmp_path / "content/posts/2024-05-01-walk"
    wanted = plan_bundle(text, bundle)
    report = fetch_all(wanted, Limits(concurrency=2, timeout=5, budget=30))
    assert (bundle / "hill.jpg").read_bytes() == photo
    assert (bundle / "lake.jpg").read_bytes() == photo
    assert not (bundle / "gone.jpg").exists()
    assert report.failed == [(missing, "HTTP 404 Not Found")]
    assert len(report.fetched) == 2 and report.bytes == 2 * len(photo)
    out = rewrite_links(text, wanted, report.done)
    assert out == f"![Hill](hill.jpg)\n\n![Lake](lake.jpg)\n\n![Gone]({missing})\n"
    assert not list(bundle.glob("*.part"))
    lines = report.lines()
    assert lines[0] == "Images: 2 fetched (0.0 MB), 0 already here, 1 failed"
    assert f"  failed: {missing}: HTTP 404 Not Found" in lines

    # Run again: what is there is kept and not asked for again.
    before = sum(server.requests.values())
    again = fetch_all(plan_bundle(text, bundle), Limits(budget=30))
    assert len(again.present) == 2 and not again.fetched
    assert sum(server.requests.values()) - before == 1  # only the missing one, once


def test_what_is_not_an_image_or_too_big_is_refused_and_nothing_half_written(
    server: ImageServer, tmp_path: Path
) -> None:
    text = f"![p]({server.url('page-1.jpg')})\n![h]({server.url('huge-1.jpg')})\n"
    bundle = tmp_path / "bundle"
    report = fetch_all(plan_bundle(text, bundle), Limits(max_bytes=1024 * 1024, budget=30))
    reasons = dict(report.failed)
    assert reasons[server.url("page-1.jpg")] == "the server sent something that is not an image"
    assert reasons[server.url("huge-1.jpg")] == "larger than 1 MB"
    assert not bundle.exists() or not any(bundle.iterdir())


def test_a_slow_server_is_bounded_by_the_timeout_and_the_budget(
    server: ImageServer, tmp_path: Path
) -> None:
    server.slow_seconds = 2.0
    urls = [server.url(f"slow-{n}.jpg") for n in range(4)]
    text = "".join(f"![s]({url})\n" for url in urls)
    report = fetch_all(plan_bundle(text, tmp_path / "b"), Limits(concurrency=1, timeout=0.5,
                                                                 budget=1.2))  # fmt: skip
    assert len(report.failed) + len(report.not_tried) == 4
    assert report.not_tried, "the budget should have stopped the run before the last ones"
    assert all(why == "cannot connect: timed out" for _, why in report.failed), report.failed
    assert "  run the same import again to fetch the rest; nothing is fetched twice" in (
        report.lines()
    )


# -- the whole import, against the old site's uploads on loopback ----------------------------

EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>{base}</wp:base_blog_url>
<item>
  <title>A walk by the lake</title>
  <link>{base}/a-walk/</link>
  <content:encoded><![CDATA[<p>We walked.</p>
<figure class="wp-block-image"><img src="{hill}" alt="The hill" width="300" height="225"></figure>
<p>And then:</p>
<p><img src="{gone}" alt="Gone"></p>]]></content:encoded>
  <wp:post_id>7</wp:post_id>
  <wp:post_date_gmt>2020-05-06 07:08:09</wp:post_date_gmt>
  <wp:post_name>a-walk</wp:post_name>
  <wp:status>publish</wp:status>
  <wp:post_type>post</wp:post_type>
  <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>9</wp:meta_value></wp:postmeta>
</item>
<item>
  <title>cover</title>
  <link>{base}/cover/</link>
  <wp:post_id>9</wp:post_id>
  <wp:post_date_gmt>2020-05-06 07:00:00</wp:post_date_gmt>
  <wp:post_name>cover</wp:post_name>
  <wp:status>inherit</wp:status>
  <wp:post_type>attachment</wp:post_type>
  <wp:attachment_url>{cover}</wp:attachment_url>
</item>
<item>
  <title>About</title>
  <link>{base}/about/</link>
  <content:encoded><![CDATA[<p>Me.</p>]]></content:encoded>
  <wp:post_id>8</wp:post_id>
  <wp:post_date_gmt>2020-05-01 07:08:09</wp:post_date_gmt>
  <wp:post_name>about-me</wp:post_name>
  <wp:status>publish</wp:status>
  <wp:post_type>page</wp:post_type>
</item>
</channel>
</rss>
"""


def test_import_fetches_images_into_bundles_resumably_and_the_site_builds(
    server: ImageServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator.build.pipeline import BuildOptions, build_site
    from generator.cli import main
    from tests.conftest import FIXED_NOW
    from tests.test_import_wordpress import make_site

    photo = jpeg_bytes(scene(640, 480, 8))
    server.add("2020/05/hill.jpg", photo)
    export = tmp_path / "export.xml"
    export.write_text(
        EXPORT.format(
            base=server.base,
            hill=server.url("2020/05/hill-300x225.jpg"),
            gone=server.url("2020/05/gone.jpg"),
            cover=server.add("2020/05/cover.jpg", jpeg_bytes(scene(800, 500, 9))),
        ),
        encoding="utf-8",
    )
    site = make_site(tmp_path / "site")
    args = ["import", "wordpress", str(export), "--site", str(site), "--fetch-images",
            "--fetch-jobs", "2", "--fetch-budget", "30"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Images: 2 fetched (0.1 MB), 0 already here, 1 failed" in out
    assert f"  failed: {server.url('2020/05/gone.jpg')}: HTTP 404 Not Found" in out
    bundle = site / "content/posts/2020-05-06-a-walk"
    text = (bundle / "index.md").read_text(encoding="utf-8")
    assert (bundle / "hill.jpg").read_bytes() == photo
    assert "![The hill](hill.jpg)" in text
    assert "\nimage: cover.jpg\n" in text  # the featured image, fetched beside the post
    assert (bundle / "cover.jpg").is_file()
    assert server.url("2020/05/gone.jpg") in text  # still shown from the old site
    assert (site / "content/pages/about-me/index.md").is_file()

    # Again: nothing fetched twice, nothing rewritten.
    files = {p: p.read_bytes() for p in site.rglob("*") if p.is_file() and ".salon" not in p.parts}
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Images: 0 fetched (0.0 MB), 2 already here, 1 failed" in out
    assert server.requests["/wp-content/uploads/2020/05/hill.jpg"] == 1
    after = {p: p.read_bytes() for p in site.rglob("*") if p.is_file() and ".salon" not in p.parts}
    assert after == files

    build_site(site, BuildOptions(now=FIXED_NOW, jobs=1))
    page = (site / "output/2020/05/a-walk/index.html").read_text(encoding="utf-8")
    assert '<source type="image/avif" srcset="/2020/05/a-walk/hill-480.avif 480w' in page
    assert (site / "output/2020/05/a-walk/hill.jpg").is_file()
    assert '<meta property="og:image" content="https://example.org/2020/05/a-walk/cover.jpg">' in (
        page
    )


def test_images_from_the_old_sites_root_become_its_urls() -> None:
    from generator.importers.fetch_images import absolute_images

    text = '![a](/wp-content/a.jpg) <img src="/theme/b.png"> ![c](//cdn.x/c.jpg) ![d](d.jpg)\n'
    assert absolute_images(text, "http://old.example") == (
        '![a](http://old.example/wp-content/a.jpg) <img src="http://old.example/theme/b.png"> '
        "![c](//cdn.x/c.jpg) ![d](d.jpg)\n"
    )
    assert absolute_images(text, "") == text
