"""site.yaml `images:`: how the build makes responsive, private renditions of photographs."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.validate import Fields

FORMATS = ("avif", "webp")  # modern formats offered before the fallback in <picture>
QUALITY_FORMATS = ("avif", "webp", "jpeg", "png")  # png: ignored (lossless), accepted for symmetry
DEFAULT_WIDTHS = (480, 800, 1200, 1600)
DEFAULT_QUALITY = {"avif": 60, "webp": 78, "jpeg": 80}
PREVIEW_WIDTH = 1200  # what Open Graph and Google's article rich results ask for
MAX_WIDTH = 8192


@dataclass(frozen=True)
class ImagesConfig:
    process: bool = True  # False: images are copied as they are (metadata and all)
    widths: tuple[int, ...] = DEFAULT_WIDTHS
    formats: tuple[str, ...] = FORMATS
    quality: tuple[tuple[str, int], ...] = tuple(sorted(DEFAULT_QUALITY.items()))
    first_image_preview: bool = True  # an essay without `image:` previews with its first image
    preview_width: int = PREVIEW_WIDTH
    logo: str = ""  # the publisher's logo in structured data: a site URL or an https URL
    missing_alt: str = "warn"  # or "error" (always an error under --strict)

    def quality_of(self, fmt: str) -> int:
        return dict(self.quality).get(fmt, 80)


def parse_images(fields: Fields) -> ImagesConfig:
    """The `images:` section; problems are collected in ``fields`` like the rest of site.yaml."""
    fields.check_unknown(
        ("process", "widths", "formats", "quality", "first_image_preview", "preview_width",
         "logo", "missing_alt")
    )  # fmt: skip
    defaults = ImagesConfig()
    widths = defaults.widths
    raw_widths = fields.raw("widths")
    if raw_widths is not None:
        if (
            not isinstance(raw_widths, list)
            or not raw_widths
            or not all(
                isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= MAX_WIDTH
                for w in raw_widths
            )
        ):
            fields.expected(
                "widths", f"a list of widths in pixels between 16 and {MAX_WIDTH}", raw_widths
            )
        else:
            widths = tuple(sorted(set(raw_widths)))

    formats = defaults.formats
    raw_formats = fields.raw("formats")
    if raw_formats is not None:
        listed = fields.string_list("formats")
        unknown = [name for name in listed if name not in FORMATS]
        if unknown or (not listed and raw_formats != []):
            fields.expected("formats", "a list drawn from avif, webp (or [] for none)", raw_formats)
        else:
            formats = tuple(name for name in FORMATS if name in listed)  # AVIF first: smallest

    quality = dict(DEFAULT_QUALITY)
    raw_quality = fields.raw("quality")
    if isinstance(raw_quality, int) and not isinstance(raw_quality, bool):
        if 1 <= raw_quality <= 100:
            quality = dict.fromkeys(DEFAULT_QUALITY, raw_quality)
        else:
            fields.expected("quality", "a number from 1 to 100", raw_quality)
    elif isinstance(raw_quality, dict):
        section = fields.section("quality")
        section.check_unknown(QUALITY_FORMATS)
        for name in QUALITY_FORMATS:
            if section.has(name):
                value = section.integer(name, quality.get(name, 80), minimum=1)
                if value > 100:
                    section.expected(name, "a number from 1 to 100", value)
                else:
                    quality[name] = value
    elif raw_quality is not None:
        fields.expected("quality", "a number from 1 to 100, or one per format", raw_quality)

    logo = fields.string("logo")
    if logo and not logo.startswith(("/", "https://")):
        fields.expected("logo", "a URL of this site such as /logo.png, or an https URL", logo)
        logo = ""
    return ImagesConfig(
        process=fields.boolean("process", True),
        widths=widths,
        formats=formats,
        quality=tuple(sorted(quality.items())),
        first_image_preview=fields.boolean("first_image_preview", True),
        preview_width=fields.integer("preview_width", PREVIEW_WIDTH, minimum=200),
        logo=logo,
        missing_alt=fields.choice("missing_alt", ("warn", "error"), "warn"),
    )
