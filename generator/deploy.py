"""`salon deploy`: send output/ to the rsync target in site.yaml, only what changed.

Three guards: output/ must be a finished build (every file as the last good build left
it); a dry run first counts what would be deleted, and more than `deploy.max_delete` per
cent of the target's files stops the deploy; rsync must be installed, and if it is not
the error says how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from generator.build.freshness import load_last_build
from generator.build.manifest import MANIFEST, Manifest
from generator.core.config import SiteConfig
from generator.core.errors import SiteError

INSTALL_RSYNC = (
    "rsync is not installed; install it with `sudo apt install rsync` (Debian, Ubuntu), "
    "`sudo dnf install rsync` (Fedora) or `brew install rsync` (macOS)"
)
# Recursive, symlinks as symlinks, modification times kept (a build keeps the times of
# unchanged files, so rsync's quick check skips them); a .git of yours in output/ stays.
RSYNC_BASE = ("-rlt", "--exclude=/.git")


@dataclass(frozen=True)
class Changes:
    sent: tuple[str, ...]  # new or changed files
    deleted: tuple[str, ...]  # files on the target that output/ no longer has
    unchanged: int
    existing: int  # files on the target before the deploy

    @property
    def deleted_percent(self) -> float:
        return 100 * len(self.deleted) / self.existing if self.existing else 0.0


def parse_itemized(text: str) -> Changes:
    """The lines of `rsync -ii --itemize-changes --dry-run` (every file, changed or not)."""
    sent: list[str] = []
    deleted: list[str] = []
    unchanged = existing = 0
    for line in text.splitlines():
        if line.startswith("*deleting"):
            path = line[len("*deleting") :].strip()
            if not path.endswith("/"):
                deleted.append(path)
                existing += 1
            continue
        flags, path = line[:11], line[12:]
        if len(line) < 13 or flags[1] != "f":
            continue  # a folder, a link, or a message
        new = flags[2:11] == "+" * 9
        if not new:
            existing += 1
        if flags[0] in "<>":
            sent.append(path)
        else:
            unchanged += 1
    return Changes(tuple(sent), tuple(deleted), unchanged, existing)


def is_remote(target: str) -> bool:
    """`host:path` or `user@host:path` (rsync's own rule: a colon before any slash)."""
    head = target.split("/", 1)[0]
    return ":" in head


def check_finished_build(config: SiteConfig) -> int:
    """The number of files in output/, if it is exactly what the last good build wrote."""
    manifest = Manifest(config.state_dir / MANIFEST)
    if load_last_build(config) is None or not manifest.entries:
        raise SiteError.at(
            "output/ is not from a finished build (one is running, or the last one failed); "
            "run `salon build` first"
        )
    changed = [rel for rel in manifest.entries if not manifest.intact(config.output_dir, rel)]
    if changed:
        raise SiteError.at(
            f"not as the last build wrote it ({len(changed)} file"
            f"{'s' if len(changed) != 1 else ''} in output/ changed or missing); run "
            "`salon build` first",
            f"output/{changed[0]}",
        )
    return len(manifest.entries)


def _run_rsync(rsync: str, args: list[str]) -> str:
    env = dict(os.environ)
    if not sys.stdin.isatty() and "RSYNC_RSH" not in env:
        env["RSYNC_RSH"] = "ssh -o BatchMode=yes"  # no terminal: fail, never wait for a password
    try:
        done = subprocess.run(
            [rsync, *args], capture_output=True, text=True, env=env, check=False,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError as exc:
        raise SiteError.at(f"cannot run rsync: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise SiteError.at(f"rsync failed: {last}")
    return done.stdout


def deploy(
    config: SiteConfig, dry_run: bool = False, max_delete: int | None = None
) -> tuple[Changes, str]:
    """Send output/ to the target; returns what changed (or would, with ``dry_run``)."""
    target = config.deploy.target
    if not target:
        raise SiteError.at(
            "deploy.target: not set; add `deploy: {target: user@host:/var/www/site/}` "
            "(or a folder) to site.yaml",
            "site.yaml",
        )
    if not is_remote(target):
        local = (config.root / os.path.expanduser(target)).resolve()
        if local.is_relative_to(config.root.resolve()):
            raise SiteError.at("deploy.target: a folder inside the site; choose one outside it",
                               "site.yaml")  # fmt: skip
        target = str(local)
    rsync = shutil.which("rsync")
    if rsync is None:
        raise SiteError.at(INSTALL_RSYNC)
    check_finished_build(config)
    source = str(config.output_dir) + "/"
    dest = target if target.endswith("/") else target + "/"
    plan = parse_itemized(
        _run_rsync(rsync, [*RSYNC_BASE, "--delete", "--dry-run", "-ii", source, dest])
    )
    limit = config.deploy.max_delete if max_delete is None else max_delete
    if plan.deleted and plan.deleted_percent > limit:
        raise SiteError.at(
            f"would delete {len(plan.deleted)} of the {plan.existing} files on {target} "
            f"({plan.deleted_percent:.0f}%, more than deploy.max_delete {limit}%); check the "
            "target, then run again with --max-delete PERCENT to allow it"
        )
    if not dry_run:
        # New files wait beside the old ones and all move in at the end; deletions come last.
        _run_rsync(rsync, [*RSYNC_BASE, "--delete-delay", "--delay-updates", source, dest])
    return plan, target
