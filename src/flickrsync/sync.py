"""The sync engine: index both sides, match, plan, then let the executor act.

One :class:`Engine` per profile and run::

    prepared = engine.prepare()      # journal settled, library scanned, Flickr listed, matched, planned
    outcome = engine.execute(prepared)   # transfers, then the photoset step on the new state

The decisions are the pure core's (:mod:`flickrsync.matcher`, :mod:`flickrsync.planner`,
:mod:`flickrsync.photosets`); this module gathers their inputs from the index, the scanner and
the client (the evidence the matcher asks for — perceptual hashes, digests, originals — is
:mod:`flickrsync.identify`'s), keeps the index's remote side and its watermarks current, and
reports each phase's progress as data (:mod:`flickrsync.progress`). Threads are the executor's
business; SQL the index's.

The remote index is refreshed incrementally: the first run (and ``--full``) lists the whole
account; later runs ask ``flickr.photos.recentlyUpdated`` for what changed since the greatest
``lastupdate`` seen, which includes new uploads. Photoset memberships are fetched again only for
sets whose ``date_update`` or size moved.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from flickrsync import heap, localfs, scanner, userlists
from flickrsync.changes import ChangeOptions, Changes, Settled, find_changes, pair_updates, settle
from flickrsync.choosing import (
    FolderSettings,
    left_out,
    resize_for,
    taking_part,
    upload_size,
    uploadable_path,
)
from flickrsync.client import FlickrClient
from flickrsync.config import Settings
from flickrsync.errors import FlickrsyncError, LocalFileError, UsageError
from flickrsync.executor import (
    Executor,
    Outcome,
    in_background,
)
from flickrsync.fingerprint import PHASH_MATCH_DISTANCE, PictureMeta
from flickrsync.identify import MAX_MATCH_ROUNDS, Identify, Lookups
from flickrsync.index import Index
from flickrsync.library import make_root
from flickrsync.localfs import ScanConfig
from flickrsync.lock import HeldLock
from flickrsync.matcher import (
    MatchOptions,
    MatchResult,
)
from flickrsync.models import (
    DOWNLOAD_MODES,
    UPLOAD_MODES,
    Account,
    Action,
    ContentId,
    Download,
    FailedItem,
    LocalFile,
    LocalPath,
    LocalPicture,
    Nsid,
    OnEdit,
    PhotoId,
    Plan,
    RemotePhoto,
    RemoteSet,
    Replace,
    ScanIssue,
    ScanReport,
    SyncMode,
    Upload,
)
from flickrsync.photosets import PhotosetPlanOptions, SetMemory, photoset_step, plan_photosets
from flickrsync.planner import (
    LibraryState,
    PlanOptions,
    UploadSource,
    plan_sync,
    summarize,
    upload_sources,
    with_actions,
    withhold,
)
from flickrsync.preview import preview_after_transfers, uploaded_photo
from flickrsync.progress import ProgressSink, Tally
from flickrsync.runstate import (
    COUNT_OFFSET,
    LAST_MODE,
    REPLACE_REFUSED,
    RemoteListing,
    indexed_state,
    list_remote,
    photoset_options,
    store_listing,
)

log = logging.getLogger("flickrsync.sync")


@dataclass(frozen=True, slots=True)
class RunOptions:
    """One run's choices (command and options)."""

    mode: SyncMode = "sync"
    dry_run: bool = False
    transfers: int = 4
    #: Look-ups at once while matching, and photoset member lists at once while listing.
    checkers: int = 8
    date_match: bool = True
    force: bool = False
    full: bool = False
    photosets: bool = True
    prune: bool = False
    #: ``flickrsync photosets``: only the photoset step, no transfers.
    only_photosets: bool = False
    #: What to do with an edited picture (``--on-edit``; None: config.ini's ``on_edit``).
    on_edit: OnEdit | None = None
    #: ``--restore``: bring back what was deleted on the other side; the photo ids and absolute
    #: paths given with it (none: everything).
    restore: bool = False
    restore_targets: tuple[str, ...] = ()

    @property
    def sets_step(self) -> bool:
        return self.only_photosets or (self.photosets and self.mode != "download")

    @property
    def uploads(self) -> bool:
        """The run uploads (and tags matched photos): ``sync`` and ``sync2``."""
        return self.mode in UPLOAD_MODES and not self.only_photosets

    @property
    def downloads(self) -> bool:
        """The run downloads: ``sync2`` and ``download``."""
        return self.mode in DOWNLOAD_MODES and not self.only_photosets


@dataclass
class Prepared:
    """Everything ``execute`` needs, and what a dry run shows."""

    account: Account
    plan: Plan
    #: The photoset step as it will look after the transfers (stand-in ids for new photos).
    set_preview: Plan | None
    scan: ScanReport | None
    listing: RemoteListing
    notes: list[str] = field(default_factory=list)
    #: How the pictures were matched with the photos (what ``-v`` shows per file), and where each
    #: picture is (its first path).
    match: MatchResult | None = None
    paths: dict[ContentId, LocalPath] = field(default_factory=dict)
    #: Edits and deletions on either side since the last sync, and what the run does about them.
    changes: Changes | None = None
    settled: Settled | None = None
    #: The two indexes as the plan saw them (a plan file shows paths and titles from them).
    pictures: dict[ContentId, LocalPicture] = field(default_factory=dict)
    photos: dict[PhotoId, RemotePhoto] = field(default_factory=dict)
    lookups: Lookups = field(default_factory=Lookups)


@dataclass
class RunReport:
    """The result of one profile's run, for the CLI to print."""

    profile: str
    mode: str
    dry_run: bool
    prepared: Prepared | None
    outcome: Outcome | None
    api_calls: int
    elapsed: float
    #: The user answered no to "go ahead?": nothing was done.
    stopped: bool = False
    #: Seconds the run's calls waited for the API budget (all threads together).
    budget_wait: float = 0.0

    @property
    def failed(self) -> list[FailedItem]:
        items = list(self.prepared.plan.failed) if self.prepared else []
        if self.outcome is not None:
            items.extend(self.outcome.failed)
        return items

    @property
    def exit_code(self) -> int:
        if self.prepared is not None and self.prepared.plan.refusal is not None:
            return 2
        return 1 if self.failed else 0


class Engine:
    """One profile's run."""

    def __init__(
        self,
        settings: Settings,
        client: FlickrClient,
        index: Index,
        options: RunOptions,
        *,
        progress: ProgressSink | None = None,
        lock: HeldLock | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client
        self.index = index
        self.options = options
        self.config = ScanConfig.from_settings(settings)
        #: What the run has done so far, phase by phase (the CLI draws it).
        self.tally = Tally(progress)
        self.lock = lock
        self.clock = clock
        if client.token is None:
            raise UsageError(f"profile [{settings.profile}] has no token")
        self.account = client.token.account
        self.nsid: Nsid = self.account.nsid
        self.executor = Executor(
            client,
            index,
            self.nsid,
            self.config,
            transfers=options.transfers,
            progress=self.tally,
            heartbeat=lock.heartbeat if lock is not None else None,
            scratch=settings.home,
            uploading=lock.uploading if lock is not None else None,
        )
        match_options = MatchOptions(
            date_match=options.date_match,
            check_flickr_copies=options.mode != "sync",
            # The matcher's default is for 64-bit hashes; fingerprint.perceptual_hash makes 256-bit
            # ones, whose measured same-picture bound is PHASH_MATCH_DISTANCE.
            phash_threshold=PHASH_MATCH_DISTANCE,
        )
        #: Answers the matcher's needs (and knows which look-ups failed for now).
        self.identify = Identify(
            client,
            index,
            self.nsid,
            self.config,
            match_options,
            checkers=options.checkers,
            tally=self.tally,
        )
        #: The user's lists (``flickrsync ignore``, ``identify``), read when the run prepares.
        self.choices = userlists.Choices()
        self.folders = FolderSettings(settings.pictures, settings.folders)
        #: Paths this run's scan found gone, still in the index until the run may go on.
        self._vanished: set[tuple[str, str]] = set()
        #: The library and what changed in it, as last reconciled (the pairs are written from it).
        self._reconciled: tuple[list[LocalPicture], list[RemotePhoto], Changes] | None = None

    # === prepare =============================================================================

    def prepare(self) -> Prepared:
        """Settle the journal, scan the library, list Flickr, match, plan. Builds the run's
        long-lived data (:func:`flickrsync.heap.building`)."""
        with heap.building():
            try:
                prepared = self._prepare()
            except BaseException:
                self.identify.close(keep=False)
                raise
            self.identify.close()
            return prepared

    def _prepare(self) -> Prepared:
        opts = self.options
        self.index.upsert_account(self.account)
        notes: list[str] = []
        if not opts.dry_run:
            found, missing = self.executor.resolve_uploads(
                previous_alive=self.lock.previous_alive if self.lock is not None else None,
                previous_uploading=self.lock.previous_uploading if self.lock is not None else True,
                settle_seconds=self.settings.upload_settle_seconds,
            )
            if found or missing:
                notes.append(
                    f"settled {found + missing} uploads an earlier run left unfinished "
                    f"({found} had reached Flickr, {missing} had not)"
                )
            completed, abandoned = self.executor.resolve_downloads()
            if completed or abandoned:
                notes.append(f"settled {completed + abandoned} downloads an earlier run left unfinished")

        root = self.settings.directory
        if opts.mode != "sync" and not root.exists() and opts.force:
            try:
                make_root(root)
            except LocalFileError as exc:
                raise UsageError(str(exc)) from None
        localfs.check_roots(self.config)

        state = self.index.sync_state(self.nsid)
        # One second back: whether min_date is inclusive is not documented (REFERENCE §4.3), and a
        # change made in the same second as the newest one seen must not be missed.
        since = None if opts.full or state.last_update is None else max(0, state.last_update - 1)
        known = {s.id: (s.date_update, s.photos + s.videos) for s in self.index.photosets(self.nsid)}
        memberships = self.index.photoset_memberships(self.nsid)
        known = {sid: v for sid, v in known.items() if sid in memberships or v[1] == 0}
        want_sets = opts.sets_step or opts.mode != "sync"
        workers = max(1, opts.checkers)
        known_ids = frozenset(self.index.remote_photo_ids(self.nsid)) if since is not None else frozenset()
        offset = int(self.index.get_meta(COUNT_OFFSET + self.nsid) or 0)
        listing_future = in_background(
            lambda: list_remote(
                self.client,
                since=since,
                want_sets=want_sets,
                known_sets=known,
                workers=workers,
                known_ids=known_ids,
                count_offset=offset,
                tally=self.tally,
            )
        )
        previously = self.index.file_count()
        try:
            self.tally.start("scan", None)
            scan = scanner.scan_library(self.index, self.config, progress=self.tally.scan, keep_vanished=True)
            self.tally.stop("scan")
        finally:
            listing = listing_future.result() if listing_future.exception() is None else None
        if listing is None:
            error = listing_future.exception()
            assert error is not None
            raise error
        self._vanished = {(p.root, p.relpath) for p in scan.vanished}
        if listing.whole_account:
            # The looks matching will ask for are decoded in a pool while this thread stores
            # the listing and matches.
            self.identify.decode_ahead(listing.photos)
        stored = self._store_listing(listing, state.last_update)
        heap.collect()  # the listing's pages, dead now (see flickrsync.heap)
        if listing.relisted:
            notes.append(listing.relisted)
        if not listing.complete:
            notes.append("Flickr's listing was incomplete: " + "; ".join(listing.problems[:3]))
        for problem in listing.failed_sets:
            notes.append(f"could not list the photos of photoset {problem}")

        self.choices = userlists.load(self.settings, self.index)
        self.identify.identified = {i.photo_id: i.content_id for i in self.choices.identified}
        self.identify.different = self.choices.different_pairs
        local, problems, remote, sets = self._state(stored)
        changes = self._reconcile(local, remote)
        match = changes.match
        notes.extend(f"photo {doubt.photo_id} {doubt.reason}" for doubt in match.doubts)
        settled = settle(changes, local, self._change_options())
        notes.extend(settled.notes)
        library = LibraryState(
            root_exists=True,
            previously_indexed=previously,
            vanished=scan.removed,
            deleted_locally=settled.counts.deleted_locally,
        )
        plan = self._plan_transfers(settled, local, problems, remote, sets, library, listing, scan.issues)
        if plan.refusal is None and scan.vanished:
            # The run may go on: the files found gone leave the index now (a refused run keeps
            # them, so the next run finds them gone again and stops again).
            scanner.forget_vanished(self.index, scan.vanished)
            self._vanished = set()
        set_preview = None
        if opts.sets_step and plan.refusal is None:
            after_local, after_remote, after_match = preview_after_transfers(plan, local, remote, match)
            set_local, set_match = self._taking_part(after_local, after_match)
            set_preview = plan_photosets(
                set_local,
                after_remote,
                set_match,
                sets,
                self._set_options(),
                memory=self._set_memory(),
                pools_done=self._pools_done(),
                mode=opts.mode,
            )
        paths = {p.content_id: p.paths[0] for p in local if p.paths}
        return Prepared(
            self.account,
            plan,
            set_preview,
            scan,
            listing,
            notes,
            match,
            paths,
            changes,
            settled,
            lookups=self.identify.lookups,
            pictures={p.content_id: p for p in local},
            photos={r.id: r for r in remote},
        )

    def _store_listing(self, listing: RemoteListing, watermark: int | None) -> list[RemotePhoto] | None:
        return store_listing(self.index, self.nsid, listing, watermark, now=int(self.clock()))

    def _state(
        self, stored: list[RemotePhoto] | None = None
    ) -> tuple[list[LocalPicture], list[LocalFile], list[RemotePhoto], list[RemoteSet]]:
        """The state as the index holds it (``stored``: the account's photos, as
        :func:`store_listing` returned them right before)."""
        local, problems, remote, sets = indexed_state(self.index, self.nsid, self._vanished, stored=stored)
        if self.folders.any("resize"):
            local = [self._with_upload_size(p) for p in local]
        return local, problems, remote, sets

    def _with_upload_size(self, picture: LocalPicture) -> LocalPicture:
        """The picture with the size of the copy its upload sends under ``resize`` (what Flickr
        holds as the original of such an upload: the matcher must know it)."""
        source = uploadable_path(picture, self.folders, self.choices.paths)
        size = upload_size(picture, resize_for(picture, source[1])) if source is not None else None
        return picture if size is None else replace(picture, resized=size)

    def _set_options(self) -> PhotosetPlanOptions:
        return photoset_options(self.settings, self.index, prune=self.options.prune)

    def _set_memory(self) -> SetMemory:
        links, placed = self.index.photoset_memory(self.nsid)
        return SetMemory(links, placed)

    def _pools_done(self) -> set[tuple[PhotoId, Nsid]]:
        done: set[tuple[PhotoId, Nsid]] = set()
        for _pattern, group in self.settings.groups:
            done |= {(pid, group) for pid in self.index.pool_photos(self.nsid, group)}
        return done

    # -- matching, with the evidence it asks for ----------------------------------------------

    def _taking_part(
        self, local: list[LocalPicture], match: MatchResult
    ) -> tuple[list[LocalPicture], MatchResult]:
        choices = self.choices
        return taking_part(local, match, self.folders, choices.pictures, choices.paths)

    def _reconcile(self, local: list[LocalPicture], remote: list[RemotePhoto]) -> Changes:
        """Match, then compare with the synced pairs (:mod:`flickrsync.changes`), answering what
        each asks for (:mod:`flickrsync.identify`); remembered for the pairs written at the end
        of the run."""
        # Photos the user ignores take no part in matching: to this run they are not on Flickr
        # (never matched, tagged or downloaded).
        ignored = self.choices.photos
        match = self.identify.match(local, [r for r in remote if r.id not in ignored] if ignored else remote)
        pairs = self.index.synced_pairs(self.nsid)
        evidence = self.identify.evidence()
        by_id = {p.id: p for p in remote}
        try:
            for _round in range(MAX_MATCH_ROUNDS):
                changes = find_changes(match, local, remote, pairs, evidence, threshold=PHASH_MATCH_DISTANCE)
                if changes.complete:
                    self._reconciled = (local, remote, changes)
                    return changes
                evidence = evidence.merged(self.identify.gather(changes.needs, by_id))
        finally:
            self.tally.stop("identify")
        raise FlickrsyncError("matching did not settle after several rounds; please report this")

    def _change_options(self) -> ChangeOptions:
        opts = self.options
        refused = bool(self.index.get_meta(REPLACE_REFUSED + self.nsid))
        return ChangeOptions(
            on_edit=opts.on_edit or self.settings.on_edit,
            replace_allowed=not refused,
            uploads=opts.uploads,
            downloads=opts.downloads,
            restore=opts.restore,
            restore_targets=opts.restore_targets,
        )

    # -- planning ----------------------------------------------------------------------------

    def _plan_options(self, settled: Settled | None = None) -> PlanOptions:
        return PlanOptions(
            mode=self.options.mode,
            root=str(self.settings.directory),
            pictures=self.settings.pictures,
            folders=self.settings.folders,
            ignored=self.choices.pictures,
            ignored_paths=self.choices.paths,
            download_folder=self.settings.download_folder,
            force=self.options.force,
            photosets=self._set_options(),
            restore_paths=settled.restored_paths if settled is not None else {},
            restore_uploads=settled.restored_uploads if settled is not None else frozenset(),
        )

    def _plan_transfers(  # noqa: PLR0917 - the planner's inputs, each once
        self,
        settled: Settled,
        local: list[LocalPicture],
        problems: list[LocalFile],
        remote: list[RemotePhoto],
        sets: list[RemoteSet],
        library: LibraryState,
        listing: RemoteListing,
        issues: Sequence[ScanIssue],
    ) -> Plan:
        opts = self.options
        if opts.only_photosets:
            return Plan(mode=opts.mode, summary=summarize(()))
        match = settled.match
        plan_options = self._plan_options(settled)
        pictures = {p.content_id: p for p in local}
        sources = upload_sources(match, pictures, plan_options) if opts.uploads else None
        metadata = self._metadata(sources, pictures) if sources is not None else {}
        memory = self._set_memory()
        tags_full = self.index.tags_full(self.nsid)

        def planned(options: PlanOptions) -> Plan:
            return plan_sync(
                match,
                local,
                remote,
                options,
                sets=sets,
                problems=problems,
                library=library,
                set_memory=memory,
                metadata=metadata,
                tags_full=tags_full,
                issues=issues,
                sources=sources,
            )

        plan = planned(plan_options)
        if (plan.uploads or settled.actions) and not opts.dry_run:
            limits = self.client.upload_limits(
                held=len(remote), held_nonpublic=sum(1 for r in remote if not r.is_public)
            )
            if limits.is_pro and self.index.get_meta(REPLACE_REFUSED + self.nsid):
                self.index.set_meta(REPLACE_REFUSED + self.nsid, "")  # Pro now: replace again
            plan = planned(replace(plan_options, limits=limits))
        for upload in plan.uploads:
            for warning in upload.warnings:
                log.warning("%s: %s", _where(upload.path.root, upload.path.relpath), warning)
        plan = with_actions(plan, self._chosen(settled.actions, local), settled.counts)
        return self._hold_back(plan, listing)

    def _chosen(self, actions: Sequence[Action], local: list[LocalPicture]) -> list[Action]:
        """The changes' actions as the user chose: no replace by an ignored picture or from an
        ignored folder, and a replace resized as an upload from its folder would be."""
        pictures = {p.content_id: p for p in local}
        chosen: list[Action] = []
        for action in actions:
            if not isinstance(action, Replace):
                chosen.append(action)
                continue
            picture = pictures.get(action.content_id)
            if action.content_id in self.choices.pictures or picture is None:
                continue
            if not left_out(action.path, self.folders, self.choices.paths):
                resize = resize_for(picture, self.folders(action.path.folder))
                chosen.append(replace(action, resize=resize))
        return chosen

    def _metadata(
        self, sources: Mapping[ContentId, UploadSource], pictures: Mapping[ContentId, LocalPicture]
    ) -> dict[LocalPath, PictureMeta]:
        """What the files about to be uploaded (``sources``: :func:`upload_sources`) say about
        themselves (and their sidecars): read only for those, so a run with nothing to upload
        reads nothing more."""
        paths = [path for cid, (path, _settings) in sources.items() if pictures[cid].media == "photo"]
        return scanner.file_metadata(self.index, paths) if paths else {}

    def _hold_back(self, plan: Plan, listing: RemoteListing) -> Plan:
        """Leave out what this run cannot decide safely: uploads when Flickr's listing was
        incomplete (they may be there), and pictures/photos whose look-up failed for now."""
        held: dict[Action, FailedItem] = {}
        for action in plan.actions:
            if isinstance(action, Upload) and not listing.complete:
                held[action] = FailedItem(
                    _where(action.path.root, action.path.relpath),
                    "not uploaded: Flickr's listing was incomplete, it may be there already; run again",
                    action.content_id,
                )
            elif (
                isinstance(action, Upload)
                and action.content_id in self.identify.unsure_pictures
                and self.identify.unsure_photos
            ):
                held[action] = FailedItem(
                    _where(action.path.root, action.path.relpath),
                    "not decided: a Flickr photo it may be could not be fetched "
                    f"({self.identify.errors[0]}); run again",
                    action.content_id,
                )
            elif isinstance(action, Download) and action.photo_id in self.identify.unsure_photos:
                held[action] = FailedItem(
                    f"photo {action.photo_id}",
                    "not decided: its small rendition could not be fetched; run again",
                )
        return withhold(plan, held)

    # === execute =============================================================================

    def execute(self, prepared: Prepared) -> Outcome:
        opts = self.options
        plan = prepared.plan
        remote_by_id = {p.id: p for p in self.index.remote_photos(self.nsid)}
        outcome = self.executor.run_transfers(plan.file_actions, remote_by_id)
        if outcome.uploaded or outcome.linked_records:
            self._remember_uploads(plan, outcome)
        if outcome.replace_refused:
            self.index.set_meta(REPLACE_REFUSED + self.nsid, str(int(self.clock())))
        if outcome.uploaded or outcome.linked or outcome.downloaded or outcome.replaced:
            self._reconciled = None  # the library and the account moved: reconciled again
        if opts.sets_step and outcome.aborted is None:
            local, _problems, remote, sets = self._state()
            set_local, set_match = self._taking_part(local, self._reconcile(local, remote).match)
            step = photoset_step(
                set_local,
                remote,
                set_match,
                sets,
                self._set_options(),
                memory=self._set_memory(),
                pools_done=self._pools_done(),
                mode=opts.mode,
            )
            set_plan = step.plan
            self.executor.run_set_actions(set_plan.set_actions, outcome)
            # Which folder each set stands for here, and which of its photos this library holds
            # there: the next run moves a photo out of a set only if it was placed here.
            self.index.remember_photosets(
                self.nsid, [(link.photoset_id, link.folder, link.placed) for link in step.remember]
            )
            if set_plan.set_actions:
                # Our changes moved the sets' date_update: store the new values, so the next run
                # does not fetch their members again.
                try:
                    self.index.replace_photosets(self.nsid, self.client.photosets())
                except FlickrsyncError as exc:
                    log.info("could not refresh the list of photosets: %s", exc)
        return outcome

    def finish(self, report: RunReport) -> None:
        """Remember when a run finished without errors (``status``'s "last sync"), whether it had
        anything to do or not. A dry run, a run stopped at the question, a refusal and a run with
        failed items do not count."""
        if report.dry_run or report.stopped or report.prepared is None or report.prepared.plan.refusal:
            return
        self._remember_pairs()
        if not self.options.only_photosets:
            self.index.set_meta(LAST_MODE + self.nsid, self.options.mode)
        if report.exit_code != 0:
            return
        if report.outcome is not None and report.outcome.aborted is not None:
            return
        self.index.update_sync_state(self.nsid, synced_at=int(self.clock()))

    def _remember_pairs(self) -> None:
        """Write the synced pairs (:func:`flickrsync.changes.pair_updates`) from the library and
        the account as this run leaves them."""
        if self.options.only_photosets:
            return
        if self._reconciled is None:
            try:
                local, _problems, remote, _sets = self._state()
                self._reconcile(local, remote)
            except FlickrsyncError as exc:
                log.info("synced pairs not updated this run: %s", exc)
                return
        assert self._reconciled is not None
        local, remote, changes = self._reconciled
        upserts, forget = pair_updates(
            changes.match, local, {p.id for p in remote}, self.index.synced_pairs(self.nsid)
        )
        if upserts or forget:
            self.index.record_synced(self.nsid, upserts, forget, now=self.clock())

    def _remember_uploads(self, plan: Plan, outcome: Outcome) -> None:
        """The new photos as the remote index will list them (the next listing brings Flickr's
        own record: its ``lastupdate`` is after this run's watermark), and the photos uploads
        were linked to instead (as Flickr described them)."""
        pictures = {p.content_id: p for p in self.index.pictures(content_ids=list(outcome.uploaded))}
        records = []
        for action in plan.uploads:
            pid = outcome.uploaded.get(action.content_id)
            picture = pictures.get(action.content_id)
            if pid is not None and picture is not None:
                records.append(uploaded_photo(action, pid, picture))
        self.index.upsert_remote_photos(self.nsid, [*records, *outcome.linked_records])


def _where(root: str, relpath: str) -> str:
    return os.path.join(root, relpath)
