"""GET <endpoint>/search?q=…: the site search without JavaScript.

Answered from the private FTS5 index the build writes beside the posts manifest
(contract/search_index.py), as a page of the site's theme (its search.html with the
hits filled in). Rate-limited per network like comments; a missing index is a 503
that says to build the site, never a 500.
"""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from generator.contract.search_index import INDEX_NAME, search
from generator.service.state import ServiceState
from generator.service.web import client_address, html_response, rate_key

log = logging.getLogger("salon.service")
PER_PAGE = 20
MAX_QUERY = 200
MAX_PAGE = 50


def handle_search(state: ServiceState, request: Request) -> Response:
    query = " ".join(request.args.get("q", "").split())[:MAX_QUERY]
    try:
        number = min(MAX_PAGE, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        number = 1
    url = state.endpoint + "/search"
    if not state.config.engagement.search.enabled:
        return _page(state, url, query, 404, notice="Search is turned off on this site.")
    if not query:
        return _page(state, url, query, 200)
    wait = state.search_limits.hit(rate_key(client_address(request)), state.now())
    if wait is not None:
        notice = f"Too many searches from your network just now: please wait {wait} seconds."
        response = _page(state, url, query, 429, notice=notice)
        response.headers["Retry-After"] = str(wait)
        return response
    path = state.config.private_dir / INDEX_NAME
    try:
        total, hits = search(path, query, PER_PAGE, (number - 1) * PER_PAGE)
    except sqlite3.Error as exc:
        log.error("search index %s cannot be read: %s", path, exc)
        notice = "Search is not available yet: the site's search index is missing; build the site."
        return _page(state, url, query, 503, notice=notice)

    def page_url(n: int) -> str:
        return f"{request.script_root}{url}?" + urlencode({"q": query, "page": n})

    more = page_url(number + 1) if number * PER_PAGE < total and number < MAX_PAGE else ""
    less = page_url(number - 1) if number > 1 else ""
    return _page(state, url, query, 200, total=total, hits=hits, more_url=more, less_url=less)


def _page(
    state: ServiceState, url: str, query: str, status: int, notice: str = "", **context: object
) -> Response:
    context.setdefault("total", 0)
    context.setdefault("hits", [])
    context.setdefault("more_url", "")
    context.setdefault("less_url", "")
    title = f"Search: {query}" if query else "Search"
    html = state.pages.render(
        "search.html", title, url, query=query, notices=[notice] if notice else [], **context
    )
    response = html_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response
