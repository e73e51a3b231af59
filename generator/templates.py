"""Themes and the Jinja environment.

A theme is `templates/` and `static/`, optionally `theme.yaml` with `extends: NAME`.
Templates are looked up in the site's own `templates/` first, then in the theme,
then in the themes it extends, so a site overrides any single template by name.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from .config import SiteConfig
from .errors import SiteError
from .yamltext import parse_yaml

BUILTIN_THEMES = Path(__file__).parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"


def find_theme(name: str, site_root: Path) -> Theme:
    for base in (site_root / "themes", BUILTIN_THEMES):
        path = base / name
        if (path / "templates").is_dir() or (path / "theme.yaml").is_file():
            return Theme(name, path)
    raise SiteError.at(
        f'theme: no theme named "{name}" in themes/ or among the built-in themes', "site.yaml"
    )


def theme_chain(config: SiteConfig) -> tuple[Theme, ...]:
    """The configured theme first, then each theme it extends."""
    chain: list[Theme] = []
    name: str | None = config.theme
    while name is not None:
        if any(theme.name == name for theme in chain):
            raise SiteError.at(
                f"theme.yaml: themes extend each other in a circle ({name})", str(chain[-1].path)
            )
        theme = find_theme(name, config.root)
        chain.append(theme)
        name = None
        meta_path = theme.path / "theme.yaml"
        if meta_path.is_file():
            shown = str(meta_path)
            meta = parse_yaml(meta_path.read_text(encoding="utf-8"), shown).data or {}
            parent = meta.get("extends") if isinstance(meta, dict) else None
            if parent is not None and not isinstance(parent, str):
                raise SiteError.at("extends: expected a theme name", shown)
            name = parent
    return tuple(chain)


def template_dirs(config: SiteConfig, themes: tuple[Theme, ...]) -> list[Path]:
    dirs = [config.root / "templates"] if (config.root / "templates").is_dir() else []
    return dirs + [theme.templates for theme in themes if theme.templates.is_dir()]


def _format_date(value: datetime | None, fmt: str = "%-d %B %Y") -> str:
    return value.strftime(fmt) if value is not None else ""


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

    env.filters["date"] = _format_date
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


def render_template(
    env: jinja2.Environment, name: str, context: Mapping[str, Any], site_root: Path
) -> str:
    """Render ``name``; any template mistake becomes a SiteError at template:line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        raise SiteError.at(f'template "{exc.name}" not found in the site or its theme') from None
    except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
        roots = [Path(d) for d in env.loader.searchpath] if env.loader else []  # type: ignore[attr-defined]
        filename, line = _template_location(exc, roots)
        message = exc.message if isinstance(exc, jinja2.TemplateError) else str(exc)
        raise SiteError.at(
            f"template error: {message}", _shown(filename, site_root) or name, line
        ) from None
