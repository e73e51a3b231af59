"""Reading the public feed for a build: a local file, or an https URL downloaded."""

from __future__ import annotations

from generator.core.config import SiteConfig
from generator.core.errors import SiteError, decode_utf8

DOWNLOAD_TIMEOUT = 20  # seconds
MAX_FEED_BYTES = 64 * 1024 * 1024


def read_feed_text(config: SiteConfig) -> str | None:
    """The feed's text, or None when there is no feed yet (no comment approved so far)."""
    if not config.comments.enabled:
        return None
    if config.feed_is_remote:
        import urllib.error  # here: urllib's import costs more than a local build's check
        import urllib.request

        url = config.comments.feed
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                data: bytes = response.read(MAX_FEED_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SiteError.at(
                f"comments feed: cannot download {url}: {exc}", "site.yaml"
            ) from None
        if len(data) > MAX_FEED_BYTES:
            raise SiteError.at(f"comments feed: {url} is larger than 64 MiB", "site.yaml")
    else:
        try:
            data = config.feed_path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise SiteError.at(
                "is a folder; the comments feed is a file (remove the folder, or point "
                "comments.feed in site.yaml at the feed file)",
                config.comments.feed,
            ) from None
        except OSError as exc:
            raise SiteError.at(
                f"cannot read the comments feed ({exc.strerror})", config.comments.feed
            ) from None
    return decode_utf8(data, config.comments.feed)
