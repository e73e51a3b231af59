"""WordPress featured images: `_thumbnail_id` names an attachment, whose file is the image.

A post's featured image becomes its front matter `image:` (the address of the file as
the export gives it; `import wordpress --fetch-images` and the images pipeline take it
from there). An id whose attachment is not in the export is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def featured_image(images: dict[str, FeaturedImage], item: WxrItem) -> FeaturedImage | None:
    return images.get(item.post_id)
