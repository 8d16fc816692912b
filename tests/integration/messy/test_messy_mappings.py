"""`mappings check` and `mappings apply` on the messy site, checked with SQL: the shipped mappings
(groups, kinds, the ITA 2568 and 2569 lists) are built as they say, and the advice and counts
printed are true of the site."""

from __future__ import annotations

import html
import json
import re

import pytest

from cms_bridge.mappings import load_mappings
from cms_bridge.wordpress.models import wordpress_slug

from ..messy_site import Snapshot, cli, no_traceback, nfc, snapshot
from .conftest import MessySite


def reads(name: str) -> str:
    # How a name reads: WordPress stores "&" as "&amp;" (its encoding); spacing as WordPress trims it.
    return " ".join(nfc(html.unescape(name)).split())


def find_path(snap: Snapshot, path: str) -> list[int]:
    """Ids of the categories at exactly *path* (levels compared as they read)."""
    wanted = [reads(level) for level in path.split(" / ")]
    return [t.id for t in snap.terms.values() if [reads(level) for level in snap.path(t.id).split(" / ")] == wanted]


@pytest.mark.parametrize("years", [
    (2568,),
    (2569,),
    # Many 2569 items keep their 2568 names: a second category of a long Thai name gets its
    # parent's slug appended, past WordPress's 200 bytes (also on a clean site).
    (2568, 2569),
], ids=lambda years: "+".join(map(str, years)))
def test_mappings_apply_builds_the_ita_trees_once(messy: MessySite, years: tuple[int, ...]) -> None:
    before = snapshot()
    mappings = load_mappings()
    wanted = [item.category for year in years for item in mappings.ita_year(year).items.values()]
    assert len(wanted) == 23 * len(years)
    ita = [arg for year in years for arg in ("--ita", str(year))]
    checked = cli(messy.cli_config, "mappings", "check", "--json", *ita)
    no_traceback(checked)
    foreseen = {note.split('"')[1] for note in json.loads(checked.stdout)["slug_notes"]}
    done = cli(messy.cli_config, "mappings", "apply", *ita)
    no_traceback(done)
    assert done.returncode == 0, done.stdout + done.stderr
    after = snapshot()
    for path in wanted:
        assert len(find_path(after, path)) == 1, path
    # check foresaw every category apply had to give a shortened slug (WordPress's own too long).
    shortened = {after.path(t.id) for t in after.terms.values() if t.id not in before.terms
                 and not (t.slug == wordpress_slug(t.name) or t.slug.startswith(
                     f"{wordpress_slug(t.name)}-{after.terms[t.parent].slug if t.parent else '-'}"))}
    assert {reads(p) for p in shortened} == {reads(p) for p in foreseen}
    assert bool(foreseen) == (years == (2568, 2569)), foreseen
    # The longest names are kept whole (ITA 2569 O20 has 172 letters, within WordPress's 200).
    longest = max((item for year in years for item in mappings.ita_year(year).items.values()),
                  key=lambda item: len(item.name))
    [longest_id] = find_path(after, longest.category)
    assert reads(after.terms[longest_id].name) == f"{longest.number} {longest.name}"
    # Nothing that was there changed, and a second apply creates nothing.
    assert {i: t for i, t in after.terms.items() if i in before.terms} == before.terms
    assert {p.id: p.category_ids for p in after.posts.values()} == {p.id: p.category_ids for p in before.posts.values()}
    again = cli(messy.cli_config, "mappings", "apply", *ita)
    no_traceback(again)
    assert again.returncode == 0 and snapshot().terms == after.terms


def test_mappings_check_never_advises_deleting_a_category_that_holds_posts(messy: MessySite) -> None:
    done = cli(messy.cli_config, "mappings", "check", "--json")
    no_traceback(done)
    report = json.loads(done.stdout)
    snap = snapshot()
    advised = [f["category"]["id"] for f in report["empty"] if "delete" in f["fix"]]
    assert advised  # the check does advise deleting some truly empty categories
    holding = {tid: snap.in_any({tid}) for tid in advised}
    assert not {tid: posts for tid, posts in holding.items() if posts}, holding


def test_mappings_apply_says_how_many_categories_it_created(messy: MessySite) -> None:
    before = snapshot()
    done = cli(messy.cli_config, "mappings", "apply")
    no_traceback(done)
    created = len(set(snapshot().terms) - set(before.terms))
    assert created > 0
    assert re.search(rf"\b{created}\b[^\n]*(creat|สร้าง)", done.stdout + done.stderr), done.stdout
