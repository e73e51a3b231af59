"""Starting the site's `comments.on_change` command after a change is saved and exported."""

from __future__ import annotations

import shlex
import subprocess
import sys

from generator.core.config import SiteConfig


def run_hook(config: SiteConfig, wait: bool) -> int | None:
    """Start `comments.on_change` in the site folder. Returns its status when waited for.

    The change it follows is already saved and exported, so a hook that cannot start or
    fails is a warning on stderr, never an error that would hide a saved change.
    """
    command = config.comments.on_change.strip()
    if not command:
        return None
    try:
        process = subprocess.Popen(shlex.split(command), cwd=config.root,
                                   stdout=subprocess.PIPE if wait else subprocess.DEVNULL,
                                   stderr=subprocess.STDOUT if wait else subprocess.DEVNULL,
                                   start_new_session=not wait)  # fmt: skip
    except (OSError, ValueError) as exc:
        print(f"warning: comments.on_change: cannot run {command!r}: {exc}", file=sys.stderr)
        return None
    if not wait:
        return None
    # The hook's output goes to our stderr, line by line, so stdout stays ours alone.
    assert process.stdout is not None
    for line in process.stdout:
        sys.stderr.write(line.decode("utf-8", errors="replace"))
    status = process.wait()
    if status != 0:
        print(f"warning: comments.on_change {command!r} exited with status {status}",
              file=sys.stderr)  # fmt: skip
    return status
