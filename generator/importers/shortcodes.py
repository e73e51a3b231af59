"""WordPress shortcodes: turned into plain HTML where there is a clear equivalent.

`[caption]` becomes a figure, `[embed]` and `[youtube]` a link, `[audio]` and
`[video]` the HTML media elements, `[code]` a code block. Anything else (a
`[gallery]` needs the site's attachments and a plugin's markup) is left as it was,
visible in the text, and named in the report so the author can decide.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from generator.importers.html_tree import names

# Shortcodes of WordPress core, WordPress.com and common plugins: reported when left as
# they were. Other bracketed words are reported only when they look like shortcodes
# (attributes or a closing tag), so that "[sic]" in prose is not listed.
KNOWN = names(
    "archives audio caption code contact-form dailymotion embed gallery gist googlemaps "
    "instagram playlist polldaddy recipe slideshow soundcloud source sourcecode spotify "
    "ted tweet twitter video vimeo wp_caption youtube"
)
_TAG = re.compile(r"\[(\[?)(/?)([A-Za-z][\w-]*)(?=[\s=/\]])([^\]]{0,2000}?)(/?)\](\]?)")
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|"([^"]*)"|(\S+)""")
_PROTECTED = re.compile(r"<(pre|code)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_MEDIA_IMG = re.compile(r"^\s*(<a\b[^>]*>\s*)?<img\b[^>]*>(\s*</a>)?", re.IGNORECASE)
_AUDIO_KEYS = ("src", "mp3", "m4a", "ogg", "wav", "wma", "flac")
_VIDEO_KEYS = ("src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mov")


@dataclass(frozen=True)
class Expanded:
    html: str
    left: tuple[str, ...]  # names of shortcodes left in the text, in order
    media: tuple[str, ...]  # URLs of media the shortcodes referred to


def parse_attributes(text: str) -> tuple[dict[str, str], list[str]]:
    """Named attributes and positional values of a shortcode's opening tag."""
    named: dict[str, str] = {}
    positional: list[str] = []
    for match in _ATTR.finditer(text):
        name, double, single, bare, quoted, word = match.groups()
        if name:
            named[name.lower()] = next(v for v in (double, single, bare) if v is not None)
        else:
            positional.append(quoted if quoted is not None else word)
    return named, positional


def _link(url: str) -> str:
    url = html.unescape(url.strip())
    safe = html.escape(url, quote=True)
    return f'\n\n<p><a href="{safe}">{html.escape(url)}</a></p>\n\n'


def _caption(attrs: dict[str, str], inner: str) -> str | None:
    match = _MEDIA_IMG.match(inner)
    if match is None:
        return None
    caption = inner[match.end() :].strip() or attrs.get("caption", "")
    image = match.group(0).strip()
    if not caption:
        return f"\n\n<figure>{image}</figure>\n\n"
    return f"\n\n<figure>{image}<figcaption>{caption}</figcaption></figure>\n\n"


def _media(
    kind: str, attrs: dict[str, str], positional: list[str], keys: tuple[str, ...]
) -> tuple[str, str] | None:
    urls = [p for p in positional if p.startswith(("http://", "https://", "/"))]
    src = next((attrs[k] for k in keys if attrs.get(k)), urls[0] if urls else "")
    if not src:
        return None
    extra = ""
    if kind == "video" and attrs.get("poster"):
        extra = f' poster="{html.escape(attrs["poster"], quote=True)}"'
    element = f'<{kind} controls src="{html.escape(src, quote=True)}"{extra}></{kind}>'
    return f"\n\n{element}\n\n", src


def _code(attrs: dict[str, str], positional: list[str], inner: str) -> str:
    language = attrs.get("language") or attrs.get("lang") or (positional[0] if positional else "")
    language = re.sub(r"[^\w+#-]", "", language)
    css = f' class="language-{language}"' if language else ""
    body = html.escape(html.unescape(inner.strip("\n")), quote=False)
    return f"\n\n<pre><code{css}>{body}</code></pre>\n\n"


def _looks_like_shortcode(name: str, rest: str, closed: bool) -> bool:
    return name in KNOWN or closed or "=" in rest


def expand_shortcodes(text: str) -> Expanded:
    """Replace the shortcodes that have an equivalent; leave and list the others."""
    protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(text)]
    out: list[str] = []
    left: list[str] = []
    media: list[str] = []
    position = 0
    while True:
        match = _TAG.search(text, position)
        if match is None:
            break
        start, end = match.span()
        out.append(text[position:start])
        position = end
        opening, slash, raw_name, rest, self_closing, closing = match.groups()
        name = raw_name.lower()
        if any(a <= start < b for a, b in protected) or slash:
            out.append(match.group(0))
            continue
        if opening and closing:  # [[name]] is WordPress's way to write a literal [name]
            out.append(match.group(0)[1:-1])
            continue
        named, positional = parse_attributes(rest)
        inner: str | None = None
        after = end
        if not self_closing:
            close = re.search(rf"\[/{re.escape(raw_name)}\]", text[end:])
            if close is not None:
                inner = text[end : end + close.start()]
                after = end + close.end()

        replacement: str | None = None
        if name in ("caption", "wp_caption") and inner is not None:
            replacement = _caption(named, inner)
        elif name == "embed" and inner is not None and inner.strip():
            replacement = _link(inner)
        elif name in ("youtube", "vimeo", "dailymotion", "ted", "soundcloud", "spotify"):
            url = rest.strip().lstrip("=").strip().strip("\"'")
            if url.startswith(("http://", "https://")):
                replacement = _link(url.split()[0])
        elif name in ("audio", "video"):
            made = _media(name, named, positional, _AUDIO_KEYS if name == "audio" else _VIDEO_KEYS)
            if made is not None:
                replacement, src = made
                media.append(src)
        elif name in ("code", "sourcecode", "source") and inner is not None:
            replacement = _code(named, positional, inner)

        if replacement is None:
            if _looks_like_shortcode(name, rest, inner is not None):
                left.append(name)
            out.append(match.group(0))
            continue
        out.append(replacement)
        position = after
    out.append(text[position:])
    return Expanded("".join(out), tuple(left), tuple(media))
