"""Image benchmark: processing cost, cold and warm, and what a phone downloads.

    python -m bench.bench_images [--photos 100] [--jobs N] [--work DIR] [--skip-phone]

1. One 4000 × 3000 photograph through the default plan (4 widths × AVIF, WebP, JPEG),
   on one core: the cost of a photo.
2. A site of N essays, each a bundle with its own 4000 × 3000 photograph (drawn by
   tests.photos, each one different): a cold build, a rebuild with nothing changed, a
   build into an empty output/ with the image cache kept (every rendition from the
   cache), and a build after one photo is replaced.
3. The sample essay in Debian's Chromium (Playwright) as a 390-px-wide phone at device
   pixel ratio 3: bytes downloaded at load and after scrolling to the end, before (images
   published as they are: `images.process: false`, no lazy loading then) and after.
Figures and the machine go to standard output.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.machine import describe  # noqa: E402
from generator.build.image_plan import plan_image  # noqa: E402
from generator.build.image_process import PILLOW_VERSION, make_renditions, read_info  # noqa: E402
from generator.build.pipeline import BuildOptions, build_site  # noqa: E402
from generator.core.image_settings import ImagesConfig  # noqa: E402
from tests.conftest import copy_sample_site  # noqa: E402
from tests.photos import jpeg_bytes, scene  # noqa: E402

PHONE = {"width": 390, "height": 844}
SAMPLE_ESSAY = "/2026/10/the-alliance/"


def photo_variants(count: int) -> list[bytes]:
    """``count`` different 4000 × 3000 photographs, quickly: one scene, a mark moved on each."""
    from PIL import ImageDraw

    base = scene(4000, 3000, 21, "dawn")
    photos = []
    for number in range(count):
        image = base.copy()
        x, y = 200 + (number * 37) % 3400, 200 + (number * 53) % 1200
        ImageDraw.Draw(image).ellipse([x, y, x + 160, y + 160], fill=(255, 240 - number, 200))
        photos.append(jpeg_bytes(image, 90))
    return photos


def one_photo(photo: bytes) -> tuple[float, int, int]:
    plan = plan_image("p.jpg", read_info(photo), ImagesConfig())
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        made = make_renditions(photo, plan.renditions)
        best = min(best, time.process_time() - start)
    return best, len(plan.renditions), sum(len(data) for data in made.values())


def write_site(root: Path, photos: list[bytes]) -> None:
    root.mkdir(parents=True)
    (root / "site.yaml").write_text(
        "title: Photographs\nbase_url: https://photos.example\ncomments:\n  enabled: false\n",
        encoding="utf-8",
    )
    for number, photo in enumerate(photos):
        bundle = root / "content" / "posts" / f"walk-{number:03d}"
        bundle.mkdir(parents=True)
        (bundle / "photo.jpg").write_bytes(photo)
        (bundle / "index.md").write_text(
            f"---\ntitle: Walk {number}\ndate: 2025-01-{1 + number % 28:02d}\n---\n"
            f"A walk.\n\n![The hills on walk {number}.](photo.jpg)\n",
            encoding="utf-8",
        )


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the forked workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_build(root: Path, jobs: int | None) -> tuple[float, str]:
    """Wall seconds, and a summary with the CPU seconds (which a busy machine inflates less)."""
    start, cpu = time.perf_counter(), _cpu()
    result = build_site(root, BuildOptions(jobs=jobs))
    return time.perf_counter() - start, f"{_cpu() - cpu:.1f} s CPU; {result.summary()}"


def site_figures(work: Path, count: int, jobs: int | None) -> None:
    print(f"\nMaking {count} photographs of 4000 × 3000 …", flush=True)
    photos = photo_variants(count + 1)
    megabytes = sum(len(p) for p in photos[:count]) / 1e6
    seconds, renditions, size = one_photo(photos[0])
    source_kb = len(photos[0]) / 1e3
    print(f"one photo, {renditions} renditions (4 widths × AVIF, WebP, JPEG), one core: "
          f"{seconds:.2f} s CPU, {size / 1e3:.0f} KB made from {source_kb:.0f} KB")  # fmt: skip
    root = work / "photos"
    write_site(root, photos[:count])
    print(f"site: {count} essays, {megabytes:.0f} MB of photographs")
    for label in ("cold build", "no-change rebuild"):
        seconds, summary = timed_build(root, jobs)
        print(f"{label}: {seconds:.2f} s  ({summary})", flush=True)
    shutil.rmtree(root / "output")
    seconds, summary = timed_build(root, jobs)
    print(f"empty output/, image cache kept: {seconds:.2f} s  ({summary})", flush=True)
    (root / "content/posts/walk-000/photo.jpg").write_bytes(photos[count])
    seconds, summary = timed_build(root, jobs)
    print(f"one photo replaced: {seconds:.2f} s  ({summary})", flush=True)
    cache = root / ".salon" / "images"
    cached = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 1e6
    print(f"image cache: {cached:.0f} MB")


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def phone_bytes(output: Path, scale: float) -> tuple[dict[str, int], dict[str, int]]:
    """Bytes by kind (html, css, js, image) at load, then after scrolling to the end."""
    from playwright.sync_api import sync_playwright

    from tests.browser.sample import CHROMIUM, CHROMIUM_ARGS

    server, base = _serve(output)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=PHONE, device_scale_factor=scale,
                                          is_mobile=True, has_touch=True)  # fmt: skip
            page = context.new_page()
            seen: list[tuple[str, int]] = []
            page.on("requestfinished", lambda r: seen.append(
                (r.resource_type, r.sizes()["responseBodySize"])))  # fmt: skip
            page.goto(base + SAMPLE_ESSAY, wait_until="networkidle")
            at_load = _by_kind(seen)
            for _ in range(40):
                page.mouse.wheel(0, 600)
                page.wait_for_timeout(60)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            scrolled = _by_kind(seen)
            browser.close()
    finally:
        server.shutdown()
    return at_load, scrolled


def _by_kind(seen: list[tuple[str, int]]) -> dict[str, int]:
    kinds = {"document": "html", "stylesheet": "css", "script": "js", "image": "images"}
    totals = dict.fromkeys(kinds.values(), 0)
    for kind, size in seen:
        if kind in kinds:
            totals[kinds[kind]] += size
    return totals


def _show(label: str, totals: dict[str, int]) -> None:
    parts = ", ".join(f"{kind} {size / 1e3:.1f}" for kind, size in totals.items())
    print(f"  {label}: {sum(totals.values()) / 1e3:.1f} KB ({parts} KB)")


def phone_figures(work: Path) -> None:
    print("\nThe sample essay on a phone (390 × 844 CSS px, Chromium, Playwright):")
    before = copy_sample_site(work / "before")
    config = before / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "images:\n", "images:\n  process: false\n"), encoding="utf-8")  # fmt: skip
    build_site(before, BuildOptions())
    after = copy_sample_site(work / "after")
    build_site(after, BuildOptions())
    originals = sum(p.stat().st_size for p in (REPO / "content/images").glob("*.jpg"))
    for scale in (3.0, 2.0):
        print(f" device pixel ratio {scale:g}:")
        _, scrolled = phone_bytes(before / "output", scale)
        _show("before, scrolled to the end (images as they are)", scrolled)
        at_load, scrolled = phone_bytes(after / "output", scale)
        _show("after, at load", at_load)
        _show("after, scrolled to the end", scrolled)
    print(f"  (the two original photographs weigh {originals / 1e3:.1f} KB; before this "
          "change pages had no lazy loading, so a reader downloaded both at load)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-phone", action="store_true")
    parser.add_argument("--skip-site", action="store_true")
    args = parser.parse_args()
    print(describe(), f"Pillow {PILLOW_VERSION}", sep=", ")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="salon-images-", dir=args.work))
    print(f"work folder: {work}")
    try:
        if not args.skip_site:
            site_figures(work, args.photos, args.jobs)
        if not args.skip_phone:
            phone_figures(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
