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


Mark = Literal["confirmed", "asked"]


class ReportItem(_Model):
    """One row of the form's table (ลำดับ, ว/ด/ป, เรื่องที่เผยแพร่, ช่องทาง, ผลลัพธ์).

    *channels* are the channels the item is known to have gone out on (the bridge's post for
    the website, a ``record`` for the others, the site for a hand-made post); *asked* are the
    channels its request asked for that nobody has confirmed yet. The two never overlap.
    """

    published_on: date = Field(description="Bangkok calendar day it was published.")
    title: str
    channels: frozenset[Channel]
    asked: frozenset[Channel] = Field(default=frozenset(),
                                      description="Asked for by the request, not confirmed by `record`.")
    outcome: str = Field(default="", description="ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่")
    origin: Literal["bridge", "manual", "site"] = Field(
        description="bridge: a request published by cms-bridge; manual: recorded with `cms-bridge record`; "
                    "site: a post made on the site by hand")
    ref: str = Field(description="The item for Ledger.set_outcome: request:<id>, post:<id> or manual:<id>.")
    url: str | None = None

    def mark(self, column: Literal["online", "board"]) -> Mark | None:
        """How the form's column is ticked: ``confirmed``, ``asked`` (by the request only) or not at all.

        Args:
            column: ``online`` (สื่อออนไลน์: the website or social media) or ``board`` (บอร์ด/แผ่นป้าย).
        """
        wanted: set[Channel] = {"website", "social"} if column == "online" else {"board"}
        if self.channels & wanted:
            return "confirmed"
        return "asked" if self.asked & wanted else None

    @property
    def online(self) -> bool:
        """The form's column สื่อออนไลน์ (the website or social media) is ticked, confirmed or asked."""
        return self.mark("online") is not None

    @property
    def board(self) -> bool:
        """The form's column บอร์ด/แผ่นป้าย is ticked, confirmed or asked."""
        return self.mark("board") is not None


class GroupReport(_Model):
    """One group's report for one round of one fiscal year."""

    fiscal_year: int = Field(description="BE, e.g. 2567")
    round: Literal[1, 2] = Field(description="1 = 1 Oct-31 Mar, 2 = 1 Apr-30 Sep")
    first_day: date
    last_day: date
    group_key: str
    group_name: str
    items: tuple[ReportItem, ...]
    #: month ("2024-01") -> channel -> items published that month on that channel (confirmed or asked)
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
    """Counts per group and channel for the whole office, one round.

    The office's own counts (*items*, *website*, *social*, *board*) are of distinct items: a
    post filed under two groups is in both groups' rows and once in the office's counts.
    """

    fiscal_year: int
    round: Literal[1, 2]
    first_day: date
    last_day: date
    rows: tuple[SummaryRow, ...]
    items: int = Field(description="Distinct items the office published in the round.")
    website: int
    social: int
    board: int
    signer_name: str | None = None
    signer_position: str | None = None

    @property
    def total(self) -> int:
        """The office's count over all channels (an item on two channels counts in both)."""
        return self.website + self.social + self.board
