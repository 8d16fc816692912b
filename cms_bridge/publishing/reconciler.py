"""The reconciler: make the site show, at time T, what the approved requests say it should.

Reconcile, don't replay. Each pass reads the desired state of every request (its decision and
window at T), the actual state of its post (one lookup per 100 keys), and applies the fewest
actions that close the gap. Every action is idempotent and findable afterwards by key (posts) or
slug (media), so a pass killed at any point and run again converges: no duplicate post, no
orphaned upload, nothing lost. The ledger records what was done, before and after.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
import shutil
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
import tempfile
from pathlib import Path, PurePosixPath
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from cms_bridge.errors import AttachmentError, GateRefusedError
from cms_bridge.intake.attachments import AttachmentInfo
from cms_bridge.config import IntakeConfig, SyncConfig
from cms_bridge.publishing.desired import Desired, desired_state
from cms_bridge.publishing.gate import PublishGate
from cms_bridge.errors import CmsBridgeError, MappingError, SiteError
from cms_bridge.ledger.keeper import FileKeeper
from cms_bridge.ledger.settled import PassSnapshot, Settled, settle, with_post
from cms_bridge.ledger.store import Ledger, MediaRecord, Publication, PublicationState, SiteVersion
from cms_bridge.mappings import Mappings
from cms_bridge.intake.inbox import Problem
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.publishing.post_body import UploadedFile, inert_text, render_post
from cms_bridge.wordpress.models import CategoryChange, Media, Post, PostInput, PostStatus, UploadItem, upload_slugs
from cms_bridge.wordpress.protocol import Cms

ActionKind = Literal["create", "update", "publish", "withdraw", "remove_files", "drift", "blocked", "wait"]
VISIBLE = ("publish", "future")
#: Bumped whenever planning gives another answer for the same inputs, so that what an older
#: cms-bridge found settled is planned again.
PLANNER_VERSION = 1


def plan_fingerprint(settings: SyncConfig, mappings: Mappings) -> str:
    """What a settled request's answer depends on besides its rows and its post: the planner's
    version, the ``[sync]`` settings and the mappings (a kind's withdrawal policy, say)."""
    text = json.dumps([PLANNER_VERSION, settings.model_dump(mode="json"), mappings.model_dump(mode="json")],
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def status_view(ctx_version: SiteVersion, desired: Desired, publication: Publication | None) -> dict[str, object]:
    """What ``status`` shows of a settled request, kept with it."""
    request = ctx_version.request
    return {"title": request.title,
            "decision": "amended, awaiting approval" if ctx_version.awaiting_approval else request.decision.status,
            "desired": desired.state, "state": publication.state if publication else "not on the site",
            "url": publication.url if publication else None,
            "next_change": desired.next_change.isoformat() if desired.next_change else None}


class Action(BaseModel):
    """One change a pass makes (or, with ``plan``, would make).

    ``wait`` is no change: a request approved for a window not open yet, which has nothing on
    the site until the pass at its opening (the detail says when). It is never ``done``.
    """

    request_id: str
    kind: ActionKind
    detail: str
    post_id: int | None = None
    done: bool = False
    error: str | None = None


class SyncReport(BaseModel):
    """What one pass found and did."""

    as_of: datetime
    actions: list[Action]
    dry_run: bool
    requests_sent: int = 0
    #: Problems of the inbox read before the pass (``Bridge.daemon_pass`` fills them in).
    intake_problems: list[Problem] = []
    #: The next window boundary of any request after ``as_of`` (the daemon wakes then), or None.
    next_change: datetime | None = None
    #: The earliest opening of a scheduled request after ``as_of`` (it is published then), or None.
    next_opening: datetime | None = None

    @property
    def failed(self) -> list[Action]:
        """Actions that raised; the next pass retries them."""
        return [a for a in self.actions if a.error]


@dataclass
class _Context:
    version: SiteVersion
    desired: Desired
    post: Post | None
    publication: Publication | None
    infos: dict[str, AttachmentInfo] = field(default_factory=dict)
    #: The gate refuses what the site shows: taken off public view whatever the kind's policy.
    refused: bool = False
    #: The digests of what its plan read (ledger rows; with its post), when they can be taken.
    ledger_inputs: str | None = None
    inputs: str | None = None

    @property
    def request(self) -> PublicationRequest:
        """The version the site may show (the approved one, even when amended since)."""
        return self.version.request


class Reconciler:
    """Plans and applies the actions that make the site match the ledger at a time.

    Args:
        cms: the site.
        ledger: requests, decisions and what was published.
        mappings: categories and withdrawal policy per kind and group.
        settings: the ``[sync]`` table (archive category, drift policy).
        intake: attachment rules (types, size).
        actor: who the ledger's events name.
        connections: site requests sent at once (``[site] connections``): uploads and post
            batches overlap on that many.
    """

    def __init__(self, cms: Cms, ledger: Ledger, mappings: Mappings, *, settings: SyncConfig,
                 intake: IntakeConfig, actor: str = "cms-bridge sync", connections: int = 1) -> None:
        self.cms = cms
        self.ledger = ledger
        self.mappings = mappings
        self.settings = settings
        self.intake = intake
        self.actor = actor
        self.connections = connections
        self.gate = PublishGate(FileKeeper(ledger))
        self._failed_uploads: dict[str, CmsBridgeError] = {}
        self._fresh_uploads: set[str] = set()
        self._users: dict[str, int | None] = {}
        self._settled: list[Settled] = []
        self._changes: list[datetime | None] = []
        self._openings: list[datetime | None] = []
        #: Requests the last pass did not plan: settled since an earlier pass, nothing changed.
        self.skipped = 0
        self._workdir: Path | None = None

    def run(self, as_of: datetime, *, dry_run: bool = False,
            progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """One pass at *as_of*: plan, and unless *dry_run*, apply.

        Args:
            as_of: the time to reconcile for (aware).
            dry_run: plan only; the site and the ledger are not changed (the site is read).
            progress: called with (done, total) after each action.
        """
        self._failed_uploads.clear()
        self._fresh_uploads.clear()
        contexts = self._contexts(as_of)
        actions: list[Action] = []
        for ctx in contexts:
            planned = len(actions)
            try:
                actions.extend(self._plan_one(ctx, as_of))
                if len(actions) == planned:
                    self._found_settled(ctx, as_of)
            except GateRefusedError as exc:
                actions.append(Action(request_id=ctx.request.request_id, kind="blocked",
                                      detail="held back by the publish gate", error="; ".join(exc.reasons)))
                if exc.takes_down:
                    # What is on the site is what the gate now refuses (a newer scan found an ID
                    # number in a published file, say): it leaves public view, files and all.
                    ctx.refused = True
                    actions.extend(self._take_down(ctx))
            except (CmsBridgeError, OSError, ValueError) as exc:
                # One request that cannot be planned (a value the ledger should never have
                # taken, a damaged store) is reported and skipped; every other request is
                # still published and withdrawn on time.
                actions.append(Action(request_id=ctx.request.request_id, kind="blocked",
                                      detail="skipped this pass: it cannot be planned", error=_reason(exc)))
        if not dry_run:
            # Written only for requests planned this pass that need nothing: an idle pass over
            # requests settled before writes nothing.
            settle(self.ledger, self._settled)
            by_id = {ctx.request.request_id: ctx for ctx in contexts}
            writes = [a for a in actions if a.kind in ("create", "update")]
            # Post writes go out together (batched by REST); the rest follow one by one.
            self._apply_writes(writes, by_id)
            done = len(writes)
            if progress and writes:
                progress(done, len(actions))
            unwritten = {a.request_id for a in writes if a.error}
            for action in actions:
                if action.kind in ("create", "update", "wait"):
                    continue
                if action.kind in ("publish", "remove_files") and action.request_id in unwritten:
                    # The post still holds an older version: never make it visible.
                    self._failed(action, "not made visible: writing the approved version failed")
                    continue
                if action.kind == "blocked":
                    self._failed(action, action.error or "blocked")
                    continue
                self._apply(action, by_id[action.request_id])
                done += 1
                if progress:
                    progress(done, len(actions))
        later = [change for change in self._changes if change is not None and change > as_of]
        openings = [change for change in self._openings if change is not None and change > as_of]
        return SyncReport(as_of=as_of, actions=actions, dry_run=dry_run, next_change=min(later, default=None),
                          next_opening=min(openings, default=None))

    # -- planning ---------------------------------------------------------------------------

    def _contexts(self, as_of: datetime) -> list[_Context]:
        """The requests to plan: read set-wise, each built in full only when it is not settled."""
        snapshot = PassSnapshot(self.ledger, plan_fingerprint(self.settings, self.mappings))
        self._settled, self.skipped, self._changes, self._openings = [], 0, [], []
        contexts = []
        looked_up: list[tuple[str, str | None]] = []
        for request_id in snapshot.request_ids:
            digest = snapshot.ledger_digest(request_id)
            if snapshot.unpublished_pending(request_id):
                # Nothing on the site to look at; settled, it is not even built.
                if digest is not None and snapshot.holds(request_id, at=as_of, inputs=digest) is not None:
                    self._skip(snapshot.settled_until(request_id))
                    continue
                version = self.ledger.site_version(request_id)
                desired = desired_state(version.request, as_of)
                self._note_changes(desired)
                if desired.state == "absent":
                    self._found_settled(_Context(version, desired, None, None, ledger_inputs=digest,
                                                 inputs=digest), as_of)
                    continue
            looked_up.append((request_id, digest))
        keys = [f"pr-{request_id}" for request_id, _ in looked_up]
        posts = self.cms.find_by_keys(keys) if keys else {}
        self.site_now = self.cms.site_now()
        for (request_id, digest), key in zip(looked_up, keys, strict=True):
            post = posts.get(key)
            inputs = None if digest is None else with_post(digest, post.model_dump_json() if post else "")
            if inputs is not None and snapshot.holds(request_id, at=as_of, inputs=inputs) is not None:
                self._skip(snapshot.settled_until(request_id))
                continue
            version = self.ledger.site_version(request_id)
            desired = desired_state(version.request, as_of)
            self._note_changes(desired)
            contexts.append(_Context(version, desired, post, self.ledger.get_publication(request_id),
                                     ledger_inputs=digest, inputs=inputs))
        return contexts

    def _note_changes(self, desired: Desired) -> None:
        self._changes.append(desired.next_change)
        if desired.state == "scheduled":  # never settled, so every pass sees every opening
            self._openings.append(desired.next_change)

    def _skip(self, until: str | None) -> None:
        self.skipped += 1
        if until is not None:  # the settled answer holds until the request's next window boundary
            self._changes.append(datetime.fromisoformat(until))

    def _found_settled(self, ctx: _Context, as_of: datetime) -> None:
        """Keep *ctx* as settled: planned, nothing to do, until its next window boundary.

        A scheduled request is never kept: how it waits (``future`` or ``draft``) depends on the
        site's clock as well as on its inputs, and such requests are few at any one time.
        """
        if ctx.inputs is None or ctx.ledger_inputs is None or ctx.desired.state == "scheduled":
            return
        self._settled.append(Settled(
            request_id=ctx.request.request_id, inputs=ctx.inputs, ledger_inputs=ctx.ledger_inputs,
            valid_from=as_of, valid_until=ctx.desired.next_change,
            view=status_view(ctx.version, ctx.desired, ctx.publication)))

    def _plan_one(self, ctx: _Context, as_of: datetime) -> list[Action]:
        rid, want, post, pub = ctx.request.request_id, ctx.desired, ctx.post, ctx.publication
        post_id = post.id if post else None
        version = ctx.version.version_hash
        if want.state == "scheduled":
            return self._embargo(ctx)
        if want.state == "published":
            # Nothing becomes visible without passing the gate: approval of this very version,
            # its files kept and clean (this also reads what they are, for the body).
            ctx.infos = self.gate.admit(ctx.version)
            if post is None:
                if pub is not None and pub.state in ("published", "scheduled") and pub.post_id:
                    return self._drift(rid, "its post was deleted on the site", None)
                return [Action(request_id=rid, kind="create", detail=f"{want.state} at {_fmt(want.publish_at)}")]
            expected = {"published": ("publish", "future"), "scheduled": ("future", "draft")}.get(pub.state, ()) \
                if pub else ()
            if expected and pub is not None and post.status not in expected and pub.published_version == version:
                return self._drift(rid, f"its post was set to {post.status} on the site", post)
            if pub is not None and pub.site_modified and post.modified and post.modified > pub.site_modified \
                    and pub.published_version == version:
                if self.settings.on_drift == "restore":
                    return [Action(request_id=rid, kind="update", post_id=post_id, detail="restore: edited on the site")]
                return self._drift(rid, "its post was edited on the site", post)
            actions = []
            if pub is None or pub.published_version != version:
                actions.append(Action(request_id=rid, kind="update", post_id=post_id,
                                      detail="amended request" if pub else "adopt post found by key"))
            elif missing := self._files_not_on_site(ctx):
                # Taken off the site at a withdrawal: uploaded again from the store.
                actions.append(Action(request_id=rid, kind="update", post_id=post_id,
                                      detail=f"upload again: {', '.join(missing)}"))
            if post.status != "publish":
                why = "missed schedule" if post.status == "future" else f"was {post.status}"
                actions.append(Action(request_id=rid, kind="publish", post_id=post_id, detail=why))
            actions.extend(self._remove_files_action(ctx, post_id, "superseded"))
            return actions
        # withdrawn, or absent (a decision taken back to pending)
        if post is not None and self._still_visible(ctx):
            # The post and its files go together (see _withdraw).
            stale = self._files_to_remove(ctx)
            files = f"; {len(stale)} file(s) off their public address" if stale else ""
            return [Action(request_id=rid, kind="withdraw", post_id=post_id,
                           detail=f"{want.reason}; policy {self._policy(ctx.request, want)}{files}")]
        # Already off public view (or its post deleted), but its files may still be served.
        return self._remove_files_action(ctx, post_id, "withdrawn")

    def _embargo(self, ctx: _Context) -> list[Action]:
        """A request whose window has not opened: nothing of it on the site until the opening.

        WordPress serves an upload at its address, and lists it in the REST media library,
        whatever its post's status, so a ``future`` post cannot keep its files private: nothing
        is uploaded and no post is made before the pass at the opening, which creates and
        publishes it. A post already there (a ``future`` post from a version that scheduled on
        the site, or one published before an approved amendment moved the window later) becomes
        a draft and its files are deleted, whatever ``on_drift`` and ``keep_withdrawn_files``
        say: an embargo is not a policy. The gate is asked now, so what it refuses is reported
        while a person still has until the opening to fix it.
        """
        rid, want, post = ctx.request.request_id, ctx.desired, ctx.post
        if post is not None and post.status in VISIBLE:
            stale = self._files_to_remove(ctx)
            files = f"; {len(stale)} file(s) off their public address" if stale else ""
            actions = [Action(request_id=rid, kind="withdraw", post_id=post.id,
                              detail=f"{want.reason}; held as a draft until it opens{files}")]
        else:
            actions = self._remove_files_action(ctx, post.id if post else None, "scheduled")
        try:
            self.gate.admit(ctx.version)
        except GateRefusedError as exc:
            return [*actions, Action(request_id=rid, kind="blocked", detail="held back by the publish gate",
                                     error="; ".join(exc.reasons))]
        return [*actions, Action(request_id=rid, kind="wait", post_id=post.id if post else None,
                                 detail=f"scheduled for {_fmt(want.publish_at)}")]

    def _take_down(self, ctx: _Context) -> list[Action]:
        rid, post = ctx.request.request_id, ctx.post
        detail = "the publish gate refuses the version on the site"
        if post is not None and post.status in VISIBLE:
            stale = self._files_to_remove(ctx)
            files = f"; {len(stale)} file(s) off their public address" if stale else ""
            return [Action(request_id=rid, kind="withdraw", post_id=post.id, detail=f"{detail}; policy draft{files}")]
        return self._remove_files_action(ctx, post.id if post else None, "refused")

    def _files_to_remove(self, ctx: _Context) -> list[MediaRecord]:
        """Uploads that must no longer be reachable at their public URLs.

        A file stays public while a version that shows it is on the site: the approved
        version's own files while it is scheduled or published, or while an expired item of an
        "archive" kind stays published in the archive category. Every
        other upload of the request goes: a replaced (superseded) file, and every file of a
        rejected, revoked or expired post. The store keeps the bytes, so a re-approval uploads
        them again. ``[sync] keep_withdrawn_files`` keeps them all (a documented risk).
        """
        uploaded = self.ledger.media_for(ctx.request.request_id)
        if ctx.refused or ctx.desired.state == "scheduled":
            # Never kept: what the gate refuses is not published, and before its window opens
            # a request shows nothing (see _embargo).
            return list(uploaded.values())
        if self.settings.keep_withdrawn_files:
            return []
        if ctx.desired.state == "published":
            shown = {info.sha256 for info in ctx.infos.values()}
        elif self._policy(ctx.request, ctx.desired) == "archive" and self.settings.archive_category:
            # Kept in the archive: the approved version's files stay, a superseded one goes.
            shown = set(ctx.version.files.values())
        else:
            shown = set()
        return [record for sha, record in uploaded.items() if sha not in shown]

    def _remove_files_action(self, ctx: _Context, post_id: int | None, why: str) -> list[Action]:
        stale = self._files_to_remove(ctx)
        if not stale:
            return []
        names = ", ".join(record.filename or str(record.media_id) for record in stale)
        return [Action(request_id=ctx.request.request_id, kind="remove_files", post_id=post_id,
                       detail=f"take {why} file(s) off their public address: {names}")]

    def _publish_date(self, want: Desired) -> datetime | None:
        """The publication time, but never ahead of the site's clock: WordPress would turn a
        "publish" with a later date back into "future"."""
        if want.publish_at is None:
            return None
        return min(want.publish_at, self.site_now)

    def _files_not_on_site(self, ctx: _Context) -> list[str]:
        """The version's files that have no upload on record (removed at a withdrawal)."""
        uploaded = self.ledger.media_for(ctx.request.request_id)
        return [path for path, info in ctx.infos.items() if info.sha256 not in uploaded]

    def _still_visible(self, ctx: _Context) -> bool:
        assert ctx.post is not None
        if self._policy(ctx.request, ctx.desired) == "archive":
            archive = self.settings.archive_category
            return ctx.post.status in VISIBLE and not (ctx.publication and ctx.publication.state == "withdrawn"
                                                       and archive)
        return ctx.post.status in VISIBLE

    def _drift_reported(self, rid: str, post: Post | None) -> bool:
        """A change on the site is reported once, not on every pass."""
        stamp = post.modified.isoformat() if post and post.modified else None
        return any(e.action == "site.drift" and (e.after or {}).get("modified") == stamp
                   for e in self.ledger.events(rid))

    def _drift(self, rid: str, what: str, post: Post | None) -> list[Action]:
        post_id = post.id if post else None
        if self.settings.on_drift == "restore":
            return [Action(request_id=rid, kind="create" if post is None else "publish", post_id=post_id,
                           detail=f"restore: {what}")]
        if self._drift_reported(rid, post):
            return []  # reported once, when it was first seen
        return [Action(request_id=rid, kind="drift", post_id=post_id,
                       detail=f"{what}; left as it is (on_drift = report)")]

    def _policy(self, request: PublicationRequest, want: Desired | None = None
                ) -> Literal["draft", "private", "trash", "archive"]:
        """How *request*'s post leaves public view, for the withdrawal *want* says (if any).

        The kind's policy applies when the window closes. The "archive" policy keeps an expired
        item published in an archive category; a rejected or revoked item must leave public view
        whatever its kind, so it becomes a draft.
        """
        policy = self.mappings.kind(request.kind).withdrawal
        if policy == "archive" and want is not None and want.state != "scheduled" \
                and request.decision.status != "approved":
            return "draft"
        return policy

    # -- applying ---------------------------------------------------------------------------

    def _apply(self, action: Action, ctx: _Context) -> None:
        try:
            if action.kind == "publish":
                self._set_visible(action, ctx)
            elif action.kind == "withdraw":
                self._withdraw(action, ctx)
            elif action.kind == "remove_files":
                self._remove_files(ctx)
            elif action.kind == "drift":
                modified = ctx.post.modified.isoformat() if ctx.post and ctx.post.modified else None
                self.ledger.append_event("site.drift", actor=self.actor, request_id=action.request_id,
                                         after={"detail": action.detail, "post_id": action.post_id,
                                                "modified": modified})
            action.done = True
        except (CmsBridgeError, OSError) as exc:
            self._failed(action, _reason(exc))

    def _failed(self, action: Action, exc: Exception | str) -> None:
        # One request's failure must not stop the others; the next pass tries it again.
        action.error = str(exc)
        self.ledger.append_event("sync.failed", actor=self.actor, request_id=action.request_id,
                                 after={"action": action.kind, "error": str(exc)})

    def _apply_writes(self, actions: list[Action], by_id: dict[str, _Context]) -> None:
        """Upload what is missing, then create/update all posts in as few requests as allowed."""
        if not actions:
            return
        try:
            self._write_all(actions, by_id)
        finally:
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)  # smaller copies; originals stay in the store
                self._workdir = None

    def _write_all(self, actions: list[Action], by_id: dict[str, _Context]) -> None:
        """Uploads and post writes in groups of one batch, overlapped on ``connections`` requests.

        A group's batch of posts goes as soon as its files are in, while later groups' files
        are still uploading. Only the site is touched on the worker threads; the ledger (its
        SQLite connection belongs to this thread) records every upload and every post here, an
        upload before the post that shows it is written.
        """
        contexts = [by_id[a.request_id] for a in actions]
        on_site = self._media_on_site(contexts)
        limit = self.cms.site_info().batch_limit
        size = limit if limit > 1 else 25
        pairs = list(zip(actions, contexts, strict=True))
        groups = [pairs[start:start + size] for start in range(0, len(pairs), size)]
        with ThreadPoolExecutor(max_workers=max(1, self.connections)) as pool:
            waiting: dict[Future[Any], tuple[str, Any]] = {}

            def start_upload(group: list[tuple[Action, _Context]]) -> None:
                jobs = self._upload_jobs([ctx for _, ctx in group], on_site)
                waiting[pool.submit(self.cms.upload_media_many, list(jobs.values()))] = ("uploaded", (group, jobs))

            queue = list(groups)
            if queue:
                # The first group goes alone: WordPress creates the month's upload folder on
                # demand, and several requests doing so at once fail ("Unable to create directory").
                start_upload(queue.pop(0))
                wait(list(waiting))
            while waiting:
                while queue and len(waiting) < max(1, self.connections):
                    start_upload(queue.pop(0))
                done, _ = wait(list(waiting), return_when=FIRST_COMPLETED)
                for future in done:
                    what, payload = waiting.pop(future)
                    if what == "uploaded":
                        group, jobs = payload
                        try:
                            uploads: list[Media | SiteError] = future.result()
                        except SiteError as error:
                            uploads = [error] * len(jobs)  # the group fails this pass; the others go on
                        ready = self._group_uploaded(group, jobs, uploads, on_site)
                        if ready:
                            posts = [(ctx.post.id if ctx.post else None, post) for _, ctx, post in ready]
                            waiting[pool.submit(self.cms.write_posts, posts)] = ("written", ready)
                    else:
                        try:
                            written: list[Post | SiteError] = future.result()
                        except SiteError as error:
                            # The whole batch failed (a timeout, say): its posts fail this pass
                            # and are found by key on the next; the other groups are kept.
                            written = [error] * len(payload)
                        self._group_written(payload, written)

    def _group_uploaded(self, group: list[tuple[Action, _Context]], jobs: dict[str, UploadItem],
                        results: list[Media | SiteError], on_site: dict[str, Media],
                        ) -> list[tuple[Action, _Context, PostInput]]:
        """Record a group's uploads (in the ledger, before anything shows them) and render its posts."""
        for slug, result in zip(jobs, results, strict=True):
            if isinstance(result, Media):
                on_site[slug] = result
                self._fresh_uploads.add(slug)  # this pass's own upload: no need to check its bytes
            else:
                self._failed_uploads[slug] = result
        ready: list[tuple[Action, _Context, PostInput]] = []
        for action, ctx in group:
            try:
                ready.append((action, ctx, self._post_input(ctx, on_site)))
            except (CmsBridgeError, OSError) as exc:
                self._failed(action, _reason(exc))
        return ready

    def _group_written(self, ready: list[tuple[Action, _Context, PostInput]], results: list[Post | SiteError]) -> None:
        for (action, ctx, _), result in zip(ready, results, strict=True):
            if isinstance(result, CmsBridgeError):
                self._failed(action, result)
                continue
            ctx.post = result
            action.post_id, action.done = result.id, True
            self._record(ctx, result, "post.created" if action.kind == "create" else "post.updated")

    def _upload_jobs(self, contexts: list[_Context], on_site: dict[str, Media]) -> dict[str, UploadItem]:
        """The files of *contexts* still to upload, checked by the gate (on this thread: it reads
        the ledger). A failed upload fails its request for this pass; it may have arrived (a
        timeout), so it is not sent again now: the next pass finds it by slug."""
        jobs: dict[str, UploadItem] = {}
        for ctx in contexts:
            known = self.ledger.media_for(ctx.request.request_id)
            for ref in (*ctx.request.attachments, *ctx.request.images):
                info = ctx.infos.get(ref.path)
                if info is None or info.sha256 in known:
                    continue
                slug = _media_slug(ctx.request, info)
                if slug in on_site or slug in jobs or slug in self._failed_uploads:
                    continue
                try:
                    # From the store, after re-hashing: the approved bytes, never the inbox's
                    # (or a smaller copy of a picture, scanned in its turn).
                    source = self._upload_source(info, ctx.request, ref.path)
                except (CmsBridgeError, OSError) as error:
                    self._failed_uploads[slug] = error if isinstance(error, CmsBridgeError) \
                        else AttachmentError(_reason(error))
                    continue
                jobs[slug] = UploadItem(path=source, filename=info.name, title=_title_of(ctx.request, ref.path),
                                        mime_type=info.media_type, slug=slug)
        return jobs

    def _post_input(self, ctx: _Context, on_site: dict[str, Media]) -> PostInput:
        request, want = ctx.request, ctx.desired
        uploads = self._upload_attachments(ctx, on_site)
        rendered = render_post(request, uploads, ctx.infos)
        titles = [_title_of(request, ref.path) for ref in (*request.attachments, *request.images)]
        status: PostStatus = "publish"  # only an open window is written (see _embargo)
        date = self._publish_date(want)
        post = PostInput(key=request.post_key, title=rendered.title, content=rendered.content,
                         excerpt=rendered.excerpt, status=status, date=date,
                         categories=tuple(self._categories(request)), featured_media=rendered.featured_media,
                         comments_open=self.settings.comments_open, author=self._author(request))
        self.gate.inert(request.request_id, post, titles, urls={u.url for u in uploads.values()})
        return post

    def _adopted(self, found: Media | None, info: AttachmentInfo, slug: str) -> Media | None:
        """An upload found on the site by its slug, used only if it serves the approved bytes.

        Found after a crash between an upload and its record; but the slug can be guessed, and
        anyone who may upload could have put another file under it first. Such a file is
        deleted (the slug is the bridge's) and the approved one uploaded in its place.
        """
        if found is None:
            return None
        if slug in self._fresh_uploads or self.cms.media_sha256(found) == info.sha256:
            return found
        self.ledger.append_event("site.drift", actor=self.actor, after={
            "detail": f"an upload under {found.slug} did not hold the approved bytes of {info.name}: deleted",
            "media_id": found.id})
        self.cms.delete_media(found.id)
        return None

    def _upload(self, info: AttachmentInfo, title: str | None, request: PublicationRequest, path: str,
                slug: str) -> Media:
        # From the store, after re-hashing: the approved bytes, never the inbox's.
        source = self._upload_source(info, request, path)
        return self.cms.upload_media(source, filename=info.name, title=title, mime_type=info.media_type,
                                     slug=slug)

    def _upload_source(self, info: AttachmentInfo, request: PublicationRequest, path: str) -> Path:
        if self.settings.max_image_pixels and self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="cms-bridge-upload-"))
        return self.gate.upload_copy(info, request, path, max_pixels=self.settings.max_image_pixels,
                                     folder=self._workdir or info.path.parent)

    def _media_on_site(self, contexts: list[_Context]) -> dict[str, Media]:
        """Uploads not in the ledger but already on the site (a crash came between): one lookup."""
        forms: dict[str, str] = {}  # every slug an upload can have → the bridge's slug for it
        for ctx in contexts:
            known = self.ledger.media_for(ctx.request.request_id)
            for info in ctx.infos.values():
                if info.sha256 not in known:
                    slug = _media_slug(ctx.request, info)
                    forms.update((form, slug) for form in upload_slugs(slug, info.name))
        found = self.cms.find_media(list(forms)) if forms else {}
        # An upload whose multicall naming was cut short still carries the name WordPress gave it.
        return {forms[form]: media for form, media in sorted(found.items(), key=lambda kv: kv[0] == forms[kv[0]])}

    def _set_visible(self, action: Action, ctx: _Context) -> None:
        assert ctx.post is not None
        post = self.cms.set_status(ctx.post.id, "publish", date=self._publish_date(ctx.desired))
        if self._policy(ctx.request) == "archive" and ctx.publication and ctx.publication.state == "withdrawn":
            # Back from the archive: its own categories again, instead of the archive's.
            self._set_categories(post, self._categories(ctx.request))
            post = self.cms.get_post(post.id)
        ctx.post = post
        self._record(ctx, post, "post.published")

    def _withdraw(self, action: Action, ctx: _Context) -> None:
        assert ctx.post is not None
        policy = "draft" if ctx.refused or ctx.desired.state == "scheduled" else self._policy(ctx.request, ctx.desired)
        if policy == "archive" and self.settings.archive_category:
            archive = self.cms.ensure_category_path(self.settings.archive_category)
            self._set_categories(ctx.post, [archive.id])
            post = self.cms.get_post(ctx.post.id)
        else:
            post = self.cms.set_status(ctx.post.id, "draft" if policy == "archive" else policy)
        ctx.post = post
        # Held back before its window opens, the draft still shows what it showed (an older
        # version, or a post found by key): the approved version is written at the opening.
        self._record(ctx, post, "post.withdrawn", state="withdrawn", keep_version=ctx.desired.state == "scheduled")
        self._remove_files(ctx)

    def _remove_files(self, ctx: _Context) -> None:
        # One at a time, each forgotten as soon as it is gone: a pass stopped halfway leaves the
        # ledger naming exactly the files still to take down, and the next pass goes on.
        for record in self._files_to_remove(ctx):
            self.cms.delete_media(record.media_id)
            self.ledger.forget_media(ctx.request.request_id, record.sha256, actor=self.actor)

    def _set_categories(self, post: Post, categories: list[int]) -> None:
        # Only the categories change: the content stays as published (and a rejected request
        # could not be rendered again, having no approval to cite).
        self.cms.change_categories([CategoryChange(post_id=post.id, add=tuple(categories),
                                                   remove=tuple(c for c in post.categories if c not in categories))],
                                   current={post.id: list(post.categories)})

    def _upload_attachments(self, ctx: _Context, on_site: dict[str, Media] | None = None) -> dict[str, UploadedFile]:
        request = ctx.request
        known = self.ledger.media_for(request.request_id)
        refs = [*request.attachments, *request.images]
        slugs = {ref.path: _media_slug(request, ctx.infos[ref.path]) for ref in refs}
        # One upload per content: the same bytes under two names are one file on the site (and
        # so one to take down).
        missing, seen = [], set(known)
        for ref in refs:
            if (sha := ctx.infos[ref.path].sha256) not in seen:
                seen.add(sha)
                missing.append(ref.path)
        if on_site is None:
            on_site = self.cms.find_media([slugs[p] for p in missing]) if missing else {}
        for path in missing:
            info = ctx.infos[path]
            if slugs[path] in self._failed_uploads and slugs[path] not in on_site:
                raise self._failed_uploads[slugs[path]]
            media = self._adopted(on_site.get(slugs[path]), info, slugs[path]) or \
                self._upload(info, _title_of(request, path), request, path, slugs[path])
            record = MediaRecord(sha256=info.sha256, media_id=media.id, url=media.url, filename=info.name,
                                 size=info.size)
            try:
                self.ledger.save_media(request.request_id, record, actor=self.actor)
            except (CmsBridgeError, OSError):
                # An upload the ledger does not know of could never be taken down at a
                # withdrawal: remove it now, and let this request fail for the pass.
                self.cms.delete_media(media.id)
                raise
            known[info.sha256] = record
        return {ref.path: UploadedFile(media_id=known[ctx.infos[ref.path].sha256].media_id,
                                       url=known[ctx.infos[ref.path].sha256].url) for ref in refs}

    def _author(self, request: PublicationRequest) -> int | None:
        """The site user a group's posts are attributed to, where the office maps one
        (``author`` in groups.toml, a login name); looked up once per login."""
        login = self.mappings.group(request.group).author
        if login is None:
            return None
        if login not in self._users:
            self._users[login] = self.cms.find_user_id(login)
        if self._users[login] is None:
            raise MappingError(f"group {request.group!r}: its author {login!r} is not a user of the site "
                               "(groups.toml author is a WordPress login name)")
        return self._users[login]

    def _categories(self, request: PublicationRequest) -> list[int]:
        paths = [self.mappings.kind(request.kind).category]
        group_category = self.mappings.group(request.group).category
        if group_category:
            paths.append(group_category)
        return list(dict.fromkeys(self.cms.ensure_category_path(p).id for p in paths))

    def _record(self, ctx: _Context, post: Post, action: str, *, state: PublicationState | None = None,
                keep_version: bool = False) -> None:
        on_site: dict[str, PublicationState] = {"publish": "published", "future": "scheduled"}
        state = state or on_site.get(post.status) or (
            "scheduled" if ctx.desired.state == "scheduled" else "withdrawn")
        shown: str | None = ctx.version.version_hash
        if keep_version:
            shown = ctx.publication.published_version if ctx.publication else None
        self.ledger.save_publication(ctx.request.request_id, post_id=post.id, post_key=ctx.request.post_key,
                                     state=state, published_version=shown,
                                     url=post.link, actor=self.actor, action=action, site_modified=post.modified)
        ctx.publication = self.ledger.get_publication(ctx.request.request_id)


def _media_slug(request: PublicationRequest, info: AttachmentInfo) -> str:
    # Key + content: the same file is found again after a crash, a replaced one is new.
    return f"{request.post_key}-{info.sha256[:12]}"


def _reason(exc: BaseException) -> str:
    """One line for a person: an OS error names its file, not Python's errno tuple."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or type(exc).__name__}: {exc.filename}"
    return str(exc) or type(exc).__name__


def _title_of(request: PublicationRequest, path: str) -> str:
    # The media title is shown on the attachment page and in the media library: inert like the
    # post. Always given (the file's own name at least): without one WordPress takes a picture's
    # IPTC headline, text nobody reviewed.
    title = next((ref.title for ref in (*request.attachments, *request.images) if ref.path == path), None)
    return inert_text(title or PurePosixPath(path).stem)


def _fmt(moment: datetime | None) -> str:
    from cms_bridge.thaidate import OFFICE_TZ

    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M") if moment else "-"


__all__ = ["Action", "Reconciler", "SyncReport", "AttachmentError"]
