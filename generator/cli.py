"""The `salon` command. Turns a SiteError into `path:line: message` and exit status 1."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

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
            drafts=args.drafts, future=args.future, jobs=args.jobs, progress=_progress_printer(),
            output=Path(args.output) if args.output else None, base_url=args.base_url,
            strict=args.strict,
        ),
    )  # fmt: skip
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.timings:
        for name, seconds in result.timings.items():
            print(f"  {name:<10} {seconds * 1000:8.1f} ms", file=sys.stderr)
    print(result.summary())
    if args.strict and result.warnings:
        count = len(result.warnings)
        print(f"error: {count} warning{'s' if count != 1 else ''} and --strict: failing the build",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from generator.build.clean import clean_site
    from generator.build.sitelock import build_lock
    from generator.core.config import load_config

    config = load_config(_site_dir(args))
    with build_lock(config.private_dir):  # never while a build is writing
        removed = clean_site(config.output_dir, config.private_dir)
    print(f"Removed output/ ({removed} file{'s' if removed != 1 else ''}) and the build cache; "
          "the comment store and its keys are kept.")  # fmt: skip
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from generator.build.sitelock import build_lock
    from generator.core.config import load_config
    from generator.deploy import deploy

    config = load_config(_site_dir(args))
    with build_lock(config.private_dir):  # output/ stays as it is while it is sent
        changes, target = deploy(config, args.dry_run, args.max_delete)
    sent, deleted = len(changes.sent), len(changes.deleted)
    files = f"file{'s' if sent != 1 else ''}"
    if args.dry_run:
        for path in changes.sent:
            print(f"  send    {path}")
        for path in changes.deleted:
            print(f"  delete  {path}")
        print(f"Dry run, nothing sent: {sent} {files} to send, {deleted} to delete, "
              f"{changes.unchanged} unchanged on {target}")  # fmt: skip
    else:
        print(f"Deployed output/ to {target}: {sent} {files} sent, {deleted} deleted, "
              f"{changes.unchanged} unchanged")  # fmt: skip
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Build (the build checks internal links and front matter), then, when asked, every
    link to another site."""
    from generator.build.pipeline import BuildOptions, build_site

    site = _site_dir(args)
    result = build_site(site, BuildOptions(drafts=args.drafts))
    problems = list(result.warnings)
    summary = [result.summary()]
    if args.external:
        from generator.core.config import load_config
        from generator.dev.linkcheck import CheckOptions, check_external

        options = CheckOptions(
            concurrency=args.concurrency, timeout=args.timeout, max_time=args.max_time,
            max_age_hours=args.max_age, drafts=args.drafts,
        )  # fmt: skip
        broken, asked, cached = check_external(load_config(site), options)
        problems.extend(broken)
        summary.append(
            f"External links: {asked} checked, {cached} still good from the last "
            f"{args.max_age:g} h, {len(broken)} broken"
        )
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    print("\n".join(summary))
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """`salon new DIR` makes a site; `salon new post|page "Title"` adds to one. A bare
    `post` or `page` with a title is always content; `./post` is a folder."""
    from generator.scaffold import create_content, create_site

    if args.directory in ("post", "page"):
        if args.name is None:
            raise SiteError.at(
                f'salon new {args.directory} needs a title: salon new {args.directory} "Title" '
                f"(for a new site in a folder named {args.directory}, write ./{args.directory})"
            )
        path = create_content(_site_dir(args), args.directory, args.name)
        print(f"Created {path.relative_to(_site_dir(args)).as_posix()} (a draft)")
        return 0
    if args.name is not None:
        raise SiteError.at(
            f"salon new {args.directory}: one folder only; the site's title goes in --title"
        )
    target = Path(args.directory)
    create_site(target, title=args.title)
    print(f"Created a new site in {target}/. Next: cd {target} && salon build")
    return 0


HELP_TOPICS = {
    "config": ("configuration.md", "every setting of site.yaml"),
    "front-matter": ("front-matter.md", "the keys at the top of a post or page"),
    "cli": ("cli.md", "every command and option"),
    "themes": ("themes.md", "templates, what they receive, overriding the default theme"),
    "moderation": ("moderation.md", "moderating comments from the terminal and the browser"),
    "deployment": ("deployment.md", "publishing: salon deploy, static hosts, the service"),
    "importing": ("importing.md", "moving in from WordPress and Disqus"),
}


def cmd_help(args: argparse.Namespace) -> int:
    """The documentation, shipped inside the package: it works wherever Salon is installed."""
    docs = Path(__file__).parent / "docs"
    if args.topic is None:
        print("salon help TOPIC, where TOPIC is one of:")
        for name, (_file, what) in HELP_TOPICS.items():
            print(f"  {name:<13} {what}")
        return 0
    if args.topic not in HELP_TOPICS:
        raise SiteError.at(f'no help topic "{args.topic}"; there are: {", ".join(HELP_TOPICS)}')
    print((docs / HELP_TOPICS[args.topic][0]).read_text(encoding="utf-8"), end="")
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
    build.add_argument("--output", metavar="DIR",
                       help="write the site into DIR instead of output/ (a new or empty folder, "
                       "or one an earlier --output build wrote)")  # fmt: skip
    build.add_argument("--base-url", metavar="URL",
                       help="build for another address than site.yaml's base_url, for a "
                       "preview on another host")  # fmt: skip
    build.add_argument("--strict", action="store_true",
                       help="every warning is an error: an image without alt text or an "
                       "unknown front-matter key stops the build before it writes; a broken "
                       "link fails its exit with status 1 (for CI)")  # fmt: skip
    build.set_defaults(func=cmd_build)

    clean = sub.add_parser(
        "clean", help="remove output/ and the build cache (never the comment store)"
    )
    site_option(clean)
    clean.set_defaults(func=cmd_clean)

    deploy = sub.add_parser(
        "deploy", help="send output/ to deploy.target (site.yaml) with rsync, only what changed"
    )
    site_option(deploy)
    deploy.add_argument("--dry-run", action="store_true",
                        help="list what would be sent and deleted; send nothing")  # fmt: skip
    deploy.add_argument("--max-delete", type=int, default=None, metavar="PERCENT",
                        help="allow deleting up to this share of the target's files this time "
                        "(default: deploy.max_delete, 25)")  # fmt: skip
    deploy.set_defaults(func=cmd_deploy)

    check = sub.add_parser(
        "check", help="build, then report broken links and other warnings (exit 1 if any)"
    )
    site_option(check)
    check.add_argument("--drafts", action="store_true", help="check drafts too")
    check.add_argument("--external", action="store_true",
                       help="also fetch every link to another site")  # fmt: skip
    check.add_argument("--concurrency", type=int, default=8, metavar="N",
                       help="external links asked at once (default: 8; 2 per host)")  # fmt: skip
    check.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                       help="how long to wait for one site (default: 10)")  # fmt: skip
    check.add_argument("--max-time", type=float, default=120.0, metavar="SECONDS",
                       help="time for the whole external check (default: 120)")  # fmt: skip
    check.add_argument("--max-age", type=float, default=24.0, metavar="HOURS",
                       help="trust a link that worked this recently (default: 24)")  # fmt: skip
    check.set_defaults(func=cmd_check)

    new = sub.add_parser(
        "new", help='create a new site in DIR, or a draft: salon new post|page "Title"'
    )
    new.add_argument("directory", metavar="DIR|post|page",
                     help="a new folder for a site; or post or page, to add a draft")  # fmt: skip
    new.add_argument("name", nargs="?", metavar="TITLE",
                     help="with post or page: the title of the new draft")  # fmt: skip
    new.add_argument("--title", default="My Essays", help="a new site's title")
    new.add_argument("--site", default=".", metavar="DIR",
                     help="with post or page: the site to add to (default: here)")  # fmt: skip
    new.set_defaults(func=cmd_new)

    help_ = sub.add_parser("help", help="read the documentation: salon help config, …")
    help_.add_argument("topic", nargs="?", metavar="TOPIC",
                       help="config, front-matter, cli, themes, moderation, deployment, "
                       "importing; none lists them")  # fmt: skip
    help_.set_defaults(func=cmd_help)

    serve = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on change")
    site_option(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1)")  # fmt: skip
    serve.add_argument("--port", type=int, default=8000,
                       help="the port (default: 8000; 0 picks a free one)")  # fmt: skip
    serve.add_argument("--drafts", action="store_true",
                       help="include drafts, marked (built in .salon/preview/)")  # fmt: skip
    serve.add_argument("--future", action="store_true",
                       help="include future posts (built in .salon/preview/)")  # fmt: skip
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
    if only in (None, "followers"):
        from generator.service.cli import register_followers

        registrars.append(("followers", register_followers))
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
_CORE_COMMANDS = frozenset({"build", "check", "new", "serve", "clean", "deploy", "help"})
_PLUGIN_GROUPS = frozenset({"comments", "import", "followers"})


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


def run() -> NoReturn:
    """The `salon` command (and `python -m generator`): main(), then exit.

    After `salon build`, without freeing the site's millions of objects one by one (a
    third of a second at 5,000 essays, longer than the rest of a one-edit build's
    write step): every file is written and closed by then, its pools stopped, and
    nothing else is left to run. Other commands exit as usual.
    """
    status = main()
    if sys.argv[1:2] == ["build"]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
