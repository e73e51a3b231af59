"""WordPress featured images: `_thumbnail_id` names an attachment, whose file is the image.

A post's featured image becomes its front matter `image:` (the address of the file as
the export gives it; `import wordpress --fetch-images` and the images pipeline take it
from there). An id whose attachment is not in the export is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.importers.report import ImportReport
from generator.importers.wxr import WxrExport, WxrItem


@dataclass(frozen=True)
class FeaturedImage:
    url: str  # "" when the attachment is not in the export
    attachment_id: str


def featured_images(export: WxrExport) -> dict[str, FeaturedImage]:
    """post_id -> its featured image, for every item that names one."""
    files = {
        item.post_id: item.attachment_url
        for item in export.items
        if item.post_type == "attachment" and item.attachment_url
    }
    return {
        item.post_id: FeaturedImage(files.get(item.thumbnail_id, ""), item.thumbnail_id)
        for item in export.items
        if item.thumbnail_id and item.post_type != "attachment"
    }


def image_fields(
    images: dict[str, FeaturedImage], item: WxrItem, title: str, report: ImportReport
) -> list[tuple[str, Any]]:
    """The front matter `image:` of an item, listed in the report (and among the files
    to copy); an attachment missing from the export is reported instead."""
    image = images.get(item.post_id)
    if image is None:
        return []
    if not image.url:
        report.featured_missing.append(
            f'"{title}": attachment {image.attachment_id} is not in the export; no image kept'
        )
        return []
    report.featured_images.append(f'"{title}": {image.url}')
    report.medium(image.url)
    return [("image", image.url)]
