"""The `salon` command. Turns a SiteError into `path:line: message` and exit status 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from generator.core.errors import CommentError, SiteError, describe_disk_error


def _site_dir(args: argparse.Namespace) -> Path:
    return Path(args.site).resolve()


def _progress_printer() -> Callable[[str, int, int], None] | None:
    """A progress bar on a terminal; nothing when output goes to a file or CI."""
    if not sys.stderr.isatty():
        return None

    def show(stage: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r{stage:<9} [{bar}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_build(args: argparse.Namespace) -> int:
    from generator.build.pipeline import BuildOptions, build_site

    result = build_site(
        _site_dir(args),
        BuildOptions(
            drafts=args.drafts, future=args.future, jobs=args.jobs, progress=_progress_printer()
        ),
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.timings:
        for name, seconds in result.timings.items():
            print(f"  {name:<10} {seconds * 1000:8.1f} ms", file=sys.stderr)
    print(result.summary())
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from generator.scaffold import create_site

    target = Path(args.directory)
    create_site(target, title=args.title)
    print(f"Created a new site in {target}/. Next: cd {target} && salon build")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.dev.serve import serve

    return serve(_site_dir(args), host=args.host, port=args.port, drafts=args.drafts,
                 future=args.future)  # fmt: skip


def build_parser(plugins: bool | str = True) -> argparse.ArgumentParser:
    """The whole command line; ``plugins`` False leaves out the command groups, and a group's
    name ("comments", "import") registers only that one, so its neighbours are not imported."""
    parser = argparse.ArgumentParser(
        prog="salon", description="Build a blog of essays with moderated reader comments."
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def site_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--site", default=".", metavar="DIR",
                       help="the site folder, holding site.yaml (default: here)")  # fmt: skip

    build = sub.add_parser("build", help="render the site into output/")
    site_option(build)
    build.add_argument("--drafts", action="store_true", help="include drafts")
    build.add_argument("--future", action="store_true", help="include posts dated in the future")
    build.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    build.add_argument("--timings", action="store_true", help="print the time of each step")
    build.set_defaults(func=cmd_build)

    new = sub.add_parser("new", help="create a new site in DIR")
    new.add_argument("directory", metavar="DIR")
    new.add_argument("--title", default="My Essays")
    new.set_defaults(func=cmd_new)

    serve = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on change")
    site_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--drafts", action="store_true")
    serve.add_argument("--future", action="store_true")
    serve.set_defaults(func=cmd_serve)

    if plugins:
        for _name, register in _plugin_registrars(plugins if isinstance(plugins, str) else None):
            register(sub, site_option)
    return parser


def _plugin_registrars(only: str | None) -> list[tuple[str, Callable[..., None]]]:
    """Command groups that live beside their own code: `salon comments`, `salon import`."""
    registrars: list[tuple[str, Callable[..., None]]] = []
    if only in (None, "comments"):
        from generator.service.cli import register as register_comments

        registrars.append(("comments", register_comments))
    if only in (None, "import"):
        from generator.importers.cli import register as register_import

        registrars.append(("import", register_import))
    return registrars


def _finish_interrupted_build(site: Path) -> None:
    """A build killed while writing output/ left a journal: finish its writes first, so
    no command (a deploy, a hook) ever sees output/ half old and half new."""
    from generator.core.files import WRITE_JOURNAL  # (not the build: most commands need none)

    private = site / ".salon"
    if (private / WRITE_JOURNAL).exists():
        from generator.build.sitelock import build_lock

        with build_lock(private):  # finishes the write once it holds the lock
            pass
        print("note: finished writing output/ for a build that was interrupted", file=sys.stderr)


def _version() -> str:
    from generator import __version__

    return f"salon {__version__}"


# Commands that need none of the command groups registered by _plugin_registrars, whose
# modules (the comment service, the importers) take a tenth of a second to import.
_CORE_COMMANDS = frozenset({"build", "new", "serve"})
_PLUGIN_GROUPS = frozenset({"comments", "import"})


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = arguments[0] if arguments else None
    # `salon comments serve` must not import the importers (nor they the service's commands).
    plugins: bool | str = first if first in _PLUGIN_GROUPS else first not in _CORE_COMMANDS
    parser = build_parser(plugins=plugins)
    args = parser.parse_args(arguments)
    try:
        if getattr(args, "site", None) is not None:
            _finish_interrupted_build(Path(args.site))
        status: int = args.func(args)
        return status
    except SiteError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        if len(exc.problems) > 1:
            print(f"{len(exc.problems)} problems; nothing was written.", file=sys.stderr)
        return 1
    except CommentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the machine, not the user's site: a full disk, a read-only folder
        message = describe_disk_error(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
