"""Harvest: what each group published in a round, from the ledger and from the site.

Three sources, never counted twice:

* **bridge** — requests the bridge published: their first publication falls in the round; a
  post withdrawn since still counts in the round it was published. Dates come from the posts
  themselves (one lookup per 100 keys); the ledger's time is the fallback for a deleted post.
* **manual** — publications recorded with ``cms-bridge record`` (social media, notice boards);
  one that names a request adds its channel to that request's row.
* **site** — posts people made on the site without the bridge, attributed to a group by the
  group's category (or author) in ``mappings/groups.toml``. They are *counted* with
  ``X-WP-Total`` — one request per group and month, never by downloading posts — minus the
  bridge's own published posts in the same bucket. They appear as one row per month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from cms_bridge.errors import ReportError
from cms_bridge.ledger.store import Ledger
from cms_bridge.mappings import Group, Mappings
from cms_bridge.channels import CHANNELS, Channel
from cms_bridge.reports.model import (
    GroupReport,
    OfficeSummary,
    ReportItem,
    SummaryRow,
)
from cms_bridge.thaidate import MONTHS_FULL, OFFICE_TZ, ce_to_be, fiscal_year_rounds, start_of_day
from cms_bridge.windows import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from cms_bridge.wordpress.models import (
    CategoryTree,
    Category,
    Post,
    PostQuery,
)
from cms_bridge.wordpress.protocol import Cms


def harvest(cms: Cms, ledger: Ledger, mappings: Mappings, fiscal_year: int, round_number: Literal[1, 2], *,
            groups: Iterable[str] | None = None, problems: Iterable[str] = ()) -> list[GroupReport]:
    """The monitoring report of each group for one round.

    Args:
        cms: the site.
        ledger: requests, publications and manual records.
        mappings: groups with their category or author on the site.
        fiscal_year: BE year, e.g. 2567.
        round_number: 1 (1 Oct-31 Mar) or 2 (1 Apr-30 Sep).
        groups: group keys or Thai names (default: every group).
        problems: section 3 lines, the same for each report (usually one group is asked).

    Raises:
        ReportError: a group is asked for twice (by key or Thai name), *round_number* is not 1 or 2,
            or *fiscal_year* is not a plausible Buddhist Era year (e.g. a Christian Era one).
        UnknownMappingError: no group has a key or name asked for.
    """
    if 1900 <= fiscal_year <= 2200:
        raise ReportError(f"fiscal year {fiscal_year} looks like a Christian Era (CE) year; fiscal years are "
                          f"Buddhist Era (BE) years, did you mean {ce_to_be(fiscal_year)}?")
    if not FISCAL_YEAR_MIN <= fiscal_year <= FISCAL_YEAR_MAX:
        raise ReportError(f"fiscal year {fiscal_year} is not a plausible Buddhist Era year "
                          f"(expected {FISCAL_YEAR_MIN}-{FISCAL_YEAR_MAX})")
    if round_number not in (1, 2):
        raise ReportError(f"round must be 1 (1 Oct-31 Mar) or 2 (1 Apr-30 Sep), not {round_number!r}")
    period = fiscal_year_rounds(fiscal_year)[round_number - 1]
    wanted = _wanted_groups(mappings, groups)
    bridge_items, bridge_posts = _bridge_items(cms, ledger, period.start, period.end)
    manual = _manual_items(ledger, mappings, period.first_day, period.last_day, bridge_items)
    reports = []
    for group in wanted:
        items = list(bridge_items.get(group.key, [])) + list(manual.get(group.key, []))
        items += _site_items(cms, group, period.start, period.end, bridge_posts.get(group.key, []))
        items.sort(key=lambda item: (item.published_on, item.title))
        reports.append(GroupReport(
            fiscal_year=fiscal_year, round=round_number, first_day=period.first_day, last_day=period.last_day,
            group_key=group.key, group_name=group.name, items=tuple(items),
            counts=_counts(items, period.start, period.end),
            problems=tuple(problems)))
    return reports


def _wanted_groups(mappings: Mappings, groups: Iterable[str] | None) -> list[Group]:
    # Checked before the site is asked anything: two reports for one group would be one file.
    if not groups:
        return list(mappings.groups.values())
    wanted: dict[str, tuple[str, Group]] = {}
    for asked in groups:
        group = mappings.group(asked)
        if group.key in wanted:
            first = wanted[group.key][0]
            how = "" if first == asked else f" (as {first!r} and {asked!r})"
            raise ReportError(f"group {group.key!r} is asked for twice{how}; give each group once")
        wanted[group.key] = (asked, group)
    return [group for _, group in wanted.values()]


def summarise(reports: Iterable[GroupReport]) -> OfficeSummary:
    """The office-wide counts per group and channel."""
    reports = list(reports)
    first = reports[0]
    return OfficeSummary(
        fiscal_year=first.fiscal_year, round=first.round, first_day=first.first_day, last_day=first.last_day,
        rows=tuple(SummaryRow(group_key=r.group_key, group_name=r.group_name, website=r.total("website"),
                              social=r.total("social"), board=r.total("board")) for r in reports))


def _bridge_items(cms: Cms, ledger: Ledger, start: datetime, end: datetime
                  ) -> tuple[dict[str, list[ReportItem]], dict[str, list[Post]]]:
    published = [p for p in ledger.publications() if p.first_published_at is not None]
    requests = {p.request_id: ledger.get_request(p.request_id) for p in published}
    posts = cms.find_by_keys([p.post_key for p in published]) if published else {}
    items: dict[str, list[ReportItem]] = defaultdict(list)
    group_posts: dict[str, list[Post]] = defaultdict(list)
    for publication in published:
        request = requests[publication.request_id]
        post = posts.get(publication.post_key)
        when = post.date if post is not None and post.date is not None else publication.first_published_at
        assert when is not None
        if not start <= when < end:
            continue
        items[request.group].append(ReportItem(
            published_on=when.astimezone(OFFICE_TZ).date(), title=request.title, channels=frozenset({"website"}),
            origin="bridge", url=publication.url))
        if post is not None:
            group_posts[request.group].append(post)
    return items, group_posts


def _manual_items(ledger: Ledger, mappings: Mappings, first: date, last: date,
                  bridge: dict[str, list[ReportItem]]) -> dict[str, list[ReportItem]]:
    items: dict[str, list[ReportItem]] = defaultdict(list)
    for record in ledger.manual_publications(first, last):
        if record.request_id:
            request = ledger.get_request(record.request_id)
            rows = bridge.get(request.group, [])
            for index, row in enumerate(rows):
                if row.title == request.title:
                    # The same item on one more channel: one row, not two.
                    rows[index] = row.model_copy(update={"channels": row.channels | {record.channel}})
                    break
            else:
                items[request.group].append(ReportItem(published_on=record.published_on, title=request.title,
                                                       channels=frozenset({record.channel}), origin="manual",
                                                       outcome=record.note or ""))
            continue
        items[mappings.group(record.group_key).key].append(ReportItem(
            published_on=record.published_on, title=record.title, channels=frozenset({record.channel}),
            origin="manual", outcome=record.note or ""))
    return items


def _site_items(cms: Cms, group: Group, start: datetime, end: datetime, bridge_posts: list[Post]) -> list[ReportItem]:
    if not group.category:
        return []
    category = _find_path(cms.list_categories(), group.category)
    if category is None:
        return []  # the group's category is not on the site: nothing to count
    items = []
    for month_start, month_end in _months(start, end):
        total = cms.count_posts(PostQuery(category=category, after=month_start, before=month_end))
        ours = sum(1 for p in bridge_posts if p.status == "publish" and category in p.categories
                   and p.date is not None and month_start <= p.date < month_end)
        if total - ours > 0:
            local = month_start.astimezone(OFFICE_TZ)
            title = f"โพสต์อื่นบนเว็บไซต์ในหมวด {group.category} เดือน{MONTHS_FULL[local.month - 1]} " \
                    f"{ce_to_be(local.year)} ({total - ours} รายการ)"
            items.append(ReportItem(published_on=local.date(), title=title, channels=frozenset({"website"}),
                                    origin="site", count=total - ours))
    return items


def _find_path(categories: list[Category], path: str) -> int | None:
    # Looked up, never created: a report must not change the site.
    return CategoryTree(categories).find(path)


def _months(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    months = []
    day = start.astimezone(OFFICE_TZ).date()
    while start_of_day(day) < end:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append((start_of_day(day), min(start_of_day(following), end)))
        day = following
    return months


def _counts(items: list[ReportItem], start: datetime, end: datetime) -> dict[str, dict[Channel, int]]:
    counts: dict[str, dict[Channel, int]] = {}
    for month_start, _ in _months(start, end):
        counts[month_start.astimezone(OFFICE_TZ).strftime("%Y-%m")] = {ch: 0 for ch in CHANNELS}
    for item in items:
        month = counts.setdefault(item.published_on.strftime("%Y-%m"), {ch: 0 for ch in CHANNELS})
        for channel in item.channels:
            month[channel] += item.count
    return counts

