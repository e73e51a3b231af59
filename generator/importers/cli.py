"""`salon import wordpress EXPORT.xml` and `salon import disqus EXPORT.xml`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cmd_wordpress(args: argparse.Namespace) -> int:
    from generator.importers.fetch_images import Limits
    from generator.importers.wordpress import import_wordpress

    fetch = None
    if args.fetch_images:
        fetch = Limits(concurrency=args.fetch_jobs, timeout=args.fetch_timeout,
                       budget=args.fetch_budget)  # fmt: skip
    report = import_wordpress(
        Path(args.site).resolve(),
        Path(args.export),
        args.export,
        force=args.force,
        lenient=args.lenient,
        dry_run=args.dry_run,
        fetch=fetch,
    )
    print(report.render(), end="")
    return 0


def cmd_disqus(args: argparse.Namespace) -> int:
    from generator.importers.disqus import import_disqus

    report = import_disqus(
        Path(args.site).resolve(), Path(args.export), args.export, lenient=args.lenient
    )
    print(report.render(), end="")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return value


def register(sub: Any, site_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add `salon import …` to the command line."""
    group = sub.add_parser(
        "import",
        help="move in from WordPress or Disqus",
        description="Import posts, pages and comments from another platform's export file.",
    )
    sources = group.add_subparsers(dest="source", required=True, metavar="SOURCE")

    wordpress = sources.add_parser(
        "wordpress",
        help="posts, pages and comments from a WordPress export (Tools → Export)",
        description="Posts and pages become Markdown files; comments go to the comment store; "
        "every old address redirects to its new page. Running it again changes nothing.",
    )
    wordpress.add_argument("export", metavar="EXPORT.xml", help="the WordPress export file")
    site_option(wordpress)
    wordpress.add_argument(
        "--force", action="store_true", help="overwrite files that exist and differ"
    )
    wordpress.add_argument(
        "--dry-run", action="store_true", help="say what the import would do; write nothing"
    )
    wordpress.add_argument(
        "--fetch-images",
        action="store_true",
        help="download the images posts show from the old site into each post's folder",
    )
    for flag, kind, default, metavar, text in (
        ("--fetch-jobs", _positive, 4, "N", "downloads at the same time"),
        ("--fetch-timeout", float, 30.0, "SECONDS", "how long one request may be silent"),
        ("--fetch-budget", float, 900.0, "SECONDS", "for all downloads; run again for more"),
    ):
        wordpress.add_argument(
            flag, type=kind, default=default, metavar=metavar, help=f"{text} (default {default})"
        )
    _lenient_option(wordpress)
    wordpress.set_defaults(func=cmd_wordpress)

    disqus = sources.add_parser(
        "disqus",
        help="comments from a Disqus export",
        description="Comments go to the comment store, on the posts their threads belong to; "
        "threads that match no post are listed, not guessed.",
    )
    disqus.add_argument("export", metavar="EXPORT.xml", help="the Disqus export file")
    site_option(disqus)
    _lenient_option(disqus)
    disqus.set_defaults(func=cmd_disqus)


def _lenient_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="mend what export tools are known to get wrong (bytes before the XML declaration, "
        "attribute values without quotes) and list each mend in the report",
    )
