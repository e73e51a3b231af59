"""The comments stage: the safe HTML of every comment body, by comment id."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from generator.build.cache import BuildCache, cache_key, comment_map, save_comment_map
from generator.build.code_fingerprint import code_fingerprint
from generator.build.pools import run_cached
from generator.contract.comment_html import plain_comment_html, render_comment_body
from generator.core.models import PublicComment


def render_comments(
    cache: BuildCache,
    comments: Sequence[PublicComment],
    jobs: int | None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, str]:
    """Safe HTML of each comment's body, by comment id.

    Plain prose is turned into paragraphs here; bodies with Markdown are rendered in
    parallel and cached by their hash. The whole map is kept too, a row per comment
    under the hash of every body, so a build whose feed did not change reads it back
    at once (rows rather than one pickle or JSON text, which would cost a big build a
    hundred megabytes of memory while being made).
    """
    digest = hashlib.sha1(code_fingerprint().encode())
    for comment in comments:
        if not comment.removed:
            digest.update(f"{comment.id}\0{comment.body}\1".encode())
    whole = digest.hexdigest()
    known = comment_map(cache, whole)
    if known is not None:
        return known
    html: dict[str, str] = {}
    keys: dict[str, str] = {}  # comment id: hash of a body that needs Markdown
    inputs: dict[str, str] = {}  # that hash: the body
    for comment in comments:
        if comment.removed:
            continue
        plain = plain_comment_html(comment.body)
        if plain is not None:
            html[comment.id] = plain
        else:
            keys[comment.id] = key = cache_key(comment.body)
            inputs[key] = comment.body
    rendered = run_cached(cache, "comments", inputs, render_comment_body, jobs, pool=pool)
    html.update((cid, rendered[key]) for cid, key in keys.items())
    cache.prune("comments", keys.values())
    save_comment_map(cache, whole, html)
    return html
