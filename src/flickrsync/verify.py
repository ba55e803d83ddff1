"""``flickrsync verify``: prove a profile's backup without changing anything on Flickr or on disk.

One profile per :func:`verify_profile`: the library is scanned (only what changed is read), the
account listed once (the whole account, :func:`flickrsync.runstate.list_remote`) with its photosets,
and the pure core decides as a sync would — the matcher on the evidence the index already holds
(no thumbnail is fetched: a look that was never compared stays unproven), then
:func:`flickrsync.changes.find_changes` for edits and deletions, then the photoset planner for
pictures that are not in their folder's set. What is missing is listed item by item and counted
per folder and per set, in a :class:`VerifyReport` the CLI renders.

``deep``: each matched photo's original is downloaded and its content id compared with the
picture's. Slow and opt-in; resumable: each answer is kept in the index with the original's
secret (the matcher's cache of originals), so a run stopped halfway goes on where it stopped, and
a photo is checked again only when its original changed (a replace gives a new secret).
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from flickrsync import localfs, scanner, userlists
from flickrsync.changes import Changes, find_changes
from flickrsync.choosing import FolderSettings, taking_part, uploadable_path
from flickrsync.client import FlickrClient
from flickrsync.config import Settings
from flickrsync.errors import FlickrsyncError, TransientError
from flickrsync.executor import map_concurrently
from flickrsync.fingerprint import PHASH_MATCH_DISTANCE
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.lookups import original_content_id
from flickrsync.matcher import FileDigests, MatchEvidence, MatchNeeds, MatchOptions, MatchResult, match_photos
from flickrsync.models import (
    DOWNLOAD_MODES,
    Account,
    AddToSet,
    ContentId,
    CreateSet,
    EditSetPhotos,
    LocalPath,
    LocalPicture,
    Nsid,
    PhotoId,
    PhotosetId,
    RemotePhoto,
    RemoteSet,
    SyncedPair,
)
from flickrsync.photosets import PhotosetPlanOptions, SetMemory, plan_photosets
from flickrsync.runstate import LAST_MODE, indexed_state, list_remote, photoset_options, store_listing

log = logging.getLogger("flickrsync.verify")

#: What one item of a report is. The ``missing`` kinds make the backup incomplete (exit 1).
ItemKind = Literal[
    "not_on_flickr",
    "edit_not_pushed",
    "deleted_on_flickr",
    "not_in_library",
    "not_in_photoset",
    "undecided",
    "deep_mismatch",
    "deep_unchecked",
    "deleted_locally",
    "superseded",
    "duplicate_on_flickr",
    "only_on_flickr",
    "ignored",
]
#: Kinds that are reported but are not a gap in the backup: the user's decision (deleted here,
#: an earlier version, ignored), Flickr's extra copies, and photos only on Flickr when the library
#: is not meant to hold them (``sync`` users).
NOT_MISSING: frozenset[str] = frozenset(
    {"deleted_locally", "superseded", "duplicate_on_flickr", "only_on_flickr", "ignored"}
)


@dataclass(frozen=True, slots=True)
class VerifyItem:
    """One thing that is not as a complete backup has it."""

    kind: ItemKind
    detail: str
    path: LocalPath | None = None
    photo_id: PhotoId | None = None
    content_id: ContentId | None = None
    #: The photoset a picture belongs in (``not_in_photoset``).
    photoset: str | None = None

    @property
    def missing(self) -> bool:
        return self.kind not in NOT_MISSING


@dataclass(frozen=True, slots=True)
class FolderCount:
    """A library folder: its pictures, how many are on Flickr, how many are missing there."""

    folder: str
    pictures: int
    on_flickr: int
    missing: int


@dataclass(frozen=True, slots=True)
class SetCount:
    """A photoset: its photos, how many of them are in the library, how many of its folder's
    pictures should be in it and are not."""

    photoset_id: PhotosetId
    title: str
    photos: int
    in_library: int
    missing_members: int


@dataclass(frozen=True, slots=True)
class DeepCheck:
    """``--deep``: originals compared (now and by earlier runs), mismatches, not checkable."""

    checked_now: int = 0
    checked_before: int = 0
    mismatched: int = 0
    unchecked: int = 0


@dataclass(frozen=True)
class VerifyReport:
    """What ``flickrsync verify`` found for one profile."""

    profile: str
    account: Account
    #: Flickr photos missing from the library count as missing (``sync2`` users).
    both_ways: bool
    pictures: int
    photos: int
    matched: int
    items: tuple[VerifyItem, ...]
    counts: Mapping[str, int]
    folders: tuple[FolderCount, ...]
    sets: tuple[SetCount, ...]
    listing_complete: bool
    notes: tuple[str, ...] = ()
    deep: DeepCheck | None = None
    api_calls: int = 0
    elapsed: float = 0.0

    @property
    def complete(self) -> bool:
        return self.listing_complete and not any(item.missing for item in self.items)

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1


@dataclass
class _Evidence:
    """What the index already knows; anything else is answered "not available" (no thumbnails)."""

    known: MatchEvidence
    unproven: set[PhotoId] = field(default_factory=set)


def verify_profile(
    settings: Settings,
    client: FlickrClient,
    index: Index,
    *,
    both_ways: bool | None = None,
    photosets: bool = True,
    deep: bool = False,
    workers: int = 4,
    checkers: int | None = None,
    progress: localfs.ProgressCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> VerifyReport:
    """Verify one profile's backup (see the module docstring). Changes nothing on Flickr or in
    the library; the index learns what a scan and the listing tell (as any run's would)."""
    started = clock()
    calls_before = client.stats().calls
    if client.token is None:
        raise FlickrsyncError(f"profile [{settings.profile}] has no token")
    account = client.token.account
    nsid = account.nsid
    index.upsert_account(account)
    config = ScanConfig.from_settings(settings)
    localfs.check_roots(config)
    if both_ways is None:
        both_ways = index.get_meta(LAST_MODE + nsid) in DOWNLOAD_MODES
    # Members are fetched again only for sets that changed (as a sync does).
    memberships = index.photoset_memberships(nsid)
    known_sets = {
        s.id: (s.date_update, s.photos + s.videos)
        for s in index.photosets(nsid)
        if s.id in memberships or not s.photos + s.videos
    }
    scan = scanner.scan_library(index, config, progress=progress, keep_vanished=True)
    listing = list_remote(
        client, since=None, want_sets=photosets, known_sets=known_sets, workers=checkers or settings.checkers
    )
    stored = store_listing(index, nsid, listing, index.sync_state(nsid).last_update, now=int(time.time()))
    notes = (
        [f"Flickr's listing was incomplete: {'; '.join(listing.problems[:3])}"]
        if not listing.complete
        else []
    )
    notes += [f"could not list the photos of photoset {p}" for p in listing.failed_sets]

    vanished = {(p.root, p.relpath) for p in scan.vanished}
    local, _problems, remote, sets = indexed_state(index, nsid, vanished, stored=stored)
    # The user's lists, as a sync uses them: pairs identified by hand, and what is ignored (a
    # photo ignored is not matched; a picture ignored is no gap in the backup).
    choices = userlists.load(settings, index)
    evidence = _Evidence(
        MatchEvidence(
            local_phash=index.local_phashes(),
            remote_phash=index.remote_phashes(nsid),
            originals=index.originals(nsid),
            identified={i.photo_id: i.content_id for i in choices.identified},
            different=choices.different_pairs,
        )
    )
    match = _match(index, config, local, [r for r in remote if r.id not in choices.photos], evidence)
    changes = _changes(match, local, remote, index.synced_pairs(nsid), evidence)
    if evidence.unproven:
        notes.append(
            f"{len(evidence.unproven):,} Flickr photos could only be told apart by their look, which "
            "verify does not fetch: run `flickrsync sync` to match them"
        )

    folders = FolderSettings(settings.pictures, settings.folders)
    ignored = set(choices.pictures)
    ignored |= {p.content_id for p in local if p.paths and uploadable_path(p, folders, choices.paths) is None}
    items = _items(changes, local, remote, both_ways=both_ways, unproven=evidence.unproven, ignored=ignored)
    items += [
        VerifyItem("ignored", "ignored (`flickrsync ignore`): never downloaded", photo_id=r.id)
        for r in remote
        if r.id in choices.photos
    ]
    if photosets:
        links, placed = index.photoset_memory(nsid)
        options = photoset_options(settings, index)
        set_local, set_match = taking_part(local, changes.match, folders, choices.pictures, choices.paths)
        set_changes = replace(changes, match=set_match)
        items += _not_in_sets(set_local, remote, set_changes, sets, options, SetMemory(links, placed))
    deep_check = None
    if deep:
        deep_check, deep_items = _deep(client, index, nsid, changes.match, remote, workers=workers)
        items += deep_items
    ordered = tuple(sorted(items, key=_item_order))
    return VerifyReport(
        profile=settings.profile,
        account=account,
        both_ways=both_ways,
        pictures=len(local),
        photos=len(remote),
        matched=len(changes.match.matches),
        items=ordered,
        counts=dict(sorted(Counter(item.kind for item in ordered).items())),
        folders=_folders(local, changes, ordered),
        sets=_set_counts(sets, changes.match, ordered),
        listing_complete=listing.complete,
        notes=tuple(notes),
        deep=deep_check,
        api_calls=client.stats().calls - calls_before,
        elapsed=clock() - started,
    )


# --- deciding, on what the index knows ---------------------------------------------------------


def _match(
    index: Index,
    config: ScanConfig,
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    evidence: _Evidence,
) -> MatchResult:
    options = MatchOptions(phash_threshold=PHASH_MATCH_DISTANCE)
    for _round in range(8):
        result = match_photos(local, remote, options, evidence.known)
        if result.complete:
            return result
        evidence.known = evidence.known.merged(_answer(index, config, result.needs, evidence))
    raise FlickrsyncError("matching did not settle after several rounds; please report this")


def _changes(
    match: MatchResult,
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    pairs: Sequence[SyncedPair],
    evidence: _Evidence,
) -> Changes:
    for _round in range(4):
        changes = find_changes(match, local, remote, pairs, evidence.known, threshold=PHASH_MATCH_DISTANCE)
        if changes.complete:
            return changes
        evidence.known = evidence.known.merged(
            MatchEvidence(
                local_phash=dict.fromkeys(changes.needs.local_phash),
                remote_phash=dict.fromkeys(changes.needs.remote_phash),
            )
        )
    raise FlickrsyncError("edits could not be told apart; please report this")


def _answer(index: Index, config: ScanConfig, needs: MatchNeeds, evidence: _Evidence) -> MatchEvidence:
    """Digests are read from the library (local, cheap); hashes and originals not in the index
    are "not available": verify fetches no thumbnail and no original to match."""
    digests: dict[ContentId, FileDigests | None] = {}
    if needs.digests:
        scanner.compute_digests(index, config, needs.digests, ("md5", "sha1"))
        for cid in needs.digests:
            picture = index.picture(cid)
            ok = picture is not None and picture.md5 is not None and picture.sha1 is not None
            digests[cid] = FileDigests(picture.md5, picture.sha1) if ok and picture else None  # type: ignore[arg-type]
    evidence.unproven.update(needs.remote_phash)
    evidence.unproven.update(needs.originals)
    return MatchEvidence(
        digests=digests,
        local_phash=dict.fromkeys(needs.local_phash),
        remote_phash=dict.fromkeys(needs.remote_phash),
        originals=dict.fromkeys(needs.originals),
    )


# --- what is missing ---------------------------------------------------------------------------


def _first(picture: LocalPicture | None) -> LocalPath | None:
    return picture.paths[0] if picture is not None and picture.paths else None


def _items(
    changes: Changes,
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    *,
    both_ways: bool,
    unproven: set[PhotoId],
    ignored: set[ContentId],
) -> list[VerifyItem]:
    pictures = {p.content_id: p for p in local}
    photos = {r.id: r for r in remote}
    match = changes.match
    edited = {e.content_id for e in changes.edits}
    gone_there = {d.content_id for d in changes.deleted_on_flickr}
    items: list[VerifyItem] = []
    for cid in match.local_only:
        if cid in edited or cid in gone_there:
            continue
        picture = pictures[cid]
        if picture.flickr_id is not None:
            continue  # downloaded from Flickr: its photo is its backup (reported if gone, below)
        if cid in ignored:
            why = "ignored (`flickrsync ignore`, or its folder's `ignore = 1`): not uploaded, by choice"
            items.append(VerifyItem("ignored", why, _first(picture), content_id=cid))
            continue
        why = "on no Flickr photo" + (" (it may look like one: run sync)" if unproven else "")
        items.append(VerifyItem("not_on_flickr", why, _first(picture), content_id=cid))
    for e in changes.edits:
        items.append(
            VerifyItem(
                "edit_not_pushed",
                f"edited since photo {e.photo_id} was synced ({e.reason}); Flickr has the earlier version",
                e.path,
                e.photo_id,
                e.content_id,
            )
        )
    for d in changes.deleted_on_flickr:
        items.append(
            VerifyItem(
                "deleted_on_flickr",
                f"photo {d.photo_id} was deleted on Flickr; `sync --restore` uploads it again",
                d.paths[0] if d.paths else None,
                d.photo_id,
                d.content_id,
            )
        )
    for d in changes.deleted_locally:
        items.append(
            VerifyItem(
                "deleted_locally",
                f"deleted from the library; photo {d.photo_id} keeps it on Flickr (`download --restore`)",
                d.paths[0] if d.paths else None,
                d.photo_id,
                d.content_id,
            )
        )
    for e in changes.superseded:
        items.append(
            VerifyItem("superseded", f"holds an earlier version of {e.path.relpath}", e.path, e.photo_id)
        )
    settled = {d.photo_id for d in changes.deleted_locally} | {e.photo_id for e in changes.edits}
    settled |= {e.photo_id for e in changes.superseded}
    for pid in match.remote_only:
        if pid in settled:
            continue
        photo = photos[pid]
        detail = f"{photo.media} {photo.title!r} is not in the library"
        items.append(VerifyItem("not_in_library" if both_ways else "only_on_flickr", detail, photo_id=pid))
    for dup in match.duplicates:
        items.append(
            VerifyItem(
                "duplicate_on_flickr",
                f"another copy of photo {dup.of} ({dup.reason})",
                _first(pictures.get(dup.content_id)),
                dup.photo_id,
                dup.content_id,
            )
        )
    for u in match.undecided:
        for cid in u.content_ids:
            items.append(VerifyItem("undecided", u.reason, _first(pictures.get(cid)), content_id=cid))
    return items


def _not_in_sets(  # noqa: PLR0917 - the photoset step's inputs, each once
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    changes: Changes,
    sets: Sequence[RemoteSet],
    options: PhotosetPlanOptions,
    memory: SetMemory,
) -> list[VerifyItem]:
    """Matched pictures the photoset step would add to their folder's set (in no set, or not in
    that one)."""
    plan = plan_photosets(local, remote, changes.match, sets, options, memory=memory, mode="sync")
    wanted: dict[PhotoId, str] = {}
    for action in plan.set_actions:
        if isinstance(action, CreateSet):
            wanted.update(dict.fromkeys(action.photo_ids, action.title))
        elif isinstance(action, AddToSet):
            wanted[action.photo_id] = action.title
        elif isinstance(action, EditSetPhotos):
            wanted.update(dict.fromkeys(action.added, action.title))
    in_some = {pid for s in sets for pid in s.photo_ids}
    picture_of = changes.match.picture_of()
    pictures = {p.content_id: p for p in local}
    items = []
    for pid, title in sorted(wanted.items(), key=lambda kv: (len(kv[0]), kv[0])):
        where = "in no photoset" if pid not in in_some else "not in its folder's photoset"
        cid = picture_of.get(pid)
        items.append(
            VerifyItem(
                "not_in_photoset",
                f"{where}: belongs in {title!r}",
                _first(pictures.get(cid)) if cid else None,
                pid,
                cid,
                title,
            )
        )
    return items


# --- --deep --------------------------------------------------------------------------------------


def _deep(
    client: FlickrClient,
    index: Index,
    nsid: Nsid,
    match: MatchResult,
    remote: Sequence[RemotePhoto],
    *,
    workers: int,
) -> tuple[DeepCheck, list[VerifyItem]]:
    photos = {r.id: r for r in remote}
    cached = index.originals(nsid)
    todo = [photos[m.photo_id] for m in match.matches if m.photo_id not in cached and m.photo_id in photos]
    scratch = Path(index.path).parent
    unchecked: list[VerifyItem] = []
    checked_now = 0
    for photo, cid, error in map_concurrently(
        lambda p: original_content_id(client, p, scratch), todo, max(1, workers)
    ):
        if error is None:
            checked_now += 1
            index.set_originals(nsid, {photo.id: (cid, photo.original_secret)})  # resumable
        else:
            if not isinstance(error, TransientError):
                index.set_originals(nsid, {photo.id: (None, photo.original_secret)})
            log.info("photo %s: original not checked (%s)", photo.id, error)
            unchecked.append(
                VerifyItem("deep_unchecked", f"its original could not be checked: {error}", photo_id=photo.id)
            )
    originals = index.originals(nsid)
    items: list[VerifyItem] = list(unchecked)
    mismatched = 0
    reported = {i.photo_id for i in unchecked}
    for m in match.matches:
        got = originals.get(m.photo_id)
        if m.photo_id in reported:
            continue
        if got is None:
            if m.photo_id in originals:
                items.append(
                    VerifyItem("deep_unchecked", "its original cannot be downloaded", photo_id=m.photo_id)
                )
            continue
        if got != m.content_id:
            mismatched += 1
            items.append(
                VerifyItem(
                    "deep_mismatch",
                    f"its original is another picture ({got[:12]}…) than the library's",
                    photo_id=m.photo_id,
                    content_id=m.content_id,
                )
            )
    before = len([m for m in match.matches if m.photo_id in cached])
    unchecked_total = sum(1 for i in items if i.kind == "deep_unchecked")
    return DeepCheck(checked_now, before, mismatched, unchecked_total), items


# --- counts --------------------------------------------------------------------------------------


def _folders(
    local: Sequence[LocalPicture], changes: Changes, items: Sequence[VerifyItem]
) -> tuple[FolderCount, ...]:
    matched = set(changes.match.photo_of())
    missing = {i.content_id for i in items if i.missing and i.content_id is not None and i.path is not None}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for picture in local:
        for folder in sorted({p.folder for p in picture.paths}):
            row = counts[folder]
            row[0] += 1
            row[1] += picture.content_id in matched
            row[2] += picture.content_id in missing
    return tuple(FolderCount(f, *row) for f, row in sorted(counts.items()))


def _set_counts(
    sets: Sequence[RemoteSet], match: MatchResult, items: Sequence[VerifyItem]
) -> tuple[SetCount, ...]:
    local_photos = set(match.picture_of())
    wanted = Counter(item.photoset for item in items if item.kind == "not_in_photoset")
    return tuple(
        SetCount(
            s.photoset.id,
            s.photoset.title,
            len(s.photo_ids),
            sum(1 for p in s.photo_ids if p in local_photos),
            wanted.get(s.photoset.title, 0),
        )
        for s in sorted(sets, key=lambda s: s.photoset.title)
    )


def _item_order(item: VerifyItem) -> tuple[str, str, str]:
    where = os.path.join(item.path.root, item.path.relpath) if item.path else ""
    return (item.kind, where, item.photo_id or "")
