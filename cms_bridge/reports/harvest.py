"""Harvest: what each group published in a round, from the ledger and from the site.

Three sources, never counted twice:

* **bridge** — requests the bridge published: their first publication falls in the round; a
  post withdrawn since still counts in the round it was published. Dates come from the posts
  themselves (one lookup per 100 keys); the ledger's time is the fallback for a deleted post.
  The row ticks the channels its request asked for (``asked``) and those confirmed: the
  website by the post, the others by ``cms-bridge record``.
* **manual** — publications recorded with ``cms-bridge record`` (social media, notice boards);
  one that names a request adds its channel, as confirmed, and its note to that request's row.
* **site** — posts people made on the site without the bridge, one row each with its title and
  date, attributed to a group by its categories in ``mappings/groups.toml``: ``category`` and
  ``aliases``, their near-duplicates on the site (see :func:`group_category_ids`) and, unless
  ``include_subcategories = false``, their subcategories. A post in two groups' categories is a
  row in both reports and one item in the office summary.

Cost on the site: one request for the category list, one per 100 bridge keys, and one paged
read of the round's published posts, ``ceil(P / 100)`` requests for P posts dated in the round
(any category; ``_fields`` limits each post to id, title, date, categories and a few more) —
the same whatever the number of groups, and nothing is ever written.

Outcomes (ผลลัพธ์หรือประโยชน์): the desk's text (:meth:`Ledger.set_outcome`) where there is
one, else the notes given to ``record`` for the item, joined with ``"; "``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from cms_bridge.errors import ReportError
from cms_bridge.ledger.store import Ledger
from cms_bridge.mappings import Group, Mappings, normalise_name
from cms_bridge.channels import CHANNELS, Channel
from cms_bridge.reports.model import (
    GroupReport,
    OfficeSummary,
    ReportItem,
    SummaryRow,
)
from cms_bridge.thaidate import OFFICE_TZ, ce_to_be, fiscal_year_rounds, start_of_day
from cms_bridge.windows import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from cms_bridge.wordpress.models import (
    Category,
    PostQuery,
    plain_text,
    split_category_path,
)
from cms_bridge.wordpress.protocol import Cms


def harvest(cms: Cms, ledger: Ledger, mappings: Mappings, fiscal_year: int, round_number: Literal[1, 2], *,
            groups: Iterable[str] | None = None, problems: Iterable[str] = (),
            reporter_name: str | None = None, reporter_position: str | None = None) -> list[GroupReport]:
    """The monitoring report of each group for one round.

    Args:
        cms: the site.
        ledger: requests, publications, manual records and the desk's outcomes.
        mappings: groups with their categories on the site.
        fiscal_year: BE year, e.g. 2567.
        round_number: 1 (1 Oct-31 Mar) or 2 (1 Apr-30 Sep).
        groups: group keys or Thai names (default: every group).
        problems: section 3 lines, the same for each report (usually one group is asked).
        reporter_name: who signs the reports (ลงชื่อ … ผู้รายงาน); dotted lines when None.
        reporter_position: the signer's position (ตำแหน่ง).

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
    outcomes = ledger.outcomes()
    bridge_items, bridge_ids = _bridge_items(cms, ledger, period.start, period.end)
    items_by_group = _merge_manual(ledger, mappings, period.first_day, period.last_day, bridge_items)
    site = _site_items(cms, wanted, period.start, period.end, bridge_ids)
    reports = []
    for group in wanted:
        items = [_with_outcome(row, outcomes) for row in items_by_group.get(group.key, {}).values()]
        items += [_with_outcome(row, outcomes) for row in site.get(group.key, [])]
        items.sort(key=lambda item: (item.published_on, item.title, item.ref))
        reports.append(GroupReport(
            fiscal_year=fiscal_year, round=round_number, first_day=period.first_day, last_day=period.last_day,
            group_key=group.key, group_name=group.name, items=tuple(items),
            counts=_counts(items, period.start, period.end),
            problems=tuple(problems), reporter_name=reporter_name, reporter_position=reporter_position))
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


def summarise(reports: Iterable[GroupReport], *, signer_name: str | None = None,
              signer_position: str | None = None) -> OfficeSummary:
    """The office-wide counts per group and channel, and of distinct items for the office.

    Args:
        reports: the groups' reports of one round (at least one).
        signer_name: who signs the summary; dotted lines when None.
        signer_position: the signer's position.

    Raises:
        ReportError: no reports, or reports of different rounds.
    """
    reports = list(reports)
    if not reports:
        raise ReportError("an office summary needs at least one group's report")
    first = reports[0]
    if any((r.fiscal_year, r.round) != (first.fiscal_year, first.round) for r in reports):
        raise ReportError("an office summary is of one round; the reports are of several")
    # An item (a request, a hand-made post, a record) under two groups is one item of the office.
    distinct: dict[str, set[Channel]] = defaultdict(set)
    for report in reports:
        for item in report.items:
            distinct[item.ref] |= item.channels | item.asked
    per_channel = {ch: sum(1 for channels in distinct.values() if ch in channels) for ch in CHANNELS}
    return OfficeSummary(
        fiscal_year=first.fiscal_year, round=first.round, first_day=first.first_day, last_day=first.last_day,
        rows=tuple(SummaryRow(group_key=r.group_key, group_name=r.group_name, website=r.total("website"),
                              social=r.total("social"), board=r.total("board")) for r in reports),
        items=len(distinct), website=per_channel["website"], social=per_channel["social"],
        board=per_channel["board"], signer_name=signer_name, signer_position=signer_position)


def group_category_ids(categories: list[Category], group: Group) -> set[int]:
    """The site's categories whose posts count as *group*'s.

    Every category whose path matches *category* or an alias level by level after
    :func:`~cms_bridge.mappings.normalise_name` and entity decoding (so near-duplicates such as
    ``กลุ่มอำนวยการ`` and ``กลุ่ม อำนวยการ``, or ``&amp;`` and ``&``, all count), and, with
    ``include_subcategories``, every category below one of them. Nothing is created.

    Args:
        categories: the site's categories.
        group: the group.
    """
    wanted = {_path_key(split_category_path(path)) for path in group.report_categories}
    if not wanted:
        return set()
    by_id = {c.id: c for c in categories}
    paths: dict[int, tuple[str, ...]] = {}

    def path_of(term_id: int) -> tuple[str, ...]:
        if term_id not in paths:
            term = by_id[term_id]
            parent = path_of(term.parent) if term.parent in by_id and term.parent != term_id else ()
            paths[term_id] = (*parent, _level_key(term.name))
        return paths[term_id]

    found = {c.id for c in categories if path_of(c.id) in wanted}
    if group.include_subcategories:
        children: dict[int, list[int]] = defaultdict(list)
        for c in categories:
            children[c.parent].append(c.id)
        stack = list(found)
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in found:
                    found.add(child)
                    stack.append(child)
    return found


def _level_key(name: str) -> str:
    return normalise_name(plain_text(name)).casefold()


def _path_key(levels: list[str]) -> tuple[str, ...]:
    return tuple(_level_key(level) for level in levels)


def _with_outcome(item: ReportItem, outcomes: dict[str, str]) -> ReportItem:
    desk = outcomes.get(item.ref)
    return item.model_copy(update={"outcome": desk}) if desk else item


def _bridge_items(cms: Cms, ledger: Ledger, start: datetime, end: datetime
                  ) -> tuple[dict[str, dict[str, ReportItem]], set[int]]:
    """Rows of the requests first published in the round, by group and ref; the ids of every bridge post."""
    published = [p for p in ledger.publications() if p.first_published_at is not None]
    posts = cms.find_by_keys([p.post_key for p in published]) if published else {}
    items: dict[str, dict[str, ReportItem]] = defaultdict(dict)
    for publication in published:
        request = ledger.get_request(publication.request_id)
        post = posts.get(publication.post_key)
        when = post.date if post is not None and post.date is not None else publication.first_published_at
        assert when is not None
        if not start <= when < end:
            continue
        ref = f"request:{publication.request_id}"
        items[request.group][ref] = ReportItem(
            published_on=when.astimezone(OFFICE_TZ).date(), title=request.title, channels=frozenset({"website"}),
            asked=frozenset(request.channels - {"website"}), origin="bridge", ref=ref, url=publication.url)
    bridge_ids = {post.id for post in posts.values()}
    bridge_ids |= {p.post_id for p in ledger.publications() if p.post_id is not None}
    return items, bridge_ids


def _merge_manual(ledger: Ledger, mappings: Mappings, first: date, last: date,
                  items: dict[str, dict[str, ReportItem]]) -> dict[str, dict[str, ReportItem]]:
    """Add the round's manual records: to their request's row (one row, one more channel), or as rows."""
    for record in ledger.manual_publications(first, last):
        note = record.note or ""
        if record.request_id:
            request = ledger.get_request(record.request_id)
            ref = f"request:{record.request_id}"
            rows = items[request.group]
            row = rows.get(ref)
            if row is None:  # not on the website in this round: the record makes the row
                row = ReportItem(published_on=record.published_on, title=request.title, channels=frozenset(),
                                 asked=frozenset(request.channels - {"website"}), origin="manual", ref=ref)
            rows[ref] = row.model_copy(update={
                "channels": row.channels | {record.channel}, "asked": row.asked - {record.channel},
                "outcome": "; ".join(part for part in (row.outcome, note) if part)})
            continue
        ref = f"manual:{record.id}"
        items[mappings.group(record.group_key).key][ref] = ReportItem(
            published_on=record.published_on, title=record.title, channels=frozenset({record.channel}),
            origin="manual", outcome=note, ref=ref)
    return items


def _site_items(cms: Cms, groups: list[Group], start: datetime, end: datetime,
                bridge_ids: set[int]) -> dict[str, list[ReportItem]]:
    """One row per hand-made post of the round, for each group whose categories it is in."""
    if not any(group.report_categories for group in groups):
        return {}
    categories = cms.list_categories()
    by_group = {group.key: ids for group in groups if (ids := group_category_ids(categories, group))}
    if not by_group:
        return {}  # none of the groups' categories is on the site: nothing to read
    items: dict[str, list[ReportItem]] = defaultdict(list)
    for post in cms.iter_posts(PostQuery(after=start, before=end)):
        if post.id in bridge_ids or post.date is None:
            continue
        filed = set(post.categories)
        for key, ids in by_group.items():
            if filed & ids:
                items[key].append(ReportItem(
                    published_on=post.date.astimezone(OFFICE_TZ).date(), title=plain_text(post.title),
                    channels=frozenset({"website"}), origin="site", ref=f"post:{post.id}", url=post.link or None))
    return items


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
        for channel in item.channels | item.asked:
            month[channel] += 1
    return counts
