"""Themes and the Jinja environment.

A theme is `templates/` and `static/`, optionally `theme.yaml` with `extends: NAME`.
Templates are looked up in the site's own `templates/` first, then in the theme,
then in the themes it extends, so a site overrides any single template by name.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from generator.core.config import SiteConfig
from generator.core.errors import SiteError, decode_utf8, describe
from generator.core.yamltext import parse_yaml

BUILTIN_THEMES = Path(__file__).parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path
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
            chain.append(Theme(theme.name, theme.path, tuple(ids)))
            parent = meta.get("extends")
            line = doc.line("extends", default=1)
            if parent is not None and not isinstance(parent, str):
                raise SiteError.at(
                    f"extends: expected the name of a theme, got {describe(parent)}", where, line
                )
            name = parent
    return tuple(chain)


def reserved_ids(themes: tuple[Theme, ...]) -> tuple[str, ...]:
    """Every id the theme chain reserves, sorted (it goes into render and cache keys)."""
    return tuple(sorted({name for theme in themes for name in theme.reserved_ids}))


def template_dirs(config: SiteConfig, themes: tuple[Theme, ...]) -> list[Path]:
    dirs = [config.root / "templates"] if (config.root / "templates").is_dir() else []
    return dirs + [theme.templates for theme in themes if theme.templates.is_dir()]


_UNPADDED = re.compile(r"%%|%-([dmHIMS])")
_UNPADDED_VALUES: dict[str, Callable[[datetime], int]] = {
    "d": lambda moment: moment.day,
    "m": lambda moment: moment.month,
    "H": lambda moment: moment.hour,
    "I": lambda moment: moment.hour % 12 or 12,
    "M": lambda moment: moment.minute,
    "S": lambda moment: moment.second,
}


@lru_cache(maxsize=64)
def _date_pieces(fmt: str) -> tuple[tuple[bool, str], ...]:
    """A format cut into strftime parts (False, part) and unpadded numbers (True, code)."""
    pieces: list[tuple[bool, str]] = []
    start = 0
    for match in _UNPADDED.finditer(fmt):
        if match.group(1) is not None:  # not a literal %, written %%
            pieces += [(False, fmt[start : match.start()]), (True, match.group(1))]
            start = match.end()
    pieces.append((False, fmt[start:]))
    return tuple(piece for piece in pieces if piece[1])


def format_date(value: datetime | None, fmt: str = "%-d %B %Y") -> str:
    """strftime, with `%-d`-style unpadded numbers on every platform (not only glibc)."""
    if value is None:
        return ""
    return "".join(
        str(_UNPADDED_VALUES[part](value)) if unpadded else value.strftime(part)
        for unpadded, part in _date_pieces(fmt)
    )


def _isoformat(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def make_environment(config: SiteConfig, themes: tuple[Theme, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(config, themes)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    base_path = config.base_path

    def url(path: str) -> str:
        """A site-relative URL made absolute to the host, for sites under a sub-path."""
        return base_path + path if path.startswith("/") else path

    def absolute(path: str) -> str:
        return config.base_url + path if path.startswith("/") else path

    env.filters["date"] = format_date
    env.filters["isoformat"] = _isoformat
    env.filters["url"] = url
    env.filters["absolute"] = absolute
    return env


def _template_location(exc: BaseException, roots: list[Path]) -> tuple[str | None, int | None]:
    """The template file and line that raised, from Jinja's rewritten traceback."""
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
