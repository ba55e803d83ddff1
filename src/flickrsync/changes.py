"""Pure: what changed since the last sync — edits, and deletions on either side.

Charter: the matcher says which local picture is which Flickr photo *now*; this module compares
that with what the index remembers having seen in sync (:class:`~flickrsync.models.SyncedPair`:
a photo, the picture it held, the paths that held it, its date taken and look) and says what the
user did in between, so that flickrsync never undoes it silently:

* **Edit** — a path that held the picture of a photo now holds another picture of the same kind
  with the same date taken, or one that looks the same (perceptual hashes within the look-alike
  bound): a new version of that photo, not a new picture. It is not uploaded as a new photo; the
  policy (``on_edit``: keep, replace, upload) decides, in :func:`settle`. A path holding a picture
  of another date and another look is a new picture, and the photo counts as deleted locally.
* **Superseded** — an edit whose new version is on Flickr already as another photo (``on_edit =
  upload`` put it there): the photo holds an earlier version and is left alone, never downloaded.
* **Deleted locally** — the photo is on Flickr, its picture is in no file of the library any more,
  and no path holds an edit of it: it is not downloaded again (``--restore`` brings it back).
* **Deleted on Flickr** — the photo is gone from the account (the remote index only loses a photo
  after a complete full listing, so a failed or partial listing never says this), its picture is
  still in the library and on no other photo: it is not uploaded again (``--restore`` does).

The pairs also correct weak matches (title + date, date alone, look): a photo that was another
picture, now gone from the library, is not taken for a different picture that merely shares its
name and date or looks like it (a burst shot); and an edit matched by title + date is an edit,
not a match (our machine tag must not name content the photo does not hold).

Like the matcher, :func:`find_changes` says what evidence it still needs (perceptual hashes, as
:class:`~flickrsync.matcher.MatchNeeds`); the engine fetches it and calls again. No I/O here.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from flickrsync.matcher import (
    Match,
    MatchEvidence,
    MatchNeeds,
    MatchResult,
    exact_date,
    hamming,
)
from flickrsync.models import (
    Action,
    ContentId,
    LocalPath,
    LocalPicture,
    Media,
    OnEdit,
    PhotoId,
    PlanSummary,
    RemotePhoto,
    Replace,
    SyncedPair,
)

#: Rules that prove what a photo holds: a match by one of them is never second-guessed by a pair.
PROVING_RULES = frozenset({"machine_tag", "flickr_id", "checksum", "original"})


@dataclass(frozen=True, slots=True)
class Edit:
    """The picture at ``path`` is a new version (``content_id``) of what ``photo_id`` holds
    (``old_content_id``)."""

    content_id: ContentId
    photo_id: PhotoId
    old_content_id: ContentId
    path: LocalPath
    media: Media
    #: Why it is the same photo: the same date taken, or the look (with the distance).
    reason: str
    #: Set when the new version is on Flickr already as this other photo: ``photo_id`` holds a
    #: superseded version (left alone, never downloaded).
    superseded_by: PhotoId | None = None


@dataclass(frozen=True, slots=True)
class Deletion:
    """A photo and its picture of which one side is gone (see the module docstring)."""

    photo_id: PhotoId
    content_id: ContentId
    #: Where the picture is (deleted on Flickr) or was (deleted locally).
    paths: tuple[LocalPath, ...]


@dataclass(frozen=True)
class Changes:
    """What :func:`find_changes` found. ``match`` is the matcher's result with the weak matches the
    pairs disproved taken apart (still a partition: every picture and photo in exactly one
    outcome). Provisional while ``needs`` is not empty."""

    match: MatchResult
    #: Edits whose new version is on no Flickr photo: the policy decides.
    edits: tuple[Edit, ...] = ()
    #: Edits whose new version is on Flickr as another photo.
    superseded: tuple[Edit, ...] = ()
    deleted_locally: tuple[Deletion, ...] = ()
    deleted_on_flickr: tuple[Deletion, ...] = ()
    needs: MatchNeeds = MatchNeeds()

    @property
    def complete(self) -> bool:
        return not self.needs


def _key(path: LocalPath) -> tuple[str, str]:
    return (path.root, path.relpath)


def _same_photo(
    pair: SyncedPair,
    picture: LocalPicture,
    evidence: MatchEvidence,
    threshold: int,
    needs: tuple[set[ContentId], set[PhotoId]],
) -> str | None:
    """Why ``picture`` (now at one of the pair's paths) is a new version of the pair's photo, or
    None when it is another picture or the evidence is still missing (then ``needs`` says what)."""
    old_date, new_date = exact_date(pair.date_taken), exact_date(picture.date_taken)
    if old_date is not None and old_date == new_date:
        return f"same path and date taken {new_date}"
    if picture.media != "photo":
        return None  # videos are not compared by look
    theirs = pair.phash if pair.phash is not None else evidence.remote_phash.get(pair.photo_id)
    mine = picture.phash if picture.phash is not None else evidence.local_phash.get(picture.content_id)
    missing = False
    if pair.phash is None and pair.photo_id not in evidence.remote_phash:
        needs[1].add(pair.photo_id)
        missing = True
    if picture.phash is None and picture.content_id not in evidence.local_phash:
        needs[0].add(picture.content_id)
        missing = True
    if missing or theirs is None or mine is None:
        return None
    distance = hamming(mine.lower(), theirs.lower())
    if distance is None or distance > threshold:
        return None
    return f"same path, looks the same (distance {distance})"


def find_changes(
    match: MatchResult,
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    pairs: Sequence[SyncedPair],
    evidence: MatchEvidence = MatchEvidence(),
    *,
    threshold: int,
) -> Changes:
    """Compare a complete match with the synced pairs (see the module docstring). Pure; the
    result does not depend on input order. ``threshold``: the look-alike bound of the perceptual
    hashes (the matcher's)."""
    if not match.complete:
        raise ValueError("find_changes needs a complete match (MatchResult.needs must be empty)")
    pictures = {p.content_id: p for p in local}
    at_path = {_key(path): p.content_id for p in local for path in p.paths}
    remote_ids = {r.id for r in remote}
    by_photo = {m.photo_id: m for m in match.matches}
    photo_of = match.photo_of()
    undecided_pictures = {c for u in match.undecided for c in u.content_ids}
    busy_photos = {d.photo_id for d in match.duplicates} | {p for u in match.undecided for p in u.photo_ids}

    candidates: dict[ContentId, list[tuple[SyncedPair, LocalPath, str]]] = defaultdict(list)
    deleted_locally: list[Deletion] = []
    deleted_on_flickr: list[Deletion] = []
    disproved: set[PhotoId] = set()
    needs: tuple[set[ContentId], set[PhotoId]] = (set(), set())
    # Most recently synced first: of several photos of one path, the newest is the one edited.
    ordered = sorted(pairs, key=lambda p: (-p.synced_at, len(p.photo_id), p.photo_id))
    for pair in ordered:
        pid, cid = pair.photo_id, pair.content_id
        if pid not in remote_ids:
            picture = pictures.get(cid)
            if picture is not None and cid not in photo_of and cid not in undecided_pictures:
                deleted_on_flickr.append(Deletion(pid, cid, picture.paths))
            continue
        current = by_photo.get(pid)
        if pid in busy_photos or cid in pictures or (current is not None and current.content_id == cid):
            continue  # in sync, or the old picture is still here: the match decides
        if current is not None and current.rule in PROVING_RULES:
            continue  # the photo says what it holds now
        # The picture the photo held is in no file of the library any more.
        found: tuple[ContentId, LocalPath, str] | None = None
        for path in pair.paths:
            now = at_path.get(_key(path))
            if now is None or now == cid or pictures[now].media != pair.media:
                continue
            why = _same_photo(pair, pictures[now], evidence, threshold, needs)
            if why is not None:
                found = (now, path, why)
                break
        if found is not None:
            candidates[found[0]].append((pair, found[1], found[2]))
            continue
        if current is not None:
            disproved.add(pid)  # a weak match with another picture: the photo's was deleted
        deleted_locally.append(Deletion(pid, cid, pair.paths))
    if needs[0] or needs[1]:
        return Changes(
            match,
            needs=MatchNeeds(
                local_phash=tuple(sorted(needs[0])),
                remote_phash=tuple(sorted(needs[1], key=lambda p: (len(p), p))),
            ),
        )

    edits: list[Edit] = []
    superseded: list[Edit] = []
    for new, found_pairs in sorted(candidates.items()):
        here = {pair.photo_id for pair, _path, _why in found_pairs}
        holder = photo_of.get(new)
        if holder is not None and holder not in here:
            # The new version is on Flickr already (on_edit = upload): these hold old versions.
            superseded += [
                Edit(new, p.photo_id, p.content_id, at, p.media, why, holder) for p, at, why in found_pairs
            ]
            continue
        if holder is not None:
            disproved.add(holder)  # matched to its own earlier version by a weak rule: an edit
        first, at, why = found_pairs[0]
        if new in undecided_pictures:
            superseded.append(Edit(new, first.photo_id, first.content_id, at, first.media, why))
        else:
            edits.append(Edit(new, first.photo_id, first.content_id, at, first.media, why))
        superseded += [
            Edit(new, p.photo_id, p.content_id, older_at, p.media, older_why, first.photo_id)
            for p, older_at, older_why in found_pairs[1:]
        ]

    return Changes(
        match=_without(match, disproved),
        edits=tuple(edits),
        superseded=tuple(sorted(superseded, key=lambda e: (len(e.photo_id), e.photo_id))),
        deleted_locally=tuple(sorted(deleted_locally, key=lambda d: (len(d.photo_id), d.photo_id))),
        deleted_on_flickr=tuple(sorted(deleted_on_flickr, key=lambda d: (len(d.photo_id), d.photo_id))),
    )


def _without(match: MatchResult, photos: Collection[PhotoId]) -> MatchResult:
    """``match`` with the matches of these photos taken apart: the picture local only, the photo
    Flickr only."""
    if not photos:
        return match
    gone = [m for m in match.matches if m.photo_id in photos]
    return replace(
        match,
        matches=tuple(m for m in match.matches if m.photo_id not in photos),
        local_only=tuple(sorted({*match.local_only, *(m.content_id for m in gone)})),
        remote_only=tuple(
            sorted({*match.remote_only, *(m.photo_id for m in gone)}, key=lambda p: (len(p), p))
        ),
    )


# --- what a run does about them ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeOptions:
    """How a run treats the changes (config.ini ``on_edit``; ``--on-edit``, ``--restore``)."""

    on_edit: OnEdit = "keep"
    #: False once Flickr refused to replace a photo of this account (code 1, not a Pro
    #: account): edits are then kept, and the run says so.
    replace_allowed: bool = True
    #: The run uploads (``sync``, ``sync2``) / downloads (``sync2``, ``download``).
    uploads: bool = True
    downloads: bool = False
    #: ``--restore``: bring back what was deleted on the other side (uploads when the run
    #: uploads, downloads when it downloads).
    restore: bool = False
    #: ``--restore`` arguments: photo ids, or absolute paths of files or folders. Empty: all.
    restore_targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settled:
    """What the planner plans from, after the policy: the match with what must not be uploaded or
    downloaded taken out, the replaces to do, counts for the summary, and lines for the user."""

    #: Not a partition any more: pictures and photos left alone are in no outcome.
    match: MatchResult
    actions: tuple[Action, ...] = ()
    counts: PlanSummary = PlanSummary()
    notes: tuple[str, ...] = ()
    #: Deleted pictures/photos this run brings back (by ``--restore``): photo id -> the path the
    #: picture had, for a download to go back there when it is free; and the pictures uploaded
    #: again (also those that came from Flickr, which are otherwise never uploaded back).
    restored_paths: Mapping[PhotoId, LocalPath] = field(default_factory=dict)
    restored_uploads: frozenset[ContentId] = frozenset()


def _targeted(deletion: Deletion, targets: Sequence[str]) -> bool:
    if not targets:
        return True
    for target in targets:
        if target == deletion.photo_id:
            return True
        for path in deletion.paths:
            full = posixpath.join(path.root, path.relpath)
            if full == target or full.startswith(target.rstrip("/") + "/"):
                return True
    return False


def settle(changes: Changes, local: Sequence[LocalPicture], options: ChangeOptions) -> Settled:
    """Apply the policy to complete changes: which edits become replaces, which stay as they are,
    what ``--restore`` brings back, and what is left alone (see :class:`Settled`). Pure."""
    if not changes.complete:
        raise ValueError("settle needs complete changes (Changes.needs must be empty)")
    match = changes.match
    sizes = {p.content_id: p.size for p in local}
    no_upload: set[ContentId] = set()
    no_download: set[PhotoId] = {e.photo_id for e in (*changes.edits, *changes.superseded)}
    actions: list[Action] = []
    notes: list[str] = []
    kept = 0
    videos_kept = refused = 0
    for edit in changes.edits:
        policy = options.on_edit if options.uploads else "keep"
        if policy == "replace" and edit.media == "video":
            policy, videos_kept = "keep", videos_kept + 1
        elif policy == "replace" and not options.replace_allowed:
            policy, refused = "keep", refused + 1
        if policy == "upload":
            continue  # uploaded as a new photo; the earlier one stays as it is
        no_upload.add(edit.content_id)
        if policy == "replace":
            actions.append(
                Replace(
                    photo_id=edit.photo_id,
                    content_id=edit.content_id,
                    old_content_id=edit.old_content_id,
                    path=edit.path,
                    size=sizes.get(edit.content_id, 0),
                    reason=f"edited ({edit.reason})",
                )
            )
        else:
            kept += 1
    if videos_kept:
        notes.append(
            f"{videos_kept} edited videos kept as they are on Flickr: flickrsync never replaces a video"
        )
    if refused:
        notes.append(
            f"{refused} edited pictures kept as they are on Flickr: Flickr refused to replace photos on "
            "this account (not a Pro account); on_edit = upload uploads them as new photos"
        )

    restored: dict[PhotoId, LocalPath] = {}
    targets = options.restore_targets
    deleted_here = 0
    for d in changes.deleted_locally:
        if options.downloads and options.restore and _targeted(d, targets):
            if d.paths:
                restored[d.photo_id] = d.paths[0]
            continue
        no_download.add(d.photo_id)
        deleted_here += 1
    deleted_there = 0
    uploaded_again: set[ContentId] = set()
    for d in changes.deleted_on_flickr:
        if options.uploads and options.restore and _targeted(d, targets):
            uploaded_again.add(d.content_id)
            continue
        no_upload.add(d.content_id)
        deleted_there += 1
    if options.restore and targets:
        everything = (*changes.deleted_locally, *changes.deleted_on_flickr)
        for target in targets:
            if not any(_targeted(d, (target,)) for d in everything):
                notes.append(f"--restore {target}: no picture or photo deleted on either side matches it")

    planning = replace(
        match,
        local_only=tuple(c for c in match.local_only if c not in no_upload),
        remote_only=tuple(p for p in match.remote_only if p not in no_download),
    )
    counts = PlanSummary(
        edits_kept=kept,
        deleted_locally=deleted_here,
        deleted_on_flickr=deleted_there,
    )
    return Settled(planning, tuple(actions), counts, tuple(notes), restored, frozenset(uploaded_again))


# --- what the index remembers ------------------------------------------------------------------


def pair_updates(
    match: MatchResult,
    local: Sequence[LocalPicture],
    remote_ids: Collection[PhotoId],
    pairs: Iterable[SyncedPair],
) -> tuple[list[SyncedPair], list[PhotoId]]:
    """What to write in the index after a run: a pair for every match whose picture, paths or
    look differ from what is remembered (``synced_at`` 0: stamped when written), and the photos
    whose pairs to forget — gone from Flickr, and their picture gone from the library too or on
    another photo now (restored). ``match`` must be the one :func:`find_changes` corrected, so
    an edit kept as it is or a deletion is remembered as it was. Pure."""
    known = {p.photo_id: p for p in pairs}
    pictures = {p.content_id: p for p in local}
    upserts: list[SyncedPair] = []
    for m in sorted(match.matches, key=lambda m: (len(m.photo_id), m.photo_id)):
        picture = pictures.get(m.content_id)
        if picture is None or m.photo_id not in remote_ids:
            continue
        fresh = _pair_of(m, picture)
        old = known.get(m.photo_id)
        if old is None or replace(old, synced_at=0) != fresh:
            upserts.append(fresh)
    matched = match.photo_of()
    forget = [
        pid
        for pid, pair in sorted(known.items(), key=lambda kv: (len(kv[0]), kv[0]))
        if pid not in remote_ids and (pair.content_id not in pictures or pair.content_id in matched)
    ]
    return upserts, forget


def _pair_of(m: Match, picture: LocalPicture) -> SyncedPair:
    return SyncedPair(
        photo_id=m.photo_id,
        content_id=m.content_id,
        paths=tuple(sorted(picture.paths, key=_key)),
        media=picture.media,
        date_taken=exact_date(picture.date_taken),
        phash=picture.phash,
        width=picture.width,
        height=picture.height,
    )
