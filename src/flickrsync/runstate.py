"""The state a run starts from: the account as listed, kept in the index, and both sides as the
index holds them. Shared by the sync engine (:mod:`flickrsync.sync`) and ``verify``
(:mod:`flickrsync.verify`).

:func:`list_remote` only talks to Flickr (it runs in a thread of its own while the library is
scanned); :func:`store_listing` and :func:`indexed_state` only read and write the index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

from flickrsync.client import FlickrClient
from flickrsync.config import Settings
from flickrsync.executor import map_concurrently
from flickrsync.index import Index
from flickrsync.listing import WalkReport
from flickrsync.models import (
    LocalFile,
    LocalPicture,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    RemotePhoto,
    RemoteSet,
)
from flickrsync.photosets import PhotosetPlanOptions, root_set_title
from flickrsync.progress import Tally

log = logging.getLogger("flickrsync.sync")

#: Keys of the index's ``meta`` (the account's NSID follows): Flickr refused to replace a photo of
#: this account (code 1, not a Pro account); how far Flickr's photo count was from a complete
#: listing; the mode of the last run (``verify`` reads it).
REPLACE_REFUSED = "replace_refused:"
COUNT_OFFSET = "count_offset:"
LAST_MODE = "last_mode:"


@dataclass
class RemoteListing:
    """What the background listing found (plain data; the main thread writes the index)."""

    photos: list[RemotePhoto]
    full: bool
    complete: bool
    problems: list[str] = field(default_factory=list)
    sets: list[Photoset] | None = None
    members: dict[PhotosetId, list[PhotoId]] = field(default_factory=dict)
    failed_sets: list[str] = field(default_factory=list)
    #: Why an incremental run listed everything after all (the account's photo count told it
    #: some photos are gone, or came without the changes listing them).
    relisted: str | None = None
    #: Photos and videos in the account, as Flickr counts them (None: not asked, or not told).
    flickr_total: int | None = None

    @property
    def whole_account(self) -> bool:
        """A complete full listing: its photos are every photo of the account (what is not
        listed is gone from Flickr)."""
        return self.full and self.complete


def list_remote(
    client: FlickrClient,
    *,
    since: int | None,
    want_sets: bool,
    known_sets: Mapping[PhotosetId, tuple[int, int]],
    workers: int,
    known_ids: frozenset[PhotoId] = frozenset(),
    count_offset: int = 0,
    tally: Tally | None = None,
) -> RemoteListing:
    """List the account (everything when ``since`` is None, else what changed since then) and
    its photosets, fetching the members of the sets that changed. Only talks to Flickr; reports
    the photos and pages read so far to ``tally`` (phase ``listing``).

    An incremental listing cannot see deletions: the account's photo count (one call) is
    compared with the photos known (``known_ids`` plus the changes; ``count_offset`` is how far
    Flickr's count was from a complete listing last time), and when they differ the whole account
    is listed instead. Only a complete full listing ever says a photo is gone."""
    tally = tally or Tally()
    tally.start("listing", None)
    if since is None:
        photos, report = _listed(client, tally)
        listing = RemoteListing(photos, full=True, complete=report.complete, problems=list(report.problems))
        listing.flickr_total = client.photo_count()
    else:
        recent = _counted(client.recently_updated(since), WalkReport(), tally)
        total = client.photo_count()
        expected = len(known_ids | {p.id for p in recent}) + count_offset
        listing = RemoteListing(recent, full=False, complete=True, flickr_total=total)
        if total is not None and total != expected:
            photos, report = _listed(client, tally)
            listing = RemoteListing(
                photos,
                full=True,
                complete=report.complete,
                problems=list(report.problems),
                relisted=f"Flickr counts {total:,} photos, {expected:,} were known: listed them all",
                flickr_total=total,
            )
    if want_sets:
        sets = client.photosets()
        tally.advance("listing", 0, pages=1)
        listing.sets = sets
        stale = [s for s in sets if known_sets.get(s.id) != (s.date_update, s.photos + s.videos)]

        def members(s: Photoset) -> list[PhotoId]:
            return [p.id for p in client.photoset_photos(s.id, extras=())]

        for s, ids, error in map_concurrently(members, stale, workers):
            tally.advance("listing", 0, pages=1)
            if error is not None or ids is None:
                listing.failed_sets.append(f"{s.title!r}: {error}")
            else:
                listing.members[s.id] = ids
    tally.stop("listing")
    return listing


def _listed(client: FlickrClient, tally: Tally) -> tuple[list[RemotePhoto], WalkReport]:
    """The whole account, counted in ``tally`` as its pages arrive, with the walk's report."""
    report = WalkReport()
    return _counted(client.walk_photos(report=report), report, tally), report


def _counted(photos: Iterable[RemotePhoto], report: WalkReport, tally: Tally) -> list[RemotePhoto]:
    """``photos`` as a list, telling ``tally`` the photos and pages read as each page arrives
    (``report`` counts the walker's calls)."""
    found: list[RemotePhoto] = []
    told = pages = 0
    for photo in photos:
        if report.calls != pages:  # a new page: what came before it is read
            tally.start("listing", report.total)
            tally.advance("listing", len(found) - told, pages=report.calls - pages)
            told, pages = len(found), report.calls
        found.append(photo)
    tally.advance("listing", len(found) - told, pages=report.calls - pages)
    return found


def store_listing(
    index: Index, nsid: Nsid, listing: RemoteListing, watermark: int | None, *, now: int
) -> list[RemotePhoto] | None:
    """Keep what a listing found in the index: the photos, the sets; after a complete full
    listing, photos no longer listed leave (the only way a photo is ever taken for deleted on
    Flickr); the watermark of the next incremental listing, and how far Flickr's count was from
    a complete listing.

    Returns the account's photos as the index now holds them after a complete full listing (the
    listed photos are then all of them: :meth:`Index.as_read_back`), for :func:`indexed_state`;
    None after any other listing."""
    index.upsert_remote_photos(nsid, listing.photos)
    stored = None
    if listing.whole_account:
        stored = index.as_read_back(listing.photos)
        listed = {p.id for p in listing.photos}
        gone = index.remote_photo_ids(nsid) - listed
        if gone:
            log.info("%d photos are no longer on Flickr", len(gone))
            index.delete_remote_photos(nsid, gone)
    if listing.complete:
        newest = max((p.last_update for p in listing.photos), default=0)
        mark = max(newest, watermark or 0)
        index.update_sync_state(nsid, last_update=mark or now, listed_at=now if listing.full else None)
        if listing.full and listing.flickr_total is not None:
            index.set_meta(COUNT_OFFSET + nsid, str(listing.flickr_total - len(listing.photos)))
    if listing.sets is not None:
        index.replace_photosets(nsid, listing.sets)
        for sid, ids in listing.members.items():
            index.set_photoset_photos(nsid, sid, ids)
    return stored


def indexed_state(
    index: Index,
    nsid: Nsid,
    vanished: Collection[tuple[str, str]] = (),
    *,
    stored: list[RemotePhoto] | None = None,
) -> tuple[list[LocalPicture], list[LocalFile], list[RemotePhoto], list[RemoteSet]]:
    """The library (pictures, problem files) and the account (photos, sets with their members)
    as the index holds them, leaving out the ``vanished`` paths (root, relpath) a scan found gone
    but kept in the index. ``stored``: what :func:`store_listing` just returned (the account's
    photos as the index holds them: not read again)."""
    local = index.pictures()
    problems = index.problems()
    if vanished:
        local = [
            replace(p, paths=kept)
            for p in local
            if (kept := tuple(x for x in p.paths if (x.root, x.relpath) not in vanished))
        ]
        problems = [f for f in problems if (f.path.root, f.path.relpath) not in vanished]
    remote = index.remote_photos(nsid) if stored is None else stored
    known = {p.id for p in remote}
    members = index.photoset_memberships(nsid)
    sets = [
        RemoteSet(s, tuple(p for p in members.get(s.id, []) if p in known)) for s in index.photosets(nsid)
    ]
    return local, problems, remote, sets


def photoset_options(settings: Settings, index: Index, *, prune: bool = False) -> PhotosetPlanOptions:
    """The photoset step's options from a profile's settings (and its index: an index adopted
    from flickrsync 0.1.1 keeps 0.1.1's album of the root's pictures)."""
    ps = settings.photosets
    # Photos downloaded because they were in no set stay in no set: their folder makes none.
    downloads = re.sub(r"([*?\[])", r"[\1]", settings.download_folder.strip("/"))
    return PhotosetPlanOptions(
        separator=ps.separator,
        include=ps.include,
        exclude=(*ps.exclude, downloads) if downloads else ps.exclude,
        groups=settings.groups,
        prune=prune,
        root_set=root_set_title(settings.root_photoset, index.shared_with_011()),
    )
