"""`salon comments likes`: each essay's like count, and a reset that goes through the
one write path (service/actions.py): store, audit log, feed, hook."""

from __future__ import annotations

import argparse
import json

from generator.core.config import SiteConfig
from generator.core.errors import CommentError
from generator.service import actions as moderation
from generator.service.cli_site import actor, feed_name, last_build_posts, open_existing
from generator.service.likes import like_counts
from generator.service.terminal import one_line


def cmd_likes(config: SiteConfig, args: argparse.Namespace) -> int:
    posts = last_build_posts(config) or {}
    with open_existing(config) as store:
        if args.reset:
            key = args.reset
            if key not in posts and key not in like_counts(store.db):
                raise CommentError(
                    f'no post with key "{key}" has likes; see `salon comments likes`'
                )
            had, _ = moderation.reset_like_count(config, store, key, actor())
            if had:
                print(f"Reset the likes of {key} (it had {had}); {feed_name(config)} rewritten.")
            else:
                print(f"{key} has no likes; nothing to reset.")
            return 0
        counts = like_counts(store.db)
    if args.format == "json":
        print(json.dumps(counts, ensure_ascii=False, indent=1, sort_keys=True))
        return 0
    if not counts:
        print("No likes yet.")
        return 0
    width = max(len(str(n)) for n in counts.values())
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        title = posts[key].title if key in posts else "(not in the last build)"
        print(f"{count:>{width}}  {one_line(key)}  {one_line(title)}")
    return 0
