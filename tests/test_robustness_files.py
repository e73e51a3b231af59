"""Files that are broken, hostile or in odd places: a clear message, never a traceback.

Imports with an unknown XML encoding, a damaged build cache (warned about and rebuilt),
symbolic links out of the site (refused by the build and by the dev server).
"""

from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from generator.build.pipeline import BuildOptions, build_site
from generator.cli import main
from tests.conftest import FIXED_NOW, SITES

FIXTURES = Path(__file__).parent / "fixtures" / "robustness"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SITES / "basic", tmp_path / "site"))


def build(site: Path) -> list[str]:
    result = build_site(site, BuildOptions(now=FIXED_NOW))
    return [str(w) for w in result.warnings]


@pytest.mark.parametrize("kind", ["wordpress", "disqus"])
def test_an_unknown_xml_encoding_is_named(
    kind: str, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = "wxr" if kind == "wordpress" else kind
    export = str(FIXTURES / f"{prefix}-unknown-encoding.xml")

    assert main(["import", kind, export, "--site", str(site)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f'error: {export}:1: the XML declaration names the encoding "x-mac-klingon", which '
        "Python does not know; export the file again as UTF-8 (or change the declaration to "
        "the real encoding)\n"
    )


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"garbage" * 200 + data[1400:], id="header"),
        pytest.param(lambda data: data[:4096] + b"\xff" * (len(data) - 4096), id="pages"),
        pytest.param(lambda data: data[:100], id="truncated"),
    ],
)
def test_a_damaged_build_cache_is_rebuilt_with_a_warning(site: Path, damage: object) -> None:
    assert build(site) == []
    clean = {p.relative_to(site / "output"): p.read_bytes()
             for p in (site / "output").rglob("*") if p.is_file()}  # fmt: skip
    cache = site / ".salon/cache.sqlite3"
    for extra in ("-wal", "-shm"):
        cache.with_name(cache.name + extra).unlink(missing_ok=True)
    assert callable(damage)
    cache.write_bytes(damage(cache.read_bytes()))
    (site / ".salon/last-build.json").unlink()  # so the build reads the cache
    for post in (site / "content/posts").glob("*.md"):
        post.write_text(post.read_text() + "\n")

    warnings = build(site)

    assert len(warnings) == 1
    assert warnings[0].startswith(".salon/cache.sqlite3: the build cache was damaged (")
    assert warnings[0].endswith("); it was deleted and rebuilt")
    assert {p.relative_to(site / "output"): p.read_bytes()
            for p in (site / "output").rglob("*") if p.is_file()} == clean  # fmt: skip
    assert build(site) == []  # and the new cache works


def test_a_symlink_out_of_the_site_is_refused_by_the_build(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private key material\n")
    (site / "content/notes.txt").symlink_to(secret)

    assert main(["build", "--site", str(site)]) == 1

    assert capsys.readouterr().err == (
        f"error: content/notes.txt: is a symbolic link to {secret}, outside the site; refusing "
        "to publish it (copy the file into the site, or remove the link)\n"
    )
    assert not (site / "output").exists()


def test_a_symlinked_post_out_of_the_site_is_refused(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\ntitle: Elsewhere\ndate: 2024-01-01\n---\nHi.\n")
    (site / "content/posts/linked.md").symlink_to(outside)
    assert main(["build", "--site", str(site)]) == 1
    assert capsys.readouterr().err.startswith(
        f"error: content/posts/linked.md: is a symbolic link to {outside}, outside the site"
    )


def test_a_symlink_inside_the_site_is_published(site: Path) -> None:
    (site / "content/shared.txt").write_text("shared\n")
    (site / "content/copy.txt").symlink_to(site / "content/shared.txt")
    assert build(site) == []
    assert (site / "output/copy.txt").read_text() == "shared\n"


def test_the_dev_server_refuses_a_symlink_out_of_output(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from werkzeug.serving import make_server

    from generator.core.config import load_config
    from generator.dev.serve import DevServer, DevSite

    assert build(site) == []
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0\n")
    (site / "output/passwd.txt").symlink_to(secret)
    (site / "output/inside.txt").symlink_to(site / "output/index.html")
    app = DevServer(DevSite(site, BuildOptions(now=FIXED_NOW)), load_config(site), None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/passwd.txt", timeout=10)
        assert refused.value.code == 403
        body = refused.value.read().decode()
        assert body == (
            "Refusing to serve output/passwd.txt: it is a symbolic link to a file outside "
            "output/.\n"
        )
        with urllib.request.urlopen(f"{base}/inside.txt", timeout=10) as inside:
            assert inside.status == 200
    finally:
        server.shutdown()
    assert f"refusing to serve output/passwd.txt: a symbolic link to {secret}" in (
        capsys.readouterr().err
    )
