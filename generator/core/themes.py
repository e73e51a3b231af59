"""Themes and the Jinja environment.

A theme is `templates/` and `static/`, optionally `theme.yaml` with `extends: NAME`.
Templates are looked up in the site's own `templates/` first, then in the theme,
then in the themes it extends, so a site overrides any single template by name.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core.config import SiteConfig
from generator.core.errors import SiteError, decode_utf8, describe
from generator.core.yamltext import parse_yaml

if TYPE_CHECKING:
    import jinja2  # imported where templates are made: a no-change build needs none

BUILTIN_THEMES = Path(__file__).parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path
    front_matter_keys: tuple[str, ...] = ()  # theme.yaml's: keys its templates read
    # Ids its pages carry (theme.yaml `reserved_ids`; `comment-*` is a family): headings
    # of essays give way to them.
    reserved_ids: tuple[str, ...] = ()

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"


def _theme_names(site_root: Path) -> list[str]:
    names: set[str] = set()
    for base in (site_root / "themes", BUILTIN_THEMES):
        if base.is_dir():
            names.update(
                path.name
                for path in base.iterdir()
                if (path / "templates").is_dir() or (path / "theme.yaml").is_file()
            )
    return sorted(names)


def find_theme(
    name: str, site_root: Path, where: str = "site.yaml", line: int | None = None
) -> Theme:
    """The theme called ``name``: the site's own themes/NAME first, then a built-in one.

    ``where`` and ``line`` say who asked for it (site.yaml's `theme`, or a theme.yaml's
    `extends`), for the error message.
    """
    for base in (site_root / "themes", BUILTIN_THEMES):
        path = base / name
        if (path / "templates").is_dir() or (path / "theme.yaml").is_file():
            return Theme(name, path)
    key = "theme" if where == "site.yaml" else "extends"
    available = ", ".join(_theme_names(site_root)) or "none"
    raise SiteError.at(
        f'{key}: no theme named "{name}" in themes/ or among the built-in themes '
        f"(there are: {available})",
        where,
        line,
    )


def _config_line(site_root: Path, key: str) -> int | None:
    """The line of a key of site.yaml; read again only to point an error at it."""
    try:
        text = (site_root / "site.yaml").read_text(encoding="utf-8")
        return parse_yaml(text, "site.yaml").line(key)
    except (OSError, UnicodeDecodeError, SiteError):
        return None


def theme_chain(config: SiteConfig) -> tuple[Theme, ...]:
    """The configured theme first, then each theme it extends."""
    chain: list[Theme] = []
    name: str | None = config.theme
    where, line = "site.yaml", None
    while name is not None:
        if any(theme.name == name for theme in chain):
            circle = " → ".join([*(theme.name for theme in chain), name])
            raise SiteError.at(
                f"extends: themes extend each other in a circle: {circle}", where, line
            )
        if where == "site.yaml":
            line = _config_line(config.root, "theme")
        theme = find_theme(name, config.root, where, line)
        name = None
        meta_path = theme.path / "theme.yaml"
        if not meta_path.is_file():
            chain.append(theme)
        else:
            where = _shown(str(meta_path), config.root) or str(meta_path)
            doc = parse_yaml(decode_utf8(meta_path.read_bytes(), where), where)
            meta = doc.data if isinstance(doc.data, dict) else {}
            ids = meta.get("reserved_ids", [])
            if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
                raise SiteError.at(
                    f"reserved_ids: expected a list of ids, got {describe(ids)}",
                    where,
                    doc.line("reserved_ids", default=1),
                )
            declared = meta.get("front_matter_keys", [])
            if not isinstance(declared, list) or not all(isinstance(k, str) for k in declared):
                raise SiteError.at(
                    f"front_matter_keys: expected a list of key names, got {describe(declared)}",
                    where,
                    doc.line("front_matter_keys", default=1),
                )
            chain.append(replace(theme, reserved_ids=tuple(ids),
                                 front_matter_keys=tuple(declared)))  # fmt: skip
            parent = meta.get("extends")
            line = doc.line("extends", default=1)
            if parent is not None and not isinstance(parent, str):
                raise SiteError.at(
                    f"extends: expected the name of a theme, got {describe(parent)}", where, line
                )
            name = parent
    return tuple(chain)


def with_theme_keys(config: SiteConfig, themes: tuple[Theme, ...]) -> SiteConfig:
    """The site's settings with the front-matter keys its themes declare added to its own."""
    declared = [key for theme in themes for key in theme.front_matter_keys]
    if not declared:
        return config
    return replace(config, front_matter_keys=(*config.front_matter_keys, *declared))


@dataclass(frozen=True)
class ThemeImages:
    """A theme's `images:` in theme.yaml: how wide its column shows pictures."""

    sizes: str = "100vw"  # the `sizes` of every essay image's srcset
    listing: bool = False  # whether listings show each essay's preview image
    listing_sizes: str = "100vw"


def theme_images(themes: tuple[Theme, ...]) -> ThemeImages:
    """The first theme in the chain that says, for each setting; the defaults otherwise."""
    found: dict[str, Any] = {}
    for theme in themes:
        meta_path = theme.path / "theme.yaml"
        if not meta_path.is_file():
            continue
        where = str(meta_path)
        doc = parse_yaml(decode_utf8(meta_path.read_bytes(), where), where)
        section = doc.data.get("images") if isinstance(doc.data, dict) else None
        if section is None:
            continue
        if not isinstance(section, dict):
            raise SiteError.at(
                f"images: expected a mapping, got {describe(section)}", where, doc.line("images")
            )
        for key, kind in (("sizes", str), ("listing", bool), ("listing_sizes", str)):
            value = section.get(key)
            if value is not None and not isinstance(value, kind):
                wanted = "true or false" if kind is bool else "text"
                raise SiteError.at(
                    f"images.{key}: expected {wanted}, got {describe(value)}",
                    where,
                    doc.line("images", key),
                )
            if value is not None:
                found.setdefault(key, value)
    return ThemeImages(**found)


def reserved_ids(themes: tuple[Theme, ...]) -> tuple[str, ...]:
    """Every id the theme chain reserves, sorted (it goes into render and cache keys)."""
    return tuple(sorted({name for theme in themes for name in theme.reserved_ids}))


def template_dirs(config: SiteConfig, themes: tuple[Theme, ...]) -> list[Path]:
    dirs = [config.root / "templates"] if (config.root / "templates").is_dir() else []
    return dirs + [theme.templates for theme in themes if theme.templates.is_dir()]


# The date filter formats without strftime (which costs a fifth of a post page): each
# code is a small function of the datetime. Names are those of the C locale, which
# Python keeps for LC_TIME unless told otherwise; any other code, and any text with a
# stray "%", still goes through strftime. tests/test_filters.py compares the two over
# many dates and formats.
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CODES: dict[str, Callable[[datetime], str]] = {
    "d": lambda m: f"{m.day:02d}",
    "-d": lambda m: str(m.day),
    "m": lambda m: f"{m.month:02d}",
    "-m": lambda m: str(m.month),
    "H": lambda m: f"{m.hour:02d}",
    "-H": lambda m: str(m.hour),
    "I": lambda m: f"{m.hour % 12 or 12:02d}",
    "-I": lambda m: str(m.hour % 12 or 12),
    "M": lambda m: f"{m.minute:02d}",
    "-M": lambda m: str(m.minute),
    "S": lambda m: f"{m.second:02d}",
    "-S": lambda m: str(m.second),
    "y": lambda m: f"{m.year % 100:02d}",
    "B": lambda m: _MONTHS[m.month - 1],
    "b": lambda m: _MONTHS[m.month - 1][:3],
    "A": lambda m: _DAYS[m.weekday()],
    "a": lambda m: _DAYS[m.weekday()][:3],
    "p": lambda m: "AM" if m.hour < 12 else "PM",
    "Y": lambda m: str(m.year) if m.year >= 1000 else m.strftime("%Y"),
    "%": lambda m: "%",
}
_CODE = re.compile(r"%(-?[a-zA-Z%])")
_Piece = Callable[[datetime], str]


def _strftime_of(part: str) -> _Piece:
    return lambda moment: moment.strftime(part)


def _text_of(text: str) -> _Piece:
    return lambda _moment: text


@lru_cache(maxsize=64)
def _date_pieces(fmt: str) -> tuple[_Piece, ...]:
    """A format cut into one function per code and per literal text (a function too: one
    call each, with no test of what a piece is, was a third faster per date)."""
    pieces: list[_Piece] = []
    start = 0
    for match in _CODE.finditer(fmt):
        text = fmt[start : match.start()]
        if text:
            pieces.append(_strftime_of(text) if "%" in text else _text_of(text))
        code = match.group(1)
        pieces.append(_CODES.get(code) or _strftime_of(match.group(0)))
        start = match.end()
    rest = fmt[start:]
    if rest:
        pieces.append(_strftime_of(rest) if "%" in rest else _text_of(rest))
    return tuple(pieces)


def format_date(value: datetime | None, fmt: str = "%-d %B %Y") -> str:
    """strftime's text, with `%-d`-style unpadded numbers on every platform (not only glibc)."""
    if value is None:
        return ""
    return "".join([piece(value) for piece in _date_pieces(fmt)])


def _isoformat(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def make_environment(
    config: SiteConfig,
    themes: tuple[Theme, ...],
    bytecode_cache: jinja2.BytecodeCache | None = None,  # the build's (build/template_cache.py)
) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(config, themes)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=bytecode_cache,
    )
    base_path = config.base_path

    def url(path: str) -> str:
        """A site-relative URL made absolute to the host, for sites under a sub-path."""
        return base_path + path if path.startswith("/") else path

    def absolute(path: str) -> str:
        return config.base_url + path if path.startswith("/") else path

    env.globals["theme_images"] = theme_images(themes)  # theme.yaml's images: settings
    env.filters["date"] = format_date
    env.filters["isoformat"] = _isoformat
    env.filters["url"] = url
    env.filters["absolute"] = absolute
    return env


def _template_location(exc: BaseException, roots: list[Path]) -> tuple[str | None, int | None]:
    """The template file and line that raised, from Jinja's rewritten traceback."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or exc.name, exc.lineno
    found: tuple[str | None, int | None] = (None, None)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if any(filename.startswith(str(root)) for root in roots):
            found = (filename, line)
    return found


def _shown(filename: str | None, site_root: Path) -> str | None:
    if filename is None:
        return None
    path = Path(filename)
    try:
        return path.relative_to(site_root).as_posix()
    except ValueError:
        try:
            return "(built-in) " + path.relative_to(BUILTIN_THEMES.parent).as_posix()
        except ValueError:
            return filename


_QUALIFIED_OBJECT = re.compile(r"'(?:\w+\.)+(\w+) object'")


def _error_message(exc: BaseException) -> str:
    import jinja2

    if isinstance(exc, jinja2.TemplateError):
        message = exc.message or type(exc).__name__
        # "'generator.build.site.Entry object' has no attribute 'titel'" -> "'Entry' has …"
        return _QUALIFIED_OBJECT.sub(r"'\1'", message)
    return f"{type(exc).__name__}: {exc}"


def render_template(
    env: jinja2.Environment, name: str, context: Mapping[str, Any], site_root: Path
) -> str:
    """Render ``name``; any template mistake becomes a SiteError at template:line."""
    try:
        return env.get_template(name).render(context)
    except SiteError:
        raise
    except Exception as exc:  # a template can raise anything; all of it is the theme's mistake
        import jinja2

        roots = [Path(d) for d in env.loader.searchpath] if env.loader else []  # type: ignore[attr-defined]
        if isinstance(exc, jinja2.TemplateNotFound):
            # Missing as a whole: no line to show. Missing from an include or extends: show it.
            filename, line = (None, None) if exc.name == name else _template_location(exc, roots)
            where = _shown(filename, site_root)
            raise SiteError.at(
                f'template "{exc.name}" not found in the site\'s templates/ or its theme',
                where,
                line,
            ) from None
        filename, line = _template_location(exc, roots)
        raise SiteError.at(
            f"template error: {_error_message(exc)}", _shown(filename, site_root) or name, line
        ) from None
