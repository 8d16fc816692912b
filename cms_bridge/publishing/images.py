"""Pictures made smaller before upload (``[sync] max_image_pixels``), the original kept in the store.

WordPress makes its own sub-sizes of every uploaded JPEG and PNG (thumbnail, medium,
medium_large, large, 1536×1536, 2048×2048, and a "-scaled" copy above 2560 px): seven resized
copies of a 2400×1600 photo cost the server ~35× a PDF's upload. A picture already at most
*max_image_pixels* has fewer sub-sizes to make and less to send. What is uploaded is this copy,
and the publish gate scans it as it scans the original (see ``PublishGate.upload_copy``).
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageOps

#: The types resized; other pictures (and every document) go as they are.
RESIZABLE = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}


def resized_copy(source: Path, extension: str, max_pixels: int, folder: Path) -> Path | None:
    """A copy of the picture at *source* with at most *max_pixels* pixels, or None when it is
    small enough already (or not a resizable type).

    The aspect ratio is kept; the EXIF orientation is applied and the rest of the metadata
    (camera, GPS position, IPTC captions) is not carried over.

    Args:
        source: the stored original (never changed).
        extension: its type, lower case, as intake found it.
        max_pixels: the most pixels (width × height) the copy may have.
        folder: where to write the copy.

    Raises:
        OSError: the picture cannot be read or the copy not written.
    """
    kind = RESIZABLE.get(extension)
    if kind is None:
        return None
    with Image.open(source) as image:
        width, height = image.size
        if width * height <= max_pixels:
            return None
        scale = math.sqrt(max_pixels / (width * height))
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        picture = ImageOps.exif_transpose(image)
        if picture.size != image.size:
            size = (size[1], size[0])  # turned by its orientation: the other way round
        smaller = picture.resize(size, Image.Resampling.LANCZOS)
        if kind == "JPEG" and smaller.mode not in ("RGB", "L"):
            smaller = smaller.convert("RGB")
        target = folder / f"{source.name}.{width}x{height}-{size[0]}x{size[1]}.{extension}"
        smaller.save(target, kind, **({"quality": 88, "optimize": True} if kind == "JPEG" else {"optimize": True}))
    return target
