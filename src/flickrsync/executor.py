"""Carries out a plan: the only module that runs threads (but for the review page's HTTP server,
whose request threads touch no index: see :mod:`flickrsync.review.server`).

Transfers (uploads, downloads, tag additions) run in a pool of ``transfers`` threads; look-ups
the matcher asks for (small renditions, originals of look-alikes) and album members in a pool of
``checkers`` threads of its own (:func:`map_concurrently`), like rclone's ``--checkers``. The main
thread owns the SQLite index: it commits each upload's intent before the upload starts and its
photo id as soon as it is known, records downloads once their files are in place, and updates
the photoset tables after each set change. Workers only talk to Flickr and write the new files
(through :mod:`flickrsync.library`, the one writer of the pictures tree).

Only a bounded number of items is in flight at once, so a crash leaves at most that many
intents to resolve (each costs a search on the next run), not the whole plan.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor as Pool
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from flickrsync import downloads, library, localfs, resizing, scanner
from flickrsync.client import FlickrClient
from flickrsync.errors import (
    FlickrsyncError,
    LocalFileError,
    MediaError,
    OutcomeUnknownError,
    RemoteError,
)
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.lookups import SMALL_LIMIT, original_content_id
from flickrsync.matcher.keys import OUR_TAG_PREFIX
from flickrsync.models import (
    AddTags,
    AddToGroup,
    AddToSet,
    ContentId,
    CreateSet,
    DeleteSet,
    Download,
    EditSetMeta,
    EditSetPhotos,
    FailedItem,
    FileAction,
    FileStat,
    LocalPath,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    RemotePhoto,
    RemoveFromSet,
    Replace,
    Replaced,
    SetAction,
    SetDateTaken,
    Upload,
    UploadIntent,
    content_tag,
)
from flickrsync.redact import redact
from flickrsync.retry import fatal_reason
from flickrsync.tags import clean_tag
from flickrsync.uploading import Landed, move_machine_tag, upload_picture
from flickrsync.workpool import Completions

log = logging.getLogger("flickrsync.executor")

T = TypeVar("T")
R = TypeVar("R")


class Progress(Protocol):
    """What the executor reports while it works (the CLI draws bars from it)."""

    def start(self, label: str, items: int, nbytes: int) -> None: ...

    def advance(self, label: str, items: int, nbytes: int) -> None: ...

    def stop(self, label: str) -> None: ...


class NoProgress:
    def start(self, label: str, items: int, nbytes: int) -> None:
        pass

    def advance(self, label: str, items: int, nbytes: int) -> None:
        pass

    def stop(self, label: str) -> None:
        pass


@dataclass
class Outcome:
    """What a run did."""

    uploaded: dict[ContentId, PhotoId] = field(default_factory=dict)
    #: Uploads Flickr refused as copies of a photo that holds the picture: linked to it instead.
    linked: dict[ContentId, PhotoId] = field(default_factory=dict)
    #: Those photos, as Flickr describes them (for the remote index).
    linked_records: list[RemotePhoto] = field(default_factory=list)
    downloaded: dict[PhotoId, LocalPath] = field(default_factory=dict)
    tagged: list[PhotoId] = field(default_factory=list)
    set_calls: int = 0
    set_actions: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    failed: list[FailedItem] = field(default_factory=list)
    #: Set when the run stopped early (token revoked, disk full): why.
    aborted: str | None = None
    #: Uploads whose outcome is unknown (left in the journal for the next run).
    unresolved: int = 0
    #: Photos replaced by an edited version: photo id -> the new content id.
    replaced: dict[PhotoId, ContentId] = field(default_factory=dict)
    #: Videos whose date taken was set apart from an upload.
    dated: list[PhotoId] = field(default_factory=list)
    #: Flickr refused to replace a photo of this account (code 1, not a Pro account).
    replace_refused: bool = False
    #: Things the user should know that are not failures (one line each).
    notes: list[str] = field(default_factory=list)

    def fail(self, item: str, reason: str, content_id: ContentId | None = None) -> None:
        self.failed.append(FailedItem(item, reason, content_id))


def in_background(fn: Callable[[], T], name: str = "listing") -> Future[T]:
    """Run ``fn`` in a thread of its own (the remote listing while the scan runs); ``name``: the
    thread's, in the debug log."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    future = pool.submit(fn)
    pool.shutdown(wait=False)
    return future


def map_concurrently(
    fn: Callable[[T], R], items: Iterable[T], workers: int
) -> Iterator[tuple[T, R | None, BaseException | None]]:
    """``fn`` over ``items`` in a thread pool; yields ``(item, result, error)`` as they finish,
    in the calling thread (which may then write the index). At most ``2 * workers`` items are
    in flight: ``items`` is read as the work goes on."""
    workers = max(1, workers)
    source = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:
        running: Completions[R] = Completions()
        owner: dict[Future[R], T] = {}

        def top_up() -> None:
            for item in itertools.islice(source, 2 * workers - running.pending):
                owner[running.add(pool.submit(fn, item))] = item

        top_up()
        while (future := running.next()) is not None:
            item = owner.pop(future)
            top_up()
            error = future.exception()
            yield item, (None if error is not None else future.result()), error


def _why(exc: BaseException) -> str:
    if isinstance(exc, LocalFileError):
        return exc.reason + (f" ({exc.hint})" if exc.hint else "")
    if isinstance(exc, FlickrsyncError):
        return str(exc)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return redact(f"{type(exc).__name__}: {exc}")


# --- the look-ups the matcher asks for -------------------------------------------------------


#: Fetched renditions are hashed in the scanner's pool in batches of this many.
RENDITION_BATCH = 32

K = TypeVar("K")


def rendition_phashes(
    client: FlickrClient,
    items: Sequence[tuple[K, str]],
    checkers: int,
    pool: Pool | None,
    *,
    stop: threading.Event | None = None,
    fetched: Callable[[], None] = lambda: None,
) -> list[tuple[K, str | None, BaseException | None]]:
    """The perceptual hash of each ``(key, url)`` small rendition: fetched into memory (never to
    disk) on ``checkers`` threads, hashed in ``pool`` (the scanner's processes: hashing in the
    fetch threads would put the decodes on this process's one interpreter) or here when there
    is none. ``(key, phash, None)``, or ``(key, None, error)``: the fetch's error, or a
    :class:`MediaError` when the rendition cannot be decoded. ``fetched`` is called after each
    fetch; the work ends early (the rest left out) when ``stop`` is set."""
    found: list[tuple[K, str | None, BaseException | None]] = []
    batch: list[tuple[K, bytes]] = []
    hashing: list[tuple[list[K], Future[list[tuple[str | None, str | None]]]]] = []

    def hash_batch() -> None:
        datas = [data for _key, data in batch]
        if pool is None:
            done: Future[list[tuple[str | None, str | None]]] = Future()
            done.set_result(localfs.hash_renditions(datas))
        else:
            done = pool.submit(localfs.hash_renditions, datas)
        hashing.append(([key for key, _data in batch], done))
        batch.clear()

    for (key, _url), data, error in map_concurrently(
        lambda item: client.fetch_bytes(item[1], limit=SMALL_LIMIT), items, checkers
    ):
        fetched()
        if data is None:
            found.append((key, None, error))
        else:
            batch.append((key, data))
            if len(batch) >= RENDITION_BATCH:
                hash_batch()
        if stop is not None and stop.is_set():
            break
    if batch:
        hash_batch()
    for keys, done in hashing:
        for key, (phash, reason) in zip(keys, done.result(), strict=True):
            found.append((key, phash, None if reason is None else MediaError(reason)))
    return found


# --- transfers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    action: FileAction
    intent: int | None = None
    stat: FileStat | None = None
    #: A download's temporary name (relative to its root), as the journal holds it.
    temp: str = ""


class Executor:
    """Runs one profile's plan against its client and index."""

    def __init__(
        self,
        client: FlickrClient,
        index: Index,
        nsid: Nsid,
        config: ScanConfig,
        *,
        transfers: int = 4,
        progress: Progress | None = None,
        heartbeat: Callable[[], None] | None = None,
        scratch: Path | None = None,
        uploading: Callable[[bool], None] | None = None,
    ) -> None:
        self.client = client
        self.index = index
        self.nsid = nsid
        self.config = config
        self.transfers = max(1, transfers)
        self.progress: Progress = progress or NoProgress()
        #: Called often while transfers run: the run's sign of life (see lock.HeldLock).
        self.heartbeat = heartbeat or (lambda: None)
        #: Where the smaller copies of resized uploads are made (the home dir; never the library).
        self.scratch = scratch
        #: Told when uploads start and stop being under way (see lock.HeldLock.uploading).
        self.uploading = uploading or (lambda _active: None)
        self._remote: Mapping[PhotoId, RemotePhoto] = {}

    # -- crash recovery ----------------------------------------------------------------------

    def resolve_uploads(
        self,
        *,
        previous_alive: float | None = None,
        previous_uploading: bool = True,
        settle_seconds: float = 0.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> tuple[int, int]:
        """Settle the uploads a previous run started but never saw finish: search Flickr for the
        picture's machine tag; found → linked (not uploaded again), not found → closed, so the
        planner uploads it again. Returns (found, not found).

        An upload whose request had reached Flickr when its run died may still be being stored:
        when the previous run (``previous_alive``: its last sign of life, None when it ended
        normally) was alive less than ``settle_seconds`` ago, a picture not found is looked for
        again once that time has passed, before it is given up as not stored. When that run was
        uploading (``previous_uploading``, from its lock file) but this index knows none of its
        uploads — it was deleted or replaced — the wait is the same, before anything is listed or
        sent: only the lock file remembers that uploads may still land."""
        found = missing = 0
        waiting = []
        intents = self.index.open_uploads(self.nsid)
        for intent in intents:
            if self._settle(intent):
                found += 1
            else:
                waiting.append(intent)
        forgotten = previous_uploading and not intents
        if (waiting or forgotten) and previous_alive is not None:
            remaining = previous_alive + settle_seconds - clock()
            if remaining > 0:
                if waiting:
                    log.warning(
                        "%d uploads were under way when the previous run stopped: waiting %.0f s for "
                        "Flickr to finish storing them before sending them again",
                        len(waiting),
                        remaining,
                    )
                else:
                    log.warning(
                        "the previous run stopped %.0f s ago while uploading, and the index knows none of "
                        "its uploads (was it deleted?): waiting %.0f s for Flickr to finish storing them "
                        "before anything is sent again",
                        clock() - previous_alive,
                        remaining,
                    )
                sleep(remaining)
                still = []
                for intent in waiting:
                    if self._settle(intent):
                        found += 1
                    else:
                        still.append(intent)
                waiting = still
        for intent in waiting:
            self.index.fail_upload(intent.id, "interrupted before Flickr stored it; uploaded again")
            missing += 1
        return found, missing

    def _settle(self, intent: UploadIntent) -> bool:
        photos = self.client.find_by_machine_tag(
            content_tag(intent.content_id), uploaded_since=intent.started_at
        )
        if not photos:
            return False
        first = sorted(photos, key=lambda p: (len(p.id), p.id))[0]
        self.index.upsert_remote_photos(self.nsid, photos)
        self.index.finish_upload(intent.id, first.id)
        log.info("upload of %s had reached Flickr: photo %s", intent.path.relpath, first.id)
        return True

    def resolve_downloads(self) -> tuple[int, int]:
        """Settle downloads a previous run started: a file it had placed is indexed (files are
        only ever placed whole, after their check); an incomplete temporary file is removed
        (:func:`flickrsync.library.recover`). Returns (completed, abandoned)."""
        completed = abandoned = 0
        for intent in self.index.open_downloads(self.nsid):
            if intent.content_id is not None or intent.error is not None:
                # Recorded, then killed before its temporary name was removed: only that is left
                # (never recovered again: the temporary name may be gone and ``path`` another file).
                library.release(intent.path.root, intent.temp_relpath)
                self.index.close_download(intent.id)
                continue
            placed = library.recover(intent.path, intent.temp_relpath)
            if placed is not None:
                records = scanner.index_files(self.index, [placed])
                fp = records[0].fingerprint if records else None
                if fp is not None:
                    self.index.finish_download(intent.id, fp.content_id)
                    library.release(intent.path.root, intent.temp_relpath)
                    self.index.close_download(intent.id)
                    completed += 1
                    continue
            self.index.fail_download(intent.id, "interrupted; downloaded again if still needed")
            library.release(intent.path.root, intent.temp_relpath)
            self.index.close_download(intent.id)
            abandoned += 1
        return completed, abandoned

    # -- transfers ---------------------------------------------------------------------------

    def run_transfers(self, actions: Sequence[FileAction], remote: Mapping[PhotoId, RemotePhoto]) -> Outcome:
        """Upload, replace, download, tag and date, ``transfers`` at a time; never raises for one
        item."""
        outcome = Outcome()
        self._remote = remote
        uploads = [a for a in actions if isinstance(a, Upload)]
        downloads = [a for a in actions if isinstance(a, Download)]
        small = [a for a in actions if isinstance(a, AddTags | SetDateTaken)]
        replaces = [a for a in actions if isinstance(a, Replace)]
        queue: list[FileAction] = [*small, *replaces, *uploads, *downloads]
        if not queue:
            return outcome
        total_bytes = sum(a.size for a in uploads) + sum(a.size for a in replaces)
        self.progress.start("transfers", len(queue), total_bytes)
        limit = self.transfers * 2
        running: Completions[object] = Completions()
        in_flight: dict[Future[object], _Job] = {}
        uploads_in_flight = 0
        position = 0
        with ThreadPoolExecutor(max_workers=self.transfers, thread_name_prefix="transfer") as pool:
            while position < len(queue) or in_flight:
                while position < len(queue) and len(in_flight) < limit and outcome.aborted is None:
                    action = queue[position]
                    position += 1
                    job = self._prepare(action, outcome)
                    if job is not None:
                        if isinstance(action, Upload):
                            uploads_in_flight += 1
                            if uploads_in_flight == 1:
                                self.uploading(True)
                        in_flight[running.add(pool.submit(self._work, job, remote))] = job
                if outcome.aborted is not None and position < len(queue):
                    for action in queue[position:]:
                        outcome.fail(_label(action), f"not attempted: {outcome.aborted}", _cid(action))
                    position = len(queue)
                if not in_flight:
                    continue
                # A second at most without a sign of life (the lock's heartbeat).
                future = running.next(timeout=1.0)
                self.heartbeat()
                if future is not None:
                    job = in_flight.pop(future)
                    self._record(job, future, outcome)
                    if isinstance(job.action, Upload) and not isinstance(
                        future.exception(), OutcomeUnknownError
                    ):
                        uploads_in_flight -= 1
                        if uploads_in_flight == 0:
                            self.uploading(False)
        self.progress.stop("transfers")
        return outcome

    def _prepare(self, action: FileAction, outcome: Outcome) -> _Job | None:
        """Main thread, before the work starts: commit the intent."""
        if isinstance(action, Upload | Replace):
            record = self.index.file(action.path)
            if record is None:
                verb = "uploaded" if isinstance(action, Upload) else "replaced"
                outcome.fail(_label(action), f"vanished since the scan; not {verb}", action.content_id)
                self.progress.advance("transfers", 1, action.size)
                return None
            if isinstance(action, Replace):
                return _Job(action, None, record.stat)
            intent = self.index.begin_upload(self.nsid, action.content_id, action.path)
            return _Job(action, intent, record.stat)
        if isinstance(action, Download):
            temp = library.temp_relpath(action.dest)
            intent = self.index.begin_download(self.nsid, action.photo_id, action.dest, temp)
            return _Job(action, intent, temp=temp)
        return _Job(action)

    def _work(self, job: _Job, remote: Mapping[PhotoId, RemotePhoto]) -> object:
        """A worker thread: talk to Flickr, write the new file. No SQL here."""
        action = job.action
        if isinstance(action, Upload):
            assert job.stat is not None
            scratch = self.scratch or Path(self.index.path).parent
            landed = upload_picture(
                self.client,
                action,
                job.stat,
                scratch,
                original_of=lambda photo: original_content_id(self.client, photo, scratch),
            )
            if action.set_date_taken is None or landed.linked:
                return landed, None
            try:
                self.client.set_date_taken(landed.photo_id, action.set_date_taken)
            except FlickrsyncError as exc:  # the upload stands; the next run sets the date
                return landed, exc
            return landed, None
        if isinstance(action, Replace):
            return self._replace(action, job.stat)
        if isinstance(action, Download):
            return downloads.fetch(self.client, action, remote.get(action.photo_id), job.temp)
        if isinstance(action, SetDateTaken):
            self.client.set_date_taken(action.photo_id, action.date_taken)
            return None
        return self.client.add_tags(action.photo_id, action.tags)

    def _replace(self, action: Replace, stat: FileStat | None) -> Replaced:
        """Replace the photo's file, then move its machine tag to the new content id: the old tag
        off first (by its id, from getInfo), then the new one on — so a run killed in between
        leaves a photo without our tag (matched again by the synced pair), never one claiming
        two pictures."""
        with (
            localfs.open_file(action.path, expect=stat) as stream,
            resizing.upload_body(stream, action.path.name, action.size, action.resize, self.scratch) as sent,
        ):
            replaced = self.client.replace(action.photo_id, sent[0], sent[1])
        move_machine_tag(self.client, action.photo_id, action.content_id)
        return replaced

    def _record(self, job: _Job, future: Future[object], outcome: Outcome) -> None:
        """Main thread, after the work: commit the result."""
        action = job.action
        error = future.exception()
        if isinstance(action, Upload):
            assert job.intent is not None
            if error is None:
                result = future.result()
                assert isinstance(result, tuple)
                landed, date_error = result
                assert isinstance(landed, Landed)
                self.index.finish_upload(job.intent, landed.photo_id)
                if landed.linked:
                    outcome.linked[action.content_id] = landed.photo_id
                    if landed.record is not None:
                        outcome.linked_records.append(landed.record)
                else:
                    outcome.uploaded[action.content_id] = landed.photo_id
                    outcome.bytes_sent += landed.sent
                if date_error is not None:
                    outcome.fail(
                        _label(action),
                        f"uploaded as photo {landed.photo_id}, but its date taken could not be set "
                        f"({_why(date_error)}); the next run sets it",
                        action.content_id,
                    )
            elif isinstance(error, OutcomeUnknownError):
                outcome.unresolved += 1
                outcome.fail(
                    _label(action), f"{_why(error)} (checked again on the next run)", action.content_id
                )
            else:
                self.index.fail_upload(job.intent, _why(error))
                outcome.fail(_label(action), _why(error), action.content_id)
            self.progress.advance("transfers", 1, action.size)
        elif isinstance(action, Replace):
            self._record_replace(action, future, outcome)
        elif isinstance(action, SetDateTaken):
            if error is None:
                outcome.dated.append(action.photo_id)
                photo = self._remote.get(action.photo_id)
                if photo is not None:
                    dated = dataclasses.replace(photo, date_taken=action.date_taken, date_taken_unknown=False)
                    self.index.upsert_remote_photos(self.nsid, [dated])
            else:
                outcome.fail(_label(action), _why(error), action.content_id)
            self.progress.advance("transfers", 1, 0)
        elif isinstance(action, Download):
            assert job.intent is not None
            if error is None:
                fetched = future.result()
                assert isinstance(fetched, downloads.Fetched)
                path = fetched.path
                outcome.bytes_received += fetched.size
                if fetched.note is not None:
                    outcome.notes.append(fetched.note)
                records = scanner.index_files(self.index, [path])
                fp = records[0].fingerprint if records else None
                if fp is not None:
                    self.index.finish_download(job.intent, fp.content_id)
                    if fetched.original:
                        # What the photo's original is, now known: a second Flickr copy of the
                        # same picture is then recognised as such instead of being downloaded.
                        photo = self._remote.get(action.photo_id)
                        secret = photo.original_secret if photo is not None else None
                        self.index.set_originals(self.nsid, {action.photo_id: (fp.content_id, secret)})
                    outcome.downloaded[action.photo_id] = path
                    if action.photoset_id is not None:  # this folder is that set's here, from now on
                        self.index.link_photoset(self.nsid, action.photoset_id, path.folder)
                else:
                    why = records[0].problem if records and records[0].problem else "not a usable picture"
                    self.index.fail_download(job.intent, why)
                    outcome.fail(_show(path), f"downloaded from photo {action.photo_id}, but {why}")
                library.release(action.dest.root, job.temp)
            else:
                self.index.fail_download(job.intent, _why(error))
                library.release(action.dest.root, job.temp)
                outcome.fail(_label(action), _why(error))
            self.index.close_download(job.intent)
            self.progress.advance("transfers", 1, 0)
        else:
            if error is None and future.result() is False:
                # As many tags as Flickr allows: remembered, so it is not asked again while the
                # photo is unchanged; the photo is matched by the same evidence each run.
                self.index.set_tags_full(self.nsid, action.photo_id)
                outcome.notes.append(
                    f"photo {action.photo_id} has as many tags as Flickr allows: flickrsync's machine "
                    f"tag cannot be added, so it is recognised on each run by what matched it now "
                    f"({action.reason})"
                )
            elif error is None:
                self.index.add_link(self.nsid, action.photo_id, action.content_id, "machine_tag")
                outcome.tagged.append(action.photo_id)
            else:
                outcome.fail(_label(action), _why(error), action.content_id)
            self.progress.advance("transfers", 1, 0)
        if error is not None:
            log.info("%s failed: %s", _label(action), _why(error))
            outcome.aborted = outcome.aborted or fatal_reason(error)

    def _record_replace(self, action: Replace, future: Future[object], outcome: Outcome) -> None:
        """Main thread: a replace done (the index follows: new tag and secrets, the link), refused
        for the account (kept as it was, said once), or failed."""
        error = future.exception()
        self.progress.advance("transfers", 1, action.size)
        if error is None:
            replaced = future.result()
            assert isinstance(replaced, Replaced)
            outcome.replaced[action.photo_id] = action.content_id
            outcome.bytes_sent += action.size
            photo = self._remote.get(action.photo_id)
            if photo is not None:
                ours = content_tag(action.content_id)
                tags = [t for t in photo.tags if not t.startswith(OUR_TAG_PREFIX)] + [clean_tag(ours)]
                machine = [t for t in photo.machine_tags if not t.startswith(OUR_TAG_PREFIX)] + [ours]
                self.index.upsert_remote_photos(
                    self.nsid,
                    [
                        dataclasses.replace(
                            photo,
                            tags=tuple(tags),
                            machine_tags=tuple(machine),
                            secret=replaced.secret or photo.secret,
                            original_secret=replaced.original_secret,
                            url_o=None,
                            url_small=None,
                        )
                    ],
                )
            self.index.add_link(self.nsid, action.photo_id, action.content_id, "replace")
            return
        if isinstance(error, RemoteError) and error.code == 1 and error.method == "replace":
            if not outcome.replace_refused:
                outcome.notes.append(
                    f"Flickr refused to replace photo {action.photo_id} ({_why(error)}): edits on this "
                    "account are kept as they are on Flickr from now on (on_edit = keep)"
                )
            outcome.replace_refused = True
            return
        if isinstance(error, OutcomeUnknownError):
            outcome.fail(_label(action), f"{_why(error)} (tried again on the next run)", action.content_id)
        else:
            outcome.fail(_label(action), _why(error), action.content_id)
        log.info("%s failed: %s", _label(action), _why(error))
        outcome.aborted = outcome.aborted or fatal_reason(error)

    # -- photosets and groups ----------------------------------------------------------------

    def run_set_actions(self, actions: Sequence[SetAction], outcome: Outcome) -> None:
        """One set change after the other, in plan order (a set's changes depend on each
        other); the index follows each change that Flickr accepted."""
        if not actions:
            return
        self.progress.start("photosets", len(actions), 0)
        members = self.index.photoset_memberships(self.nsid)
        sets = {s.id: s for s in self.index.photosets(self.nsid)}
        for action in actions:
            try:
                self._set_action(action, members, sets, outcome)
                outcome.set_actions += 1
            except FlickrsyncError as exc:
                outcome.fail(_set_label(action), _why(exc))
                reason = fatal_reason(exc)
                if reason is not None:
                    outcome.aborted = reason
                    break
            self.progress.advance("photosets", 1, 0)
            self.heartbeat()
        self.progress.stop("photosets")

    def _set_action(
        self,
        action: SetAction,
        members: dict[PhotosetId, list[PhotoId]],
        sets: dict[PhotosetId, Photoset],
        outcome: Outcome,
    ) -> None:
        c = self.client
        if isinstance(action, CreateSet):
            sid = c.create_photoset_once(action.title, action.primary, action.description)
            outcome.set_calls += 1
            photoset = Photoset(sid, action.title, action.description, action.primary, photos=1)
            self.index.upsert_photoset(self.nsid, photoset)
            self.index.remember_photosets(self.nsid, [(sid, action.folder, frozenset(action.photo_ids))])
            self.index.set_photoset_photos(self.nsid, sid, [action.primary])
            if len(action.photo_ids) > 1:
                c.edit_photoset_photos(sid, action.primary, action.photo_ids)
                outcome.set_calls += 1
            self.index.set_photoset_photos(self.nsid, sid, action.photo_ids)
            members[sid] = list(action.photo_ids)
            sets[sid] = photoset
        elif isinstance(action, AddToSet):
            c.add_to_photoset(action.photoset_id, action.photo_id)
            outcome.set_calls += 1
            now = [*members.get(action.photoset_id, []), action.photo_id]
            members[action.photoset_id] = list(dict.fromkeys(now))
            self.index.set_photoset_photos(self.nsid, action.photoset_id, members[action.photoset_id])
        elif isinstance(action, RemoveFromSet):
            current = members.get(action.photoset_id, [])
            if [p for p in current if p != action.photo_id] == [] and current:
                raise RemoteError(f"photoset {action.title!r}: refusing to remove its last photo")
            c.remove_from_photoset(action.photoset_id, action.photo_id)
            outcome.set_calls += 1
            members[action.photoset_id] = [p for p in current if p != action.photo_id]
            self.index.set_photoset_photos(self.nsid, action.photoset_id, members[action.photoset_id])
        elif isinstance(action, EditSetPhotos):
            c.edit_photoset_photos(action.photoset_id, action.primary, action.photo_ids)
            outcome.set_calls += 1
            members[action.photoset_id] = list(action.photo_ids)
            self.index.set_photoset_photos(self.nsid, action.photoset_id, action.photo_ids)
        elif isinstance(action, EditSetMeta):
            c.edit_photoset_meta(action.photoset_id, action.title, action.description)
            outcome.set_calls += 1
            old = sets.get(action.photoset_id)
            if old is not None:
                renamed = Photoset(
                    old.id, action.title, old.description, old.primary, old.photos, old.videos,
                    old.date_create, old.date_update,
                )  # fmt: skip
                sets[old.id] = renamed
                self.index.upsert_photoset(self.nsid, renamed)
        elif isinstance(action, DeleteSet):
            c.delete_photoset(action.photoset_id)
            outcome.set_calls += 1
            members.pop(action.photoset_id, None)
            self.index.delete_photoset(self.nsid, action.photoset_id)
        elif isinstance(action, AddToGroup):
            c.add_to_group(action.group_id, action.photo_id)
            outcome.set_calls += 1
            self.index.record_pool_additions(self.nsid, action.group_id, [action.photo_id])


def _cid(action: FileAction) -> ContentId | None:
    return None if isinstance(action, Download) else action.content_id


def _show(path: LocalPath) -> str:
    return os.path.join(path.root, path.relpath)


def _label(action: FileAction) -> str:
    if isinstance(action, Upload):
        return _show(action.path)
    if isinstance(action, Replace):
        return f"{_show(action.path)} (replacing photo {action.photo_id})"
    if isinstance(action, Download):
        return f"photo {action.photo_id} -> {_show(action.dest)}"
    if isinstance(action, SetDateTaken):
        return f"photo {action.photo_id} (setting its date taken)"
    return f"photo {action.photo_id} (adding tag)"


def _set_label(action: SetAction) -> str:
    if isinstance(action, AddToGroup):
        return f"group {action.group_id} (photo {action.photo_id})"
    return f"photoset {getattr(action, 'title', '?')!r}"


__all__ = [
    "Executor",
    "NoProgress",
    "Outcome",
    "Progress",
    "in_background",
    "map_concurrently",
    "rendition_phashes",
]
