"""The category migration engine: plan, apply (journaled, resumable), roll back.

Planning reads the site once (the category tree, and the posts each move touches, 100 a page)
and simulates every step on a virtual copy, so a plan that names a missing category, deletes a
category that still holds posts or builds a cycle fails before anything changes, and what
``migrate plan`` prints is exactly what ``apply`` will do. Applying journals the whole list of
changes in the ledger first, then makes them in order: terms one by one, post categories in
batches of the site's limit, each batch marked done when the site has it. A run cut off by a
kill -9 resumes from its journal; a finished or partial run is rolled back from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cms_bridge.errors import NotFoundError
from cms_bridge.ledger.store import Ledger
from cms_bridge.mappings import Mappings
from cms_bridge.categories.journal import (
    Change,
    ChangeKind,
    changes_of,
    finish,
    get_run,
    mark,
    running_run,
    start_run,
)
from cms_bridge.errors import PlanError
from cms_bridge.categories.plan import (
    CreateTree,
    DeleteEmpty,
    Merge,
    MovePosts,
    Plan,
    PostFilter,
    Rename,
    Reparent,
)
from cms_bridge.thaidate import fiscal_year_bounds, start_of_day
from cms_bridge.wordpress.models import (
    CategoryTree,
    CategoryChange,
    PostQuery,
    split_category_path,
)
from cms_bridge.wordpress.protocol import Cms

Progress = Callable[[int, int], None]
_LIVE: tuple[Literal["publish", "future", "draft", "pending", "private"], ...] = (
    "publish", "future", "draft", "pending", "private")


@dataclass
class _Term:
    id: int
    name: str
    parent: int


@dataclass
class _Simulation:
    """The site as it will be after the steps planned so far."""

    terms: dict[int, _Term]
    posts: dict[int, list[int]] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)

    def find(self, path: str) -> int | None:
        # "#123" names a category by id: the way to tell apart two whose names differ only in
        # what name comparison ignores (an &amp; entity, a doubled space).
        if (by_id := re.fullmatch(r"#(\d+)", path.strip())) is not None:
            return int(by_id.group(1)) if int(by_id.group(1)) in self.terms else None
        return CategoryTree(self.terms).find(path)

    def need(self, path: str, step: int) -> int:
        found = self.find(path)
        if found is None:
            raise PlanError(f"step {step}: the category {path!r} does not exist on the site (nor is it created earlier)")
        return found

    def path_of(self, term_id: int) -> str:
        return CategoryTree(self.terms).path_of(term_id)

    def add(self, kind: ChangeKind, target: int | None, before: dict[str, Any], after: dict[str, Any]) -> Change:
        change = Change(seq=len(self.changes) + 1, kind=kind, target=target, before=before, after=after)
        self.changes.append(change)
        return change


class MigrationEngine:
    """Plans, applies and rolls back category migrations on one site.

    Args:
        cms: the site.
        ledger: where runs are journaled.
        mappings: for ``create_tree``'s ``ita_year``.
        actor: who the journal's events name.
    """

    def __init__(self, cms: Cms, ledger: Ledger, mappings: Mappings | None = None, *, actor: str = "cms-bridge migrate") -> None:
        self.cms = cms
        self.ledger = ledger
        self.mappings = mappings
        self.actor = actor

    # -- planning ---------------------------------------------------------------------------

    def plan(self, plan: Plan) -> list[Change]:
        """The exact changes *plan* makes on the site as it is now; nothing is changed.

        Raises:
            PlanError: naming the step, when it refers to something missing or cannot be done.
        """
        sim = _Simulation({c.id: _Term(c.id, c.name, c.parent) for c in self.cms.list_categories()})
        for number, step in enumerate(plan.steps, 1):
            if isinstance(step, CreateTree):
                for path in self._tree_paths(step, number):
                    self._plan_create(sim, path)
            elif isinstance(step, MovePosts):
                self._plan_move(sim, step, number)
            elif isinstance(step, Rename):
                term = sim.terms[sim.need(step.category, number)]
                sim.add("update_term", term.id, {"name": term.name, "parent": term.parent},
                        {"name": step.to, "parent": term.parent})
                term.name = step.to
            elif isinstance(step, Merge):
                self._plan_merge(sim, step, number)
            elif isinstance(step, Reparent):
                self._plan_reparent(sim, step, number)
            elif isinstance(step, DeleteEmpty):
                for path in step.categories:
                    self._plan_delete(sim, sim.need(path, number), number)
        return sim.changes

    def _tree_paths(self, step: CreateTree, number: int) -> list[str]:
        paths = list(step.paths)
        if step.ita_year is not None:
            if self.mappings is None or not hasattr(self.mappings, "ita_year"):
                raise PlanError(f"step {number}: ita_year needs the ITA mappings (mappings/ita/)")
            items = self.mappings.ita_year(step.ita_year).items.values()
            paths += [item.category for item in items]
        return paths

    def _plan_create(self, sim: _Simulation, path: str) -> int:
        parent = 0
        tree = CategoryTree(sim.terms)
        for level in split_category_path(path):
            existing = tree.child(parent, level)
            found = existing.id if existing is not None else None
            if found is None:
                seq = len(sim.changes) + 1
                sim.add("create_term", None, {}, {"name": level, "parent": parent})
                sim.terms[-seq] = _Term(-seq, level, parent)
                found = -seq
            parent = found
        return parent

    def _plan_move(self, sim: _Simulation, step: MovePosts, number: int) -> None:
        to = sim.need(step.to, number) if step.to else None
        drop = sim.need(step.category or step.filter.category or "", number) if step.mode == "remove" else None
        for post_id in self._matching(sim, step.filter, number):
            before = sim.posts[post_id]
            after: list[int]
            if step.mode == "add":
                assert to is not None  # the plan requires a target for add and replace
                after = before + [to] if to not in before else before
            elif step.mode == "replace":
                assert to is not None
                after = [to]
            else:
                after = [c for c in before if c != drop]
            if after and after != before:
                sim.add("post_categories", post_id, {"categories": before, "title": sim.titles[post_id]},
                        {"categories": after})
                sim.posts[post_id] = after

    def _matching(self, sim: _Simulation, rule: PostFilter, number: int) -> Iterator[int]:
        category = sim.need(rule.category, number) if rule.category else None
        after = before = None
        if rule.fiscal_year is not None:
            after, before = fiscal_year_bounds(rule.fiscal_year)
        if rule.after:
            after = start_of_day(rule.after)
        if rule.before:
            before = start_of_day(rule.before)
        pattern = re.compile(rule.title_pattern) if rule.title_pattern else None
        found: list[int] = []
        if category is None or category > 0:
            query = PostQuery(statuses=rule.statuses, category=category, after=after, before=before, author=rule.author)
            for post in self.cms.iter_posts(query):
                sim.posts.setdefault(post.id, list(post.categories))
                sim.titles.setdefault(post.id, post.title)
                found.append(post.id)
        # Posts earlier steps moved into (or out of) the category: the simulation knows, the site not yet.
        candidates = dict.fromkeys(found + ([p for p, cats in sim.posts.items() if category in cats] if category else []))
        for post_id in candidates:
            if category is not None and category not in sim.posts[post_id]:
                continue
            if pattern is not None and not pattern.search(sim.titles[post_id]):
                continue
            yield post_id

    def _plan_merge(self, sim: _Simulation, step: Merge, number: int) -> None:
        source, target = sim.need(step.from_, number), sim.need(step.into, number)
        if source == target:
            raise PlanError(f"step {number}: cannot merge {step.from_!r} into itself")
        if any(t.parent == source for t in sim.terms.values()):
            raise PlanError(f"step {number}: {step.from_!r} has subcategories; reparent them first")
        move = MovePosts(action="move_posts", mode="add", to=step.into,
                         filter=PostFilter(category=step.from_, statuses=_LIVE))
        self._plan_move(sim, move, number)
        for post_id, cats in list(sim.posts.items()):
            if source in cats:
                after = [c for c in cats if c != source]
                sim.add("post_categories", post_id, {"categories": cats, "title": sim.titles[post_id]}, {"categories": after})
                sim.posts[post_id] = after
        self._plan_delete(sim, source, number)

    def _plan_reparent(self, sim: _Simulation, step: Reparent, number: int) -> None:
        term = sim.terms[sim.need(step.category, number)]
        parent = sim.need(step.parent, number) if step.parent else 0
        ancestor = parent
        while ancestor:
            if ancestor == term.id:
                raise PlanError(f"step {number}: {step.parent!r} is inside {step.category!r}; that would be a cycle")
            ancestor = sim.terms[ancestor].parent
        sim.add("update_term", term.id, {"name": term.name, "parent": term.parent}, {"name": term.name, "parent": parent})
        term.parent = parent

    def _plan_delete(self, sim: _Simulation, term_id: int, number: int) -> None:
        path = sim.path_of(term_id)
        if any(t.parent == term_id for t in sim.terms.values()):
            raise PlanError(f"step {number}: {path!r} has subcategories and cannot be deleted")
        held = {p for p, cats in sim.posts.items() if term_id in cats}
        if term_id > 0:
            on_site = {p.id for p in self.cms.iter_posts(PostQuery(statuses=_LIVE, category=term_id))}
            held |= {p for p in on_site if term_id in sim.posts.get(p, [term_id])}
        if held:
            raise PlanError(f"step {number}: {path!r} still holds {len(held)} post(s); move them first")
        term = sim.terms.pop(term_id)
        sim.add("delete_term", term_id, {"name": term.name, "parent": term.parent, "path": path}, {})

    # -- applying ---------------------------------------------------------------------------

    def apply(self, plan: Plan, plan_hash: str, *, plan_path: str | None = None,
              progress: Progress | None = None) -> str:
        """Apply *plan*, or resume its run if a previous apply was cut off; return the run id."""
        run_id = running_run(self.ledger, plan_hash)
        if run_id is None:
            run_id = start_run(self.ledger, plan_name=plan.name, plan_path=plan_path, plan_hash=plan_hash,
                               changes=self.plan(plan), actor=self.actor)
        changes = changes_of(self.ledger, run_id)
        ids: dict[int, int | None] = {
            -c.seq: c.target for c in changes if c.kind == "create_term" and c.target is not None}
        todo = [c for c in changes if c.state == "planned"]
        self._walk(run_id, todo, len(changes), "done", progress,
                   posts=lambda group: {c.target: _ids(c.after["categories"], ids) for c in group},
                   term=lambda change: self._apply_term(change, ids))
        finish(self.ledger, run_id, "done", actor=self.actor)
        return run_id

    def _apply_term(self, change: Change, ids: dict[int, int | None]) -> None:
        if change.kind == "create_term":
            parent = _ids([change.after["parent"]], ids)[0]
            term = self.cms.create_category(change.after["name"], parent)
            change.target = term.id
            ids[-change.seq] = term.id
        elif change.kind == "update_term":
            assert change.target is not None  # planned with the id of an existing category
            self.cms.update_category(change.target, name=change.after["name"],
                                     parent=_ids([change.after["parent"]], ids)[0])
        elif change.kind == "delete_term":
            assert change.target is not None  # planned with the id of an existing category
            try:
                self.cms.delete_category(change.target)
            except NotFoundError:
                pass  # deleted before the cut-off that interrupted the run

    # -- rolling back -----------------------------------------------------------------------

    def rollback(self, run_id: str, *, progress: Progress | None = None) -> int:
        """Undo every done change of a run, newest first; return how many were undone.

        Deleted categories are recreated (with new ids, which the restored posts receive).
        """
        get_run(self.ledger, run_id)
        changes = [c for c in reversed(changes_of(self.ledger, run_id)) if c.state == "done"]
        created = {-c.seq: c.target for c in changes if c.kind == "create_term"}
        recreated: dict[int, int] = {}
        self._walk(run_id, changes, len(changes), "undone", progress,
                   posts=lambda group: {c.target: [recreated.get(i, i) for i in _ids(c.before["categories"], created)]
                                        for c in group},
                   term=lambda change: self._undo_term(change, created, recreated))
        finish(self.ledger, run_id, "rolled_back", actor=self.actor)
        return len(changes)

    def _walk(self, run_id: str, changes: list[Change], total: int, state: Literal["done", "undone"],
              progress: Progress | None, *, posts: Callable[[list[Change]], dict[int | None, list[int]]],
              term: Callable[[Change], None]) -> None:
        """Make *changes* in order (post categories in batches, terms one by one), marking each
        batch in the journal as soon as the site has it."""
        count = total - len(changes)
        for group in _groups(changes, self.cms.site_info().batch_limit):
            if group[0].kind == "post_categories":
                wanted = {post: cats for post, cats in posts(group).items() if post is not None}
                # Starting from "no categories" makes each write absolute, so replaying it is harmless.
                self.cms.change_categories([CategoryChange(post_id=p, add=tuple(c)) for p, c in wanted.items()],
                                           current={p: [] for p in wanted})
            else:
                term(group[0])
            mark(self.ledger, run_id, group, state)
            count += len(group)
            if progress:
                progress(count, total)

    def _undo_term(self, change: Change, created: dict[int, int | None], recreated: dict[int, int]) -> None:
        if change.kind == "create_term" and change.target is not None:
            try:
                self.cms.delete_category(change.target)
            except NotFoundError:
                pass
        elif change.kind == "update_term":
            assert change.target is not None  # planned with the id of an existing category
            parent = change.before["parent"]
            self.cms.update_category(change.target, name=change.before["name"],
                                     parent=recreated.get(parent, parent))
        elif change.kind == "delete_term":
            assert change.target is not None  # planned with the id of an existing category
            parent = change.before["parent"]
            term = self.cms.create_category(change.before["name"], recreated.get(parent, parent))
            recreated[change.target] = term.id


def _ids(values: Sequence[int], ids: dict[int, int | None]) -> list[int]:
    resolved = []
    for value in values:
        if value < 0:
            actual = ids.get(value)
            if actual is None:
                raise PlanError(f"category placeholder {value} was never created; the journal is inconsistent")
            value = actual
        resolved.append(value)
    return resolved


def _groups(changes: list[Change], limit: int) -> Iterator[list[Change]]:
    """Consecutive post changes in batches of *limit* (a post at most once a batch, so each
    write starts from the state the one before it left); every term change alone."""
    batch: list[Change] = []
    for change in changes:
        if (change.kind == "post_categories" and len(batch) < max(limit, 1)
                and (not batch or batch[0].kind == "post_categories")
                and all(c.target != change.target for c in batch)):
            batch.append(change)
            continue
        if batch:
            yield batch
        batch = [change]
        if change.kind != "post_categories":
            yield batch
            batch = []
    if batch:
        yield batch
