"""Small HTTP helpers shared by intake and moderation: origins, answers, headers."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalise_origin(url: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default port dropped; None if not a web URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if port is not None and str(port) != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def own_origin(request: Request) -> str | None:
    """The origin this request was addressed to (after trusted proxy headers)."""
    return normalise_origin(f"{request.scheme}://{request.host}")


def request_origin(request: Request) -> str | None:
    """Where the browser says the request comes from: Origin, else Referer; None if neither.

    Origin "null" (a sandboxed or privacy-stripped context) is returned as "null", which
    matches nothing.
    """
    origin = request.headers.get("Origin")
    if origin is not None:
        origin = origin.strip()
        return "null" if origin == "null" else (normalise_origin(origin) or "null")
    referer = request.headers.get("Referer")
    if referer:
        return normalise_origin(referer) or "null"
    return None


def is_allowed_origin(origin: str | None, allowed: Iterable[str | None]) -> bool:
    return origin is not None and origin != "null" and origin in set(allowed)


def client_address(request: Request) -> str:
    """The client's address: REMOTE_ADDR, which ProxyFix has already set from
    X-Forwarded-For when (and only when) trusted proxies are configured."""
    return (request.remote_addr or "").strip()


def rate_key(address: str) -> str:
    """The unit a rate limit counts: one IPv4 address, or one IPv6 /64 (what one
    subscriber usually holds, so rotating addresses inside it does not help)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def wants_json(request: Request) -> bool:
    if request.mimetype == "application/json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


def html_response(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status=status, headers=headers, content_type="text/html; charset=utf-8")


def text_response(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        text + "\n", status=status, headers=headers, content_type="text/plain; charset=utf-8"
    )


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
