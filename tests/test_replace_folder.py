"""writer.replace_folder: the search bundle swapped in whole, its unchanged files keeping
their modification time, so that `salon deploy` sends only what changed."""

from __future__ import annotations

import os
from pathlib import Path

from generator.build.writer import replace_folder

OLD_TIME = 1_600_000_000_000_000_000  # ns: long before the files were made


def test_a_new_folder_takes_the_times_of_the_files_whose_bytes_did_not_change(
    tmp_path: Path,
) -> None:
    out = tmp_path / "output"
    published = out / "bundle"
    (published / "part").mkdir(parents=True)
    files = {"same.js": b"same", "part/same.json": b"{}", "changed.js": b"old",
             "linked.js": b"linked", "target": b"t"}  # fmt: skip
    for name, data in files.items():
        (published / name).write_bytes(data)
        os.utime(published / name, ns=(OLD_TIME, OLD_TIME))
    (published / "link.js").symlink_to("target")
    made = tmp_path / "made"
    (made / "part").mkdir(parents=True)
    (made / "same.js").write_bytes(b"same")
    (made / "part/same.json").write_bytes(b"{}")
    (made / "changed.js").write_bytes(b"new")
    os.link(published / "linked.js", made / "linked.js")
    (made / "link.js").write_bytes(b"t")  # the old one was a symbolic link: not its file
    (made / "added.js").write_bytes(b"added")

    replace_folder(out, "bundle", made)

    def mtime(name: str) -> int:
        return (published / name).stat().st_mtime_ns

    assert not made.exists() and (published / "added.js").read_bytes() == b"added"
    assert mtime("same.js") == mtime("part/same.json") == mtime("linked.js") == OLD_TIME
    assert OLD_TIME not in (mtime("changed.js"), mtime("link.js"), mtime("added.js"))
    assert (published / "changed.js").read_bytes() == b"new"
    assert sorted(p.name for p in out.iterdir()) == ["bundle"]  # nothing of the old one left
