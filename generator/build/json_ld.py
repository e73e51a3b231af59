"""Structured data (schema.org JSON-LD) for pages. Pure.

Addresses are URIs here, as in the feeds: a non-ASCII slug is percent-encoded.
"""

from __future__ import annotations

from typing import Any

from generator.build.site import Entry
from generator.contract.page_images import Preview
from generator.core.config import SiteConfig
from generator.core.urls import iri_to_uri


def image_object(image: Preview) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "ImageObject", "url": image.url}
    if image.width and image.height:
        data["width"], data["height"] = image.width, image.height
    return data


def publisher(config: SiteConfig, logo: Preview | None) -> dict[str, Any]:
    """The site as the publisher Google's article rich results ask for, with its logo."""
    data: dict[str, Any] = {"@type": "Organization", "name": config.title,
                            "url": config.base_url + "/"}  # fmt: skip
    if logo is not None:
        data["logo"] = image_object(logo)
    return data


def blog_posting(entry: Entry, config: SiteConfig, logo: Preview | None = None) -> dict[str, Any]:
    assert entry.date is not None
    absolute = iri_to_uri(config.base_url + entry.url)
    author = entry.author or config.author.name
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": entry.title,
        "url": absolute,
        "mainEntityOfPage": absolute,
        "datePublished": entry.date.isoformat(timespec="seconds"),
        "dateModified": (entry.updated or entry.date).isoformat(timespec="seconds"),
        "wordCount": entry.words,
        "commentCount": entry.comment_count,
        "inLanguage": config.language,
    }
    if author:
        data["author"] = {"@type": "Person", "name": author}
        if not entry.author and config.author.url:
            data["author"]["url"] = iri_to_uri(
                config.base_url + config.author.url
                if config.author.url.startswith("/")
                else config.author.url
            )
    if entry.doc.tags:
        data["keywords"] = list(entry.doc.tags)
    if entry.doc.categories:
        data["articleSection"] = entry.doc.categories[0]
    if entry.image is not None:
        data["image"] = image_object(entry.image)
    data["publisher"] = publisher(config, logo)
    return data


def web_page(entry: Entry, config: SiteConfig) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": entry.title,
        "url": iri_to_uri(config.base_url + entry.url),
    }
    if entry.image is not None:
        data["image"] = image_object(entry.image)
    return data


def blog(config: SiteConfig) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "Blog",
        "name": config.title,
        "url": config.base_url + "/",
    }
