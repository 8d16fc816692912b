"""Publication channels (ช่องทางเผยแพร่): the one definition of their code names and labels.

The request form offers three boxes: เว็บไซต์, สื่อสังคมออนไลน์ and บอร์ด/ป้ายประชาสัมพันธ์
(seed request form). Everything that names a channel — the request model, the ledger's
``manual_publications`` table, the CLI's ``record --channel``, the reports — takes it from here.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["CHANNELS", "CHANNEL_LABELS", "CHANNEL_NAMES_EN", "Channel"]

Channel = Literal["website", "social", "board"]
#: In the form's order.
CHANNELS: tuple[Channel, ...] = ("website", "social", "board")
#: The request form's own words for each channel.
CHANNEL_LABELS: dict[Channel, str] = {
    "website": "เว็บไซต์",
    "social": "สื่อสังคมออนไลน์",
    "board": "บอร์ด/ป้ายประชาสัมพันธ์",
}
#: For English output (charts drawn with ``thai=False``).
CHANNEL_NAMES_EN: dict[Channel, str] = {"website": "Website", "social": "Social media", "board": "Notice board"}
