"""What an essay makes every reader's browser fetch from another site: pure functions.

An image at `https://…`, a video or an `<iframe>` of the author's own HTML is loaded from
that site by each reader who opens the page, which tells it who reads what (and lets it
set cookies). Salon's own pages request nothing from a third party, so the build says
where an essay does, at its line; `third_party: allow` in site.yaml quiets it and
`third_party: error` refuses it (docs/images.md).

Tags are found in markdown-it's HTML tokens (image_refs.html_and_images, which finds
the `<img>` tags too), so an example inside a code block is text, not a request.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from generator.build.image_refs import html_and_images, tag_attributes
from generator.core.errors import Problem
from generator.core.models import ImageRef

# Tags whose attributes a browser fetches as the page loads (a link only with these rels).
_FETCHING = ("iframe", "script", "video", "audio", "source", "track", "embed", "object",
             "img", "link", "input")  # fmt: skip
_TAG = re.compile(r"<(" + "|".join(_FETCHING) + r")\b[^>]*>", re.IGNORECASE)
# CSS in a style attribute or a <style> element: url(…) is fetched too.
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))""", re.IGNORECASE)
_URL_ATTRIBUTES = ("src", "data", "poster", "href")
_FETCHED_LINKS = frozenset({"stylesheet", "icon", "preload", "modulepreload", "prefetch"})


def other_host(url: str) -> str:
    """The host an address is fetched from when it is another site's (http, https or
    scheme-relative), else ""."""
    url = url.strip()
    if not url.startswith("//") and not url[:8].lower().startswith(("http://", "https://")):
        return ""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed address ("http://[x"): no browser fetches it either
        return ""


def _fetched_urls(tag: str) -> list[tuple[str, str]]:
    """(tag name, address) for each address a browser fetches for one start tag."""
    name = tag[1:].split(None, 1)[0].rstrip(">/").lower()
    attrs = tag_attributes("<img" + tag[1 + len(name) :])  # it parses after the tag name
    if name == "link" and not _FETCHED_LINKS & set(attrs.get("rel", "").lower().split()):
        return []  # rel="me", "author"…: a reference, not a request
    if name == "input" and attrs.get("type", "").lower() != "image":
        return []
    found = [(name, attrs[key]) for key in _URL_ATTRIBUTES if attrs.get(key)]
    for candidate in attrs.get("srcset", "").split(","):
        parts = candidate.split()
        if parts:
            found.append((name, parts[0]))
    return found


def _html_requests(html: str, start_line: int) -> list[tuple[int, str, str]]:
    found: list[tuple[int, str, str]] = []
    for match in _TAG.finditer(html):
        line = start_line + html.count("\n", 0, match.start())
        found.extend((line, name, url) for name, url in _fetched_urls(match.group(0)))
    if "url(" in html.lower():
        for match in _CSS_URL.finditer(html):
            url = next((group for group in match.groups() if group is not None), "")
            found.append((start_line + html.count("\n", 0, match.start()), "style", url))
    return found


def _has_tag(body: str) -> bool:
    """Whether ``body`` has a `<` before a letter: any HTML start tag, and so any fetching
    tag, style attribute or `<style>` element (CSS url() is only ever inside one).

    A scan from `<` to `<` (an essay has few): a case-blind regex search for the tag names
    took 70 µs an essay of prose with curly quotes, a tenth of its Markdown render."""
    at = body.find("<")
    while at != -1:
        if body[at + 1 : at + 2].isalpha():
            return True
        at = body.find("<", at + 1)
    return False


def _raw_html_requests(body: str, body_line: int) -> list[tuple[int, str, str]]:
    if not _has_tag(body):
        return []  # most essays have no HTML tag: no parse
    found: list[tuple[int, str, str]] = []
    for token, line in html_and_images(body, body_line):
        if token.type != "image":  # (Markdown images come as ImageRefs, found already)
            found.extend(_html_requests(token.content, line))
    return found


def third_party_requests(
    body: str, body_line: int, images: tuple[ImageRef, ...], path: str
) -> tuple[Problem, ...]:
    """One problem for each address of another site the essay's page makes a browser
    fetch, at its line: its Markdown images (``images``, as find_images found them) and the
    tags of its raw HTML."""
    requests = [(ref.line, "image", ref.src) for ref in images if not ref.raw_html]
    if "//" in body:
        requests.extend(_raw_html_requests(body, body_line))
    problems = []
    for line, name, url in sorted(requests, key=lambda request: request[0]):
        host = other_host(url)
        if host:
            what = {"image": "the image", "img": "the image", "style": "the CSS url()"}.get(
                name, f"the <{name}>"
            )
            problems.append(
                Problem(
                    f"{what} {url} is fetched from {host} by every reader's browser, which "
                    "tells that site who reads this page; keep a copy in the site or link to "
                    "it instead, or set third_party: allow in site.yaml",
                    path,
                    line,
                )
            )
    return tuple(problems)
