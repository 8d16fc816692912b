"""Which attachment types does the site accept? Found out by uploading a tiny file of each.

WordPress decides from its allow-list, the user's role and what PHP's fileinfo makes of the
content (the reason .rar uploads fail on many sites), and no API reports the outcome, so the only
true answer is to try. Each probe file is deleted for good straight after its upload.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import BaseModel

from cms_bridge.errors import SiteError
from cms_bridge.samples import sample_file
from cms_bridge.wordpress.rest import RestAdapter

#: The types the office attaches (seed §4.1(6)), in the order they are reported.
DEFAULT_TYPES = ("pdf", "docx", "xlsx", "pptx", "zip", "rar", "jpg", "png")

class UploadProbe(BaseModel):
    """The outcome for one file type."""

    extension: str
    accepted: bool
    reason: str = ""


def probe_uploads(cms: RestAdapter, extensions: tuple[str, ...] = DEFAULT_TYPES) -> list[UploadProbe]:
    """Upload and delete one tiny file per type; report which the site accepted.

    Args:
        cms: a REST adapter (uploads over XML-RPC follow the same rules on the site).
        extensions: the types to try.

    Returns:
        One result per type, in order.
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="cms-bridge-probe-") as tmp:
        for ext in extensions:
            path = Path(tmp) / f"cms-bridge-probe.{ext}"
            path.write_bytes(sample_file(ext))
            try:
                media = cms.upload_media(path)
            except SiteError as error:
                results.append(UploadProbe(extension=ext, accepted=False, reason=error.message))
                continue
            cms.delete_media(media.id)
            results.append(UploadProbe(extension=ext, accepted=True))
    return results
