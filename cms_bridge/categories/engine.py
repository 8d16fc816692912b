"""The category migration engine: plan, apply (journaled, resumable), roll back.

Planning reads the site once (the category tree, and the posts each move touches, 100 a page)
and simulates every step on a virtual copy, so a plan that names a missing category, deletes a
category that still holds posts or builds a cycle fails before anything changes, and what
``migrate plan`` prints is exactly what ``apply`` will do. Applying journals the whole list of
changes in the ledger first, then makes them in order: terms one by one, post categories in
batches of the site's limit, each batch marked done when the site has it. A run cut off by a
kill -9 resumes from its journal; a finished or partial run is rolled back from it.

Rolling back is three-way: each change's journaled *after* is compared with the site now, and
only what is still as the run left it is undone; the rest is listed as conflicts (``force``
overrides). ``plan`` also says, before anything changes, what WordPress will refuse (slug and
name length), change (missed-schedule posts it publishes) or not let be undone (new term ids,
term meta, names its API cannot write back).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
from cms_bridge.messages import say
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
    ALL_STATUSES,
    Category,
    CategoryChange,
    CategoryTree,
    PostQuery,
    fit_unique_slug,
    name_key,
    new_category_slug,
    plain_text,
    split_category_path,
)
from cms_bridge.wordpress.protocol import Cms

Progress = Callable[[int, int], None]
#: WordPress publishes a ``future`` post on any write once its time is less than a minute away.
_SCHEDULE_SLACK = timedelta(minutes=1)
#: wp_terms.name is VARCHAR(200): a longer name fails the insert.
NAME_MAX_CHARS = 200
_BY_ID = re.compile(r"\s*#(\d+)\s*")


@dataclass
class _Term:
    id: int
    name: str
    parent: int
    slug: str = ""
    description: str = ""
    stored: str = ""


@dataclass
class _PostState:
    """A post as it will be after the steps planned so far."""

    categories: list[int]
    title: str
    status: str
    date: datetime | None
    author: int | None


@dataclass(frozen=True)
class Unrestorable:
    """What a rollback cannot give back to one category, as ``plan`` announces it.

    Attributes:
        term: the category's id.
        field: ``"name"`` (stored with spacing WordPress's API collapses) or ``"meta"`` (term meta
            of a deleted category, not visible over the API, so not recreated).
        restored: for ``"name"``, the name rollback writes back instead; None for ``"meta"``.
    """

    term: int
    field: Literal["name", "meta"]
    restored: str | None = None


class PlannedChanges(list[Change]):
    """The changes of a plan in order, with what ``plan`` must say before anything changes.

    Attributes:
        notes: what WordPress will refuse, change or make impossible to undo, and what is skipped.
        labels: every category the plan touches, by id, as ``'A / B' (#12)``.
        unrestorable: what rollback cannot restore exactly, per category (also in ``notes``).
    """

    def __init__(self, changes: Iterable[Change], notes: list[str], labels: dict[int, str],
                 unrestorable: Iterable[Unrestorable] = ()) -> None:
        super().__init__(changes)
        self.notes = notes
        self.labels = labels
        self.unrestorable = list(dict.fromkeys(unrestorable))


@dataclass
class _Simulation:
    """The site as it will be after the steps planned so far."""

    terms: dict[int, _Term]
    now: datetime
    missed_schedule: str = "skip"
    posts: dict[int, _PostState] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)
    unrestorable: list[Unrestorable] = field(default_factory=list)

    def candidates(self, path: str) -> list[int]:
        # "#123" names a category by id: the way to tell apart two whose names differ only in
        # what name comparison ignores (an &amp; entity, a doubled space).
        if (by_id := _BY_ID.fullmatch(path)) is not None:
            return [int(by_id.group(1))] if int(by_id.group(1)) in self.terms else []
        # The whole path is compared, not level by level: a category literally named
        # "ประกาศ / คำสั่ง" is then a candidate next to the child "คำสั่ง" of "ประกาศ".
        wanted = name_key(" / ".join(split_category_path(path)))
        keys: dict[int, str] = {0: ""}

        def key(term_id: int) -> str:  # the path's key, each level computed once
            if term_id not in keys:
                term = self.terms[term_id]
                above = key(term.parent) if term.parent in self.terms else ""
                keys[term_id] = f"{above} / {name_key(term.name)}" if above else name_key(term.name)
            return keys[term_id]

        return sorted(t for t in self.terms if key(t) == wanted)

    def need(self, path: str, step: int) -> int:
        found = self.candidates(path)
        if not found:
            raise PlanError(say("migrate.no_such_category", step=step, path=path))
        if len(found) > 1:
            by_id = found[0] > 0
            raise PlanError(say("migrate.ambiguous", step=step, path=path, n=len(found),
                                labels=", ".join(self.label(t) for t in found),
                                hint_en=f"; name the one meant by id, e.g. \"#{found[0]}\"" if by_id else "",
                                hint_th=f" ให้ระบุหมวดที่ต้องการด้วยรหัส เช่น \"#{found[0]}\"" if by_id else ""))
        return found[0]

    def path_of(self, term_id: int) -> str:
        return CategoryTree(self.terms).path_of(term_id)

    def label(self, term_id: int) -> str:
        if term_id not in self.terms:
            return self.labels.get(term_id, f"#{term_id}")
        text = f"{self.path_of(term_id)!r} ({'new' if term_id < 0 else f'#{term_id}'})"
        self.labels[term_id] = text
        return text

    def add(self, kind: ChangeKind, target: int | None, before: dict[str, Any], after: dict[str, Any]) -> Change:
        change = Change(seq=len(self.changes) + 1, kind=kind, target=target, before=before, after=after)
        self.changes.append(change)
        return change

    def missed(self, post: _PostState) -> bool:
        return post.status == "future" and post.date is not None and post.date - self.now < _SCHEDULE_SLACK

    def refile(self, post_id: int, after: list[int], number: int) -> None:
        """Plan new categories for one post, by WordPress's rule for missed-schedule posts."""
        post = self.posts[post_id]
        if not after or after == post.categories:
            return
        status = post.status
        if self.missed(post):
            if self.missed_schedule == "skip":
                self.skipped[post_id] = post.title
                return
            status = "publish"  # any write publishes it, and no write can make it future again
        self.add("post_categories", post_id,
                 {"categories": post.categories, "title": post.title, "status": post.status,
                  "date": post.date.isoformat() if post.date else None},
                 {"categories": after, "status": status})
        post.categories, post.status = after, status


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

    def plan(self, plan: Plan) -> PlannedChanges:
        """The exact changes *plan* makes on the site as it is now; nothing is changed.

        Returns:
            The changes, with notes on what WordPress will refuse, change or not let be undone.

        Raises:
            PlanError: naming the step and the categories (by path and id), when it refers to
                something missing or ambiguous, or cannot be done.
        """
        site = self.cms.list_categories()
        sim = _Simulation({c.id: _Term(c.id, c.name, c.parent, c.slug, c.description, c.stored_name or c.name)
                           for c in site},
                          now=self.cms.site_now(), missed_schedule=plan.missed_schedule,
                          slugs={c.slug for c in site})
        for number, step in enumerate(plan.steps, 1):
            if isinstance(step, CreateTree):
                for path in self._tree_paths(step, number):
                    self._plan_create(sim, path, number)
            elif isinstance(step, MovePosts):
                self._plan_move(sim, step, number)
            elif isinstance(step, Rename):
                self._plan_rename(sim, step, number)
            elif isinstance(step, Merge):
                self._plan_merge(sim, step, number)
            elif isinstance(step, Reparent):
                self._plan_reparent(sim, step, number)
            elif isinstance(step, DeleteEmpty):
                for path in step.categories:
                    self._plan_delete(sim, sim.need(path, number), number)
        if sim.skipped:
            sample = ", ".join(f"#{p} {t!r}" for p, t in list(sim.skipped.items())[:5])
            sim.notes.append(
                f"{len(sim.skipped)} missed-schedule post(s) left as they are ('future' with a time already past; "
                f"WordPress would publish them on any change): {sample}. Set missed_schedule = \"publish\" "
                "to re-file and publish them.")
        published = [c for c in sim.changes if c.kind == "post_categories"
                     and c.before.get("status") == "future" and c.after.get("status") == "publish"]
        if published:
            sim.notes.append(
                f"{len({c.target for c in published})} missed-schedule post(s) will be PUBLISHED (missed_schedule = "
                "\"publish\"); rollback restores their categories and date but cannot make them 'future' again: "
                "WordPress publishes a past-dated scheduled post on every write. "
                + ", ".join(f"#{c.target}" for c in published[:5]))
        redated = {c.target for c in sim.changes if c.kind == "post_categories" and c.before.get("status") in _REDATED}
        if redated:
            sim.notes.append(
                f"{len(redated)} draft or pending post(s) are re-filed: WordPress dates such a post 'now' on any "
                "write while its date is not fixed, so apply and rollback send each one's date back; it is kept, "
                "and one that had no fixed date (the editor's 'publish immediately') gets it fixed")
        if any(c.kind == "post_categories" for c in sim.changes):
            sim.notes.append("every re-filed post gets a new modified time (WordPress sets it on each write; "
                             "neither apply nor rollback can keep it)")
        return PlannedChanges(sim.changes, sim.notes, {t: sim.label(t) for t in sim.terms} | sim.labels,
                              sim.unrestorable)

    def _tree_paths(self, step: CreateTree, number: int) -> list[str]:
        paths = list(step.paths)
        if step.ita_year is not None:
            if self.mappings is None or not hasattr(self.mappings, "ita_year"):
                raise PlanError(f"step {number}: ita_year needs the ITA mappings (mappings/ita/)")
            items = self.mappings.ita_year(step.ita_year).items.values()
            paths += [item.category for item in items]
        return paths

    def _plan_create(self, sim: _Simulation, path: str, number: int) -> int:
        parent = 0
        for level in split_category_path(path):
            key = name_key(level)
            same = sorted(t.id for t in sim.terms.values() if t.parent == parent and name_key(t.name) == key)
            if len(same) > 1:
                raise PlanError(f"step {number}: {level!r} in {path!r} matches {len(same)} categories: "
                                + ", ".join(sim.label(t) for t in same) + "; merge them first")
            if same:
                parent = same[0]
                continue
            if len(level) > NAME_MAX_CHARS:
                raise PlanError(say("migrate.name_too_long", step=number, level=level, path=path, n=len(level),
                                    max=NAME_MAX_CHARS))
            seq = len(sim.changes) + 1
            new = new_category_slug(level, parent, sim.terms, sim.slugs)  # the one rule, as mappings apply
            slug, asked, note = new.slug, new.ask, new.note()
            sim.terms[-seq] = _Term(-seq, level, parent, slug)
            sim.slugs.add(slug)
            if note:
                sim.notes.append(f"new category {sim.label(-seq)}: {note}")
            sim.add("create_term", None, {},
                    {"name": level, "parent": parent, "path": sim.path_of(-seq), "slug": asked})
            parent = -seq
        return parent

    def _plan_rename(self, sim: _Simulation, step: Rename, number: int) -> None:
        term = sim.terms[sim.need(step.category, number)]
        name = plain_text(step.to)
        if name == term.name:
            return  # nothing to change: not listed, not journaled
        if len(name) > NAME_MAX_CHARS:
            raise PlanError(say("migrate.new_name_too_long", step=number, label=sim.label(term.id), n=len(name),
                                max=NAME_MAX_CHARS))
        clash = [t.id for t in sim.terms.values()
                 if t.parent == term.parent and t.id != term.id and name_key(t.name) == name_key(name)]
        if clash:
            raise PlanError(say("migrate.rename_clash", step=number, label=sim.label(term.id), name=name,
                                other=sim.label(clash[0])))
        self._warn_unwritable(sim, term, "renaming")
        label = sim.label(term.id)
        sim.add("update_term", term.id, {"name": term.name, "parent": term.parent, "path": sim.path_of(term.id)},
                {"name": name, "parent": term.parent})
        term.name = name
        sim.labels[term.id] = f"{label} -> {sim.label(term.id)}"

    def _warn_unwritable(self, sim: _Simulation, term: _Term, doing: str) -> None:
        # WordPress's API sanitises a name it is given (spacing collapsed, trimmed): a name stored
        # otherwise (by hand in the database, an old import) cannot be written back exactly.
        stored = term.stored or term.name
        if term.id > 0 and stored != " ".join(stored.split()):
            sim.unrestorable.append(Unrestorable(term.id, "name", " ".join(stored.split())))
            sim.notes.append(f"{doing} {sim.label(term.id)}: its stored name {stored!r} has doubled or trailing "
                             f"spacing that WordPress's API cannot write back; rollback would restore it as "
                             f"{' '.join(stored.split())!r}")

    def _plan_move(self, sim: _Simulation, step: MovePosts, number: int) -> None:
        to = sim.need(step.to, number) if step.to else None
        drop = sim.need(step.category or step.filter.category or "", number) if step.mode == "remove" else None
        for post_id in self._matching(sim, step.filter, number):
            before = sim.posts[post_id].categories
            after: list[int]
            if step.mode == "add":
                assert to is not None  # the plan requires a target for add and replace
                after = before + [to] if to not in before else before
            elif step.mode == "replace":
                assert to is not None
                after = [to]
            else:
                after = [c for c in before if c != drop]
            sim.refile(post_id, after, number)

    def _subtree(self, sim: _Simulation, root: int) -> list[int]:
        found, frontier = [root], [root]
        while frontier:
            frontier = [t.id for t in sim.terms.values() if t.parent in frontier]
            found += frontier
        return found

    def _matching(self, sim: _Simulation, rule: PostFilter, number: int) -> Iterator[int]:
        category = sim.need(rule.category, number) if rule.category else None
        within = set(self._subtree(sim, category) if rule.include_subcategories and category else
                     [category] if category else [])
        after = before = None
        if rule.fiscal_year is not None:
            after, before = fiscal_year_bounds(rule.fiscal_year)
        if rule.after:
            after = start_of_day(rule.after)
        if rule.before:
            before = start_of_day(rule.before)
        pattern = re.compile(rule.title_pattern) if rule.title_pattern else None
        found: list[int] = []
        for cat in sorted(within) if within else [None]:
            if cat is not None and cat < 0:
                continue  # created by this plan: only the simulation's posts can be in it
            query = PostQuery(statuses=rule.statuses, category=cat, after=after, before=before, author=rule.author)
            for item in self.cms.iter_posts(query):
                sim.posts.setdefault(item.id, _PostState(list(item.categories), item.title, item.status,
                                                         item.date, item.author))
                found.append(item.id)
        # Posts earlier steps changed: the simulation knows their state, the site not yet. Every
        # condition is checked again on that state, whichever way the post was found.
        known = [p for p, s in sim.posts.items() if not within or within & set(s.categories)]
        for post_id in dict.fromkeys(found + known):
            post = sim.posts[post_id]
            if within and not within & set(post.categories):
                continue
            if post.status not in rule.statuses:
                continue
            if rule.author is not None and post.author != rule.author:
                continue
            if after is not None and (post.date is None or post.date < after):
                continue
            if before is not None and (post.date is None or post.date >= before):
                continue
            if pattern is not None and not pattern.search(post.title):
                continue
            yield post_id

    def _plan_merge(self, sim: _Simulation, step: Merge, number: int) -> None:
        source, target = sim.need(step.from_, number), sim.need(step.into, number)
        if source == target:
            raise PlanError(say("migrate.merge_itself", step=number, label=sim.label(source)))
        children = [t.id for t in sim.terms.values() if t.parent == source]
        if children:
            raise PlanError(say("migrate.merge_children", step=number, label=sim.label(source),
                                children=", ".join(sim.label(c) for c in children)))
        # Every status, trash included: a trashed post restored later must still be filed.
        rule = PostFilter(category=f"#{source}", statuses=ALL_STATUSES)
        for post_id in list(self._matching(sim, rule, number)):
            cats = sim.posts[post_id].categories
            after = [c for c in cats if c != source]
            sim.refile(post_id, after + [target] if target not in after else after, number)
        held = [p for p in sim.skipped if source in sim.posts[p].categories]
        if held:
            sim.notes.append(f"step {number}: {sim.label(source)} is kept: it still holds {len(held)} skipped "
                             "missed-schedule post(s) (" + ", ".join(f"#{p}" for p in held[:5]) + ")")
            return
        self._plan_delete(sim, source, number)

    def _plan_reparent(self, sim: _Simulation, step: Reparent, number: int) -> None:
        term = sim.terms[sim.need(step.category, number)]
        parent = sim.need(step.parent, number) if step.parent else 0
        if parent == term.parent:
            return  # already there: nothing to list
        ancestor = parent
        while ancestor:
            if ancestor == term.id:
                raise PlanError(f"step {number}: {sim.label(parent)} is inside {sim.label(term.id)}; "
                                "that would be a cycle")
            ancestor = sim.terms[ancestor].parent
        clash = [t.id for t in sim.terms.values()
                 if t.parent == parent and t.id != term.id and name_key(t.name) == name_key(term.name)]
        if clash:
            raise PlanError(f"step {number}: cannot move {sim.label(term.id)} under "
                            f"{sim.label(parent) if parent else 'the top level'}: {sim.label(clash[0])} is there")
        if 0 in (parent, term.parent) and self.cms.site_info().api == "xmlrpc":
            # wp.editTerm ignores parent 0: neither the move nor its rollback could be made.
            raise PlanError(f"step {number}: moving {sim.label(term.id)} "
                            f"{'to' if parent == 0 else 'from'} the top level cannot be done (nor rolled back) "
                            "over the XML-RPC API; use api = \"rest\"")
        self._warn_unwritable(sim, term, "moving")
        label = sim.label(term.id)
        sim.add("update_term", term.id,
                {"name": term.name, "parent": term.parent, "path": sim.path_of(term.id),
                 "parent_path": sim.label(term.parent) if term.parent else "the top level"},
                {"name": term.name, "parent": parent,
                 "parent_path": sim.label(parent) if parent else "the top level"})
        term.parent = parent
        sim.labels[term.id] = f"{label} -> {sim.label(term.id)}"

    def _plan_delete(self, sim: _Simulation, term_id: int, number: int) -> None:
        label = sim.label(term_id)
        children = [t.id for t in sim.terms.values() if t.parent == term_id]
        if children:
            raise PlanError(say("migrate.delete_children", step=number, label=label,
                                children=", ".join(sim.label(c) for c in children)))
        held = {p for p, s in sim.posts.items() if term_id in s.categories}
        if term_id > 0:
            # Every status, trash included: WordPress would leave a trashed post uncategorised.
            on_site = {p.id: p for p in self.cms.iter_posts(PostQuery(statuses=ALL_STATUSES, category=term_id))}
            held |= {p for p in on_site if p not in sim.posts}
            statuses = sorted({sim.posts[p].status if p in sim.posts else on_site[p].status for p in held})
        if held:
            raise PlanError(say("migrate.holds_posts", step=number, label=label, n=len(held),
                                statuses=", ".join(statuses if term_id > 0 else []),
                                examples=", ".join(f"#{p}" for p in sorted(held)[:5])))
        term = sim.terms[term_id]
        if term_id > 0:
            self._warn_unwritable(sim, term, "deleting")
            sim.unrestorable.append(Unrestorable(term_id, "meta"))
            sim.notes.append(f"deleting {label}: rollback recreates it with its name, slug, description and "
                             "parent but WordPress gives it a new id; its term meta (not visible over the API) "
                             "is not kept")
        path = sim.path_of(term_id)
        del sim.terms[term_id]
        sim.add("delete_term", term_id, {"name": term.name, "parent": term.parent, "path": path,
                                         "slug": term.slug, "description": term.description}, {})


    # -- applying ---------------------------------------------------------------------------

    def apply(self, plan: Plan, plan_hash: str, *, plan_path: str | None = None,
              progress: Progress | None = None) -> str:
        """Apply *plan*, or resume its run if a previous apply was cut off; return the run id.

        Raises:
            PlanError: the plan cannot be made on the site as it is (nothing is changed).
            SiteError: a change could not be made (rerun to resume).
        """
        run_id = running_run(self.ledger, plan_hash)
        if run_id is None:
            run_id = start_run(self.ledger, plan_name=plan.name, plan_path=plan_path, plan_hash=plan_hash,
                               changes=self.plan(plan), actor=self.actor)
        changes = changes_of(self.ledger, run_id)
        ids: dict[int, int | None] = {
            -c.seq: c.target for c in changes if c.kind == "create_term" and c.target is not None}
        todo = [c for c in changes if c.state == "planned"]
        count = len(changes) - len(todo)
        for group in _groups(todo, self.cms.site_info().batch_limit):
            if group[0].kind == "post_categories":
                self._write_posts({c.target: _ids(c.after["categories"], ids) for c in group if c.target},
                                  _kept_dates(group))
            else:
                self._apply_term(group[0], ids)
            mark(self.ledger, run_id, group, "done")
            count += len(group)
            if progress:
                progress(count, len(changes))
        finish(self.ledger, run_id, "done", actor=self.actor)
        return run_id

    def _write_posts(self, wanted: Mapping[int, Sequence[int]], dates: Mapping[int, datetime]) -> None:
        # Starting from "no categories" makes each write absolute, so replaying it is harmless.
        self.cms.change_categories([CategoryChange(post_id=p, add=tuple(c), date=dates.get(p))
                                    for p, c in wanted.items()],
                                   current={p: [] for p in wanted})

    def _apply_term(self, change: Change, ids: dict[int, int | None]) -> None:
        if change.kind == "create_term":
            parent = _ids([change.after["parent"]], ids)[0]
            term = self.cms.create_category(change.after["name"], parent, slug=change.after.get("slug"))
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

    def rollback(self, run_id: str, *, force: bool = False, progress: Progress | None = None) -> RollbackResult:
        """Undo a run's done changes, newest first, three-way: only what is still as the run left it.

        Each change's journaled *after* is compared with the site now. A post or category edited
        since (an editor filed the post elsewhere, renamed the category, filed a new post in a
        category the run created) is a conflict: it is left as it is and listed, and its change
        stays done in the journal. *force* undoes it anyway (the editor's edit is lost). Deleted
        categories are recreated with their name, slug, description and parent (WordPress gives a
        new id, which the restored posts receive); a look-alike category is never reused.

        Args:
            run_id: the run to undo.
            force: undo conflicting changes too.
            progress: called with (done, total) as changes are undone.

        Returns:
            How many changes were undone, and every conflict.

        Raises:
            LedgerError: no such run.
            SiteError: a change could not be undone (rerun to finish).
        """
        get_run(self.ledger, run_id)
        every = changes_of(self.ledger, run_id)
        changes = [c for c in reversed(every) if c.state == "done"]
        created: dict[int, int | None] = {
            -c.seq: c.target for c in every if c.kind == "create_term" and c.target is not None}
        undo = _Undo(self.cms, created, force)
        # Categories an earlier, cut-off rollback of this run recreated: their new ids.
        undo.recreated = {c.target: int(c.after["recreated"]) for c in every if c.kind == "delete_term"
                          and c.state == "undone" and c.target is not None and "recreated" in c.after}
        undo.read_site(changes)
        count = 0
        for group in _groups(changes, self.cms.site_info().batch_limit):
            if group[0].kind == "post_categories":
                done = undo.posts(group)
                if done:
                    self._write_posts({c.target: undo.before_of(c) for c in done if c.target}, _kept_dates(done))
            else:
                done = [group[0]] if undo.term(group[0]) else []
            if done:
                mark(self.ledger, run_id, done, "undone")
            count += len(done)
            if progress:
                progress(count, len(changes))
        if not undo.conflicts:
            finish(self.ledger, run_id, "rolled_back", actor=self.actor)
        return RollbackResult(undone=count, conflicts=undo.conflicts)


@dataclass
class RollbackResult:
    """What a rollback did.

    Attributes:
        undone: changes undone.
        conflicts: changes left as they are because the site was edited since (one line each);
            rerun with ``force`` to undo them anyway.
    """

    undone: int
    conflicts: list[str]


class _Undo:
    """The site now, compared with what a run left, as a rollback walks back."""

    def __init__(self, cms: Cms, created: dict[int, int | None], force: bool) -> None:
        self.cms = cms
        self.created = created
        self.force = force
        self.recreated: dict[int, int] = {}
        self.conflicts: list[str] = []
        self.terms: dict[int, Category] = {}
        self.now: dict[int, tuple[set[int], str] | None] = {}

    def read_site(self, changes: list[Change]) -> None:
        """The categories, and the categories and status of every post the run changed."""
        self.terms = {c.id: c for c in self.cms.list_categories()}
        final: dict[int, set[int]] = {}
        for change in changes:  # newest first: the first seen is what the run left
            if change.kind == "post_categories" and change.target is not None and change.target not in final:
                final[change.target] = set(self._resolve(change.after["categories"]))
        # A post still as the run left it is in each of its final categories: read a few of
        # those categories (most shared first) instead of every post one by one.
        remaining = dict(final)
        while remaining:
            counts = Counter(c for cats in remaining.values() for c in cats if c in self.terms)
            if not counts:
                break
            best = counts.most_common(1)[0][0]
            for post in self.cms.iter_posts(PostQuery(statuses=ALL_STATUSES, category=best)):
                if post.id in final:
                    self.now[post.id] = (set(post.categories), post.status)
            remaining = {p: cats for p, cats in remaining.items() if best not in cats and p not in self.now}
        for post_id in final:
            if post_id not in self.now:
                try:
                    post = self.cms.get_post(post_id)
                    self.now[post_id] = (set(post.categories), post.status)
                except NotFoundError:
                    self.now[post_id] = None

    def _resolve(self, values: Sequence[int]) -> list[int]:
        resolved = []
        for value in values:
            actual = self.created.get(value) if value < 0 else value
            if actual is not None:
                resolved.append(self.recreated.get(actual, actual))
        return resolved

    def _label(self, term_id: int) -> str:
        term = self.terms.get(term_id)
        if term is None:
            return f"#{term_id}"
        return f"{CategoryTree(self.terms).path_of(term_id)!r} (#{term_id})"

    def _labels(self, ids: Iterable[int]) -> str:
        return "[" + ", ".join(self._label(i) for i in sorted(ids)) + "]"

    def before_of(self, change: Change) -> list[int]:
        return [c for c in self._resolve(change.before["categories"]) if c in self.terms]

    def posts(self, group: list[Change]) -> list[Change]:
        """The changes of *group* to undo; the others are recorded as conflicts."""
        done = []
        for change in group:
            assert change.target is not None  # journaled with the post's id
            now = self.now.get(change.target)
            title = change.before.get("title", "")
            left = set(self._resolve(change.after["categories"]))
            if now is None:
                self.conflicts.append(say("migrate.post_gone", post=change.target, title=title))
                continue
            if now[0] == set(self.before_of(change)) and now[0] != left:
                done.append(change)  # undone by a rollback cut off before its journal said so
                continue
            if now[0] != left and not self.force:
                self.conflicts.append(say("migrate.post_refiled", post=change.target, title=title,
                                          now=self._labels(now[0]), left=self._labels(left)))
                continue
            lost = [c for c in self._resolve(change.before["categories"]) if c not in self.terms]
            if lost:
                self.conflicts.append(f"post #{change.target} {title!r}: categories "
                                      + ", ".join(f"#{c}" for c in lost) + " no longer exist; restored without them")
            self.now[change.target] = (set(self.before_of(change)) or {1}, now[1])
            done.append(change)
        return done

    def term(self, change: Change) -> bool:
        """Undo one category change, unless it conflicts; whether it was undone."""
        if change.kind == "create_term":
            return self._undo_create(change)
        if change.kind == "update_term":
            return self._undo_update(change)
        return self._undo_delete(change)

    def _undo_create(self, change: Change) -> bool:
        if change.target is None or change.target not in self.terms:
            return True  # never made, or deleted since: nothing to take back
        label = self._label(change.target)
        children = [t.id for t in self.terms.values() if t.parent == change.target]
        held = [p.id for p in self.cms.iter_posts(PostQuery(statuses=ALL_STATUSES, category=change.target))]
        if (children or held) and not self.force:
            what = ([f"{len(held)} post(s) (e.g. " + ", ".join(f"#{p}" for p in held[:5]) + ")"]
                    if held else []) + (
                ["the subcategories " + ", ".join(self._label(c) for c in children)] if children else [])
            self.conflicts.append(f"category {label}, made by the run, is kept: it holds {' and '.join(what)}")
            return False
        try:
            self.cms.delete_category(change.target)
        except NotFoundError:
            pass
        self.terms.pop(change.target, None)
        return True

    def _undo_update(self, change: Change) -> bool:
        assert change.target is not None  # planned with the id of an existing category
        now = self.terms.get(change.target)
        if now is None:
            self.conflicts.append(f"category #{change.target} {change.before.get('path', '')!r} was deleted since "
                                  "the run; not restored")
            return False
        parent = self._resolve([change.after["parent"]])
        restored = self._resolve([change.before["parent"]])
        if (now.name, now.parent) == (plain_text(change.before["name"]), restored[0] if restored else 0):
            return True  # undone already (a rollback cut off before its journal said so)
        if (now.name, now.parent) != (plain_text(change.after["name"]), parent[0] if parent else 0) and not self.force:
            under = self._label(parent[0]) if parent and parent[0] else "the top level"
            self.conflicts.append(f"category {self._label(change.target)} was renamed or moved since the run "
                                  f"(the run left it as {change.after['name']!r} under {under}); left as it is")
            return False
        term = self.cms.update_category(change.target, name=change.before["name"],
                                        parent=restored[0] if restored else 0)
        self.terms[term.id] = term
        return True

    def _undo_delete(self, change: Change) -> bool:
        assert change.target is not None  # planned with the id of an existing category
        before = change.before
        parents = self._resolve([before["parent"]])
        parent = parents[0] if parents else 0
        if parent and parent not in self.terms:
            self.conflicts.append(f"category {before.get('path')!r} (#{change.target}) cannot be recreated: its "
                                  f"parent #{parent} no longer exists")
            return False
        slug = before.get("slug") or None
        again = next((t for t in self.terms.values() if slug and t.slug == slug and t.parent == parent
                      and name_key(t.name) == name_key(before["name"])), None)
        if again is not None:
            # Recreated by a rollback cut off before its journal said so: slugs are unique and
            # the run deleted the one that had this slug, so this is that recreation.
            self.recreated[change.target] = again.id
            change.after = {**change.after, "recreated": again.id}
            return True
        taken = {t.slug for t in self.terms.values()}
        if slug in taken:
            slug = fit_unique_slug(slug or "", taken)
            self.conflicts.append(f"category {before.get('path')!r} (#{change.target}) is recreated with slug "
                                  f"{slug!r}: its old slug is taken by another category now")
        term = self.cms.create_category(before["name"], parent, slug=slug, description=before.get("description"))
        if term.id in self.terms:
            # The site answered with an existing category of (nearly) the same name: never reuse
            # it; ask for a slug of our own so WordPress makes a new one.
            term = self.cms.create_category(before["name"], parent, slug=fit_unique_slug(slug or term.slug, taken),
                                            description=before.get("description"))
            if term.id in self.terms:
                raise PlanError(f"cannot recreate {before.get('path')!r} (#{change.target}): the site keeps "
                                f"answering with {self._label(term.id)}")
        self.terms[term.id] = term
        self.recreated[change.target] = term.id
        change.after = {**change.after, "recreated": term.id}  # journaled with the change, for a rerun
        return True


#: Statuses WordPress re-dates "now" on any write while their date is not fixed (wp_update_post).
_REDATED = ("draft", "pending")


def _kept_dates(changes: Iterable[Change]) -> dict[int, datetime]:
    """The journaled date of each draft or pending post of *changes*, to send back with its write."""
    return {c.target: datetime.fromisoformat(c.before["date"]) for c in changes
            if c.target is not None and c.before.get("status") in _REDATED and c.before.get("date")}


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


def describe(changes: Sequence[Change]) -> list[str]:
    """What ``migrate plan`` prints: every category change by path and id, the post moves counted
    by post and by change with samples, then the notes (what WordPress refuses, changes or does
    not let be undone).

    Args:
        changes: as :meth:`MigrationEngine.plan` returned them.
    """
    labels: dict[int, str] = getattr(changes, "labels", {})
    notes: list[str] = getattr(changes, "notes", [])

    def name(term_id: int) -> str:
        if term_id < 0:
            made = next((c for c in changes if c.seq == -term_id), None)
            return f"{made.after.get('path', made.after['name'])!r} (new)" if made else f"new #{term_id}"
        return labels.get(term_id, f"#{term_id}").split(" -> ")[-1]

    lines = []
    for change in changes:
        if change.kind == "create_term":
            parent = change.after["parent"]
            lines.append(f"create category {change.after.get('path', change.after['name'])!r} "
                         f"(under {name(parent) if parent else 'the top level'})")
        elif change.kind == "update_term":
            assert change.target is not None
            was = f"{change.before.get('path', change.before['name'])!r} (#{change.target})"
            if change.before["name"] != change.after["name"]:
                lines.append(f"rename {was} to {change.after['name']!r}")
            if change.before["parent"] != change.after["parent"]:
                lines.append(f"move {was} from under {change.before.get('parent_path', change.before['parent'])} "
                             f"to under {change.after.get('parent_path', change.after['parent'])}")
    moves = [c for c in changes if c.kind == "post_categories"]
    if moves:
        posts = len({c.target for c in moves})
        lines.append(f"re-file {posts} post{'s' if posts != 1 else ''} "
                     f"({len(moves)} change{'s' if len(moves) != 1 else ''}), e.g.:")
        for change in moves[:5]:
            before = ", ".join(name(i) for i in change.before["categories"])
            after = ", ".join(name(i) for i in change.after["categories"])
            lines.append(f"  #{change.target} {change.before['title']!r} ({change.before.get('status', '?')}): "
                         f"[{before}] -> [{after}]")
    # Deletions come last, as apply makes them: after the posts have left the category.
    lines += [f"delete category {c.before['path']!r} (#{c.target})" for c in changes if c.kind == "delete_term"]
    lines += [f"note: {note}" for note in notes]
    counts = Counter(c.kind for c in changes)
    lines.append(", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing to change")
    return lines
