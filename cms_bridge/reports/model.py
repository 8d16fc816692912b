"""What a six-monthly monitoring report holds (แบบรายงานผลการกำกับติดตามในการเผยแพร่ข้อมูลต่อสาธารณะ).

The harvest (cms_bridge/reports/harvest.py) fills these models from the ledger and the site; the
renderers (cms_bridge/reports/render.py) lay them out as DOCX, XLSX, CSV and JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cms_bridge.channels import Channel


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportItem(_Model):
    """One row of the form's table (ลำดับ, ว/ด/ป, เรื่องที่เผยแพร่, ช่องทาง, ผลลัพธ์)."""

    published_on: date = Field(description="Bangkok calendar day it was published.")
    title: str
    channels: frozenset[Channel]
    outcome: str = Field(default="", description="ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่")
    origin: Literal["bridge", "manual", "site"] = Field(
        description="bridge: a request published by cms-bridge; manual: recorded with `cms-bridge record`; "
                    "site: a post made on the site by hand")
    url: str | None = None
    count: int = Field(default=1, ge=1, description="Posts this row stands for (site rows sum a month).")

    @property
    def online(self) -> bool:
        """The form's column สื่อออนไลน์: the website or social media."""
        return bool(self.channels & {"website", "social"})

    @property
    def board(self) -> bool:
        """The form's column บอร์ด/แผ่นป้าย."""
        return "board" in self.channels


class GroupReport(_Model):
    """One group's report for one round of one fiscal year."""

    fiscal_year: int = Field(description="BE, e.g. 2567")
    round: Literal[1, 2] = Field(description="1 = 1 Oct-31 Mar, 2 = 1 Apr-30 Sep")
    first_day: date
    last_day: date
    group_key: str
    group_name: str
    items: tuple[ReportItem, ...]
    #: month ("2024-01") -> channel -> number of items published that month on that channel
    counts: dict[str, dict[Channel, int]]
    #: Section 3 (ปัญหา อุปสรรค และข้อเสนอแนะ); empty means ruled lines to fill in by hand.
    problems: tuple[str, ...] = ()
    reporter_name: str | None = None
    reporter_position: str | None = None

    def total(self, channel: Channel | None = None) -> int:
        """Items counted over the round (all channels, or one)."""
        return sum(n for month in self.counts.values() for ch, n in month.items() if channel in (None, ch))


class SummaryRow(_Model):
    """One group's line of the office-wide summary."""

    group_key: str
    group_name: str
    website: int
    social: int
    board: int

    @property
    def total(self) -> int:
        """All channels."""
        return self.website + self.social + self.board


class OfficeSummary(_Model):
    """Counts per group and channel for the whole office, one round."""

    fiscal_year: int
    round: Literal[1, 2]
    first_day: date
    last_day: date
    rows: tuple[SummaryRow, ...]
