"""The reader-engagement settings of site.yaml: likes, share links, search, related essays.

Each has a section of its own; every key is optional and the defaults are on, so a
site gets all four without writing anything, and turns one off with `enabled: false`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.core.validate import Fields

SHARE_TARGETS = ("email", "mastodon", "bluesky", "linkedin", "copy")
ENGAGEMENT_KEYS = ("likes", "share", "search", "related")


@dataclass(frozen=True)
class LikesConfig:
    enabled: bool = True
    on_listings: bool = False  # show counts on the home page and other listings too
    rate_per_minute: int = 10  # likes from one network, on every essay together
    rate_per_hour: int = 60
    export_seconds: int = 60  # likes arriving within this long share one feed rewrite


@dataclass(frozen=True)
class ShareConfig:
    enabled: bool = True
    targets: tuple[str, ...] = SHARE_TARGETS
    mastodon_share: str = "https://s2f.kytta.dev/"  # a share page that asks for the server


@dataclass(frozen=True)
class SearchConfig:
    enabled: bool = True
    pagefind: bool = True  # the static index for readers with JavaScript


@dataclass(frozen=True)
class RelatedConfig:
    enabled: bool = True
    count: int = 3


@dataclass(frozen=True)
class EngagementConfig:
    likes: LikesConfig = field(default_factory=LikesConfig)
    share: ShareConfig = field(default_factory=ShareConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    related: RelatedConfig = field(default_factory=RelatedConfig)


def parse_engagement(top: Fields) -> EngagementConfig:
    """The four sections from site.yaml's top level; problems go to ``top.problems``."""
    likes = top.section("likes")
    likes.check_unknown(LikesConfig.__dataclass_fields__)
    d = LikesConfig()
    share = top.section("share")
    share.check_unknown(ShareConfig.__dataclass_fields__)
    targets = share.string_list("targets") if share.has("targets") else SHARE_TARGETS
    for target in targets:
        if target not in SHARE_TARGETS:
            share.expected("targets", "a list drawn from " + ", ".join(SHARE_TARGETS), target)
            targets = SHARE_TARGETS
            break
    mastodon = share.string("mastodon_share", ShareConfig.mastodon_share)
    if not mastodon.startswith("https://"):
        share.expected("mastodon_share", "an https URL", mastodon)
        mastodon = ShareConfig.mastodon_share
    search = top.section("search")
    search.check_unknown(SearchConfig.__dataclass_fields__)
    related = top.section("related")
    related.check_unknown(RelatedConfig.__dataclass_fields__)
    return EngagementConfig(
        likes=LikesConfig(
            enabled=likes.boolean("enabled", True),
            on_listings=likes.boolean("on_listings", False),
            rate_per_minute=likes.integer("rate_per_minute", d.rate_per_minute, 1),
            rate_per_hour=likes.integer("rate_per_hour", d.rate_per_hour, 1),
            export_seconds=likes.integer("export_seconds", d.export_seconds, 0),
        ),
        share=ShareConfig(
            enabled=share.boolean("enabled", True), targets=targets, mastodon_share=mastodon
        ),
        search=SearchConfig(
            enabled=search.boolean("enabled", True), pagefind=search.boolean("pagefind", True)
        ),
        related=RelatedConfig(
            enabled=related.boolean("enabled", True),
            count=related.integer("count", 3, minimum=1),
        ),
    )
