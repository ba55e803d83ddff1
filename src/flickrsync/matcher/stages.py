"""The matching stages, strongest key first (see the package docstring). Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from flickrsync.matcher.keys import (
    FILE_NAME_LIKE,
    HEX32,
    HEX40,
    HEX64,
    LEGACY_TAG_PREFIX,
    MD5_PREFIX,
    OUR_TAG_PREFIX,
    SHA1_PREFIX,
    dates_conflict,
    dimensions_compatible,
    exact_date,
    hamming,
    machine_tags,
    normalize_name,
    photo_order,
    picture_stems,
    remote_exact_date,
    short,
    tag_values,
    title_keys,
)
from flickrsync.matcher.prune import Candidates, Pictures
from flickrsync.matcher.trust import WeakGate, checksum_fits
from flickrsync.matcher.types import (
    FileDigests,
    FlickrDuplicate,
    Match,
    MatchEvidence,
    MatchNeeds,
    MatchOptions,
    MatchResult,
    MatchRule,
    Pruning,
    TagDoubt,
    Undecided,
)
from flickrsync.models import (
    ContentId,
    LocalPicture,
    PhotoId,
    RemotePhoto,
)

# --- the stages ------------------------------------------------------------------------------


class _Matching:
    """Mutable working state of one :func:`match_photos` call (never escapes it)."""

    def __init__(
        self,
        local: Sequence[LocalPicture],
        remote: Sequence[RemotePhoto],
        different: frozenset[tuple[PhotoId, ContentId]] = frozenset(),
    ) -> None:
        #: Pairs the user said are different pictures: :meth:`match` and :meth:`duplicate` refuse
        #: them, and no look-alike group holds them.
        self.different = different
        self.pictures: dict[ContentId, LocalPicture] = {}
        for picture in sorted(local, key=lambda p: p.content_id):
            if picture.content_id in self.pictures:
                raise ValueError(f"content id {picture.content_id} appears twice in the local index")
            self.pictures[picture.content_id] = picture
        self.photos: dict[PhotoId, RemotePhoto] = {}
        for photo in sorted(remote, key=photo_order):
            if photo.id in self.photos:
                raise ValueError(f"photo id {photo.id} appears twice in the remote index")
            self.photos[photo.id] = photo
        #: Photos carrying our machine tag: the tag says what they are, so the weaker rules never
        #: give them to another picture (a burst shot must not take its sibling's photo).
        self.tag_cids: dict[PhotoId, tuple[ContentId, ...]] = {}
        self.legacy: set[PhotoId] = set()
        for pid, r in self.photos.items():
            if not r.machine_tags and not r.tags:
                continue
            tags = machine_tags(r)
            cids = sorted(
                ContentId(t[len(OUR_TAG_PREFIX) :])
                for t in tags
                if t.startswith(OUR_TAG_PREFIX) and HEX64.fullmatch(t[len(OUR_TAG_PREFIX) :])
            )
            if cids:
                self.tag_cids[pid] = tuple(cids)
            if any(t.startswith(LEGACY_TAG_PREFIX) for t in tags):
                self.legacy.add(pid)
        self.tagged: set[PhotoId] = set(self.tag_cids)
        self.matches: dict[ContentId, Match] = {}
        self.matched_photos: dict[PhotoId, ContentId] = {}
        self.duplicates: dict[PhotoId, FlickrDuplicate] = {}
        self.undecided: list[Undecided] = []
        self.undecided_pictures: set[ContentId] = set()
        self.undecided_photos: set[PhotoId] = set()
        self.pruning = Pruning()
        #: Machine tags not trusted (see matcher.trust), in the order found.
        self.doubts: list[TagDoubt] = []

    def copy(self) -> _Matching:
        """A working state of its own: the same values, each container copied (the records in
        them are immutable)."""
        other = object.__new__(_Matching)
        for name, value in vars(self).items():
            setattr(other, name, value.copy() if isinstance(value, dict | list | set) else value)
        return other

    # -- bookkeeping

    def free_pictures(self) -> list[LocalPicture]:
        return [
            p
            for cid, p in self.pictures.items()
            if cid not in self.matches and cid not in self.undecided_pictures
        ]

    def free_photos(self) -> list[RemotePhoto]:
        return [
            r
            for pid, r in self.photos.items()
            if pid not in self.matched_photos
            and pid not in self.duplicates
            and pid not in self.undecided_photos
        ]

    def open_photos(self) -> list[RemotePhoto]:
        """Free photos the weaker rules (stages 2-3) may match: those without our tag."""
        return [r for r in self.free_photos() if r.id not in self.tagged]

    def is_free_picture(self, cid: ContentId) -> bool:
        return cid in self.pictures and cid not in self.matches and cid not in self.undecided_pictures

    def is_free_photo(self, pid: PhotoId) -> bool:
        return (
            pid in self.photos
            and pid not in self.matched_photos
            and pid not in self.duplicates
            and pid not in self.undecided_photos
        )

    def said_different(self, cid: ContentId, pid: PhotoId) -> bool:
        """The user said photo ``pid`` is not picture ``cid`` (``identify --different``)."""
        return (pid, cid) in self.different

    def match(
        self, cid: ContentId, pid: PhotoId, rule: MatchRule, reason: str, *, confirmed: bool = True
    ) -> bool:
        """Pair them; False (nothing done) for a pair the user said is different."""
        if self.said_different(cid, pid):
            return False
        if pid in self.legacy:
            reason += " (uploaded by flickrsync 0.1.1)"
        self.matches[cid] = Match(cid, pid, rule, reason, confirmed)
        self.matched_photos[pid] = cid
        return True

    def duplicate(self, pid: PhotoId, cid: ContentId, of: PhotoId, reason: str) -> bool:
        """Photo ``pid`` is another copy of picture ``cid``; False for a pair said different."""
        if self.said_different(cid, pid):
            return False
        self.duplicates[pid] = FlickrDuplicate(pid, cid, of, reason)
        return True

    def _final_of(self, duplicate: FlickrDuplicate) -> FlickrDuplicate:
        """A duplicate of a photo that later turned out to be a duplicate itself points at the
        photo that stands for the picture."""
        of, seen = duplicate.of, {duplicate.photo_id}
        while of in self.duplicates and of not in seen:
            seen.add(of)
            of = self.duplicates[of].of
        return (
            duplicate
            if of == duplicate.of
            else FlickrDuplicate(duplicate.photo_id, duplicate.content_id, of, duplicate.reason)
        )

    def result(self, needs: MatchNeeds = MatchNeeds()) -> MatchResult:
        matches = tuple(sorted(self.matches.values(), key=lambda m: m.content_id))
        duplicates = [self._final_of(d) for d in self.duplicates.values()]
        return MatchResult(
            matches=matches,
            local_only=tuple(p.content_id for p in self.free_pictures()),
            remote_only=tuple(sorted((r.id for r in self.free_photos()), key=_id_order)),
            duplicates=tuple(sorted(duplicates, key=lambda d: _id_order(d.photo_id))),
            undecided=tuple(self.undecided),
            needs=needs,
            pruning=self.pruning,
            doubts=tuple(dict.fromkeys(self.doubts)),
        )


def _id_order(photo_id: str) -> tuple[int, str]:
    return (len(photo_id), photo_id)


def _match_identified(m: _Matching, evidence: MatchEvidence) -> None:
    """Pairs the user identified by hand (``flickrsync identify``): the strongest evidence there
    is, before any tag (a photo whose tag names another picture is the one the user named)."""
    for pid, cid in sorted(evidence.identified.items(), key=lambda item: _id_order(item[0])):
        if m.is_free_photo(pid) and m.is_free_picture(cid):
            m.match(cid, pid, "identified", "identified by hand (flickrsync identify)")


def _match_flickr_ids(m: _Matching) -> None:
    """A picture downloaded from Flickr is that photo. Runs after the machine tags: the download
    proves the photo's original is this content, so when our tag already matched the picture to
    another photo, the downloaded-from photo is a duplicate of it."""
    for cid, picture in m.pictures.items():
        pid = picture.flickr_id
        if pid is None or not m.is_free_photo(pid):
            continue
        if m.is_free_picture(cid):
            m.match(cid, pid, "flickr_id", f"downloaded from Flickr photo {pid}")
        elif cid in m.matches:
            m.duplicate(
                pid, cid, m.matches[cid].photo_id, f"another copy (this picture was downloaded from {pid})"
            )


def _match_machine_tags(m: _Matching) -> None:
    """``flickrsync:imagehash=<content id>``. Several photos with one content id: the earliest
    upload is the match, the others are duplicates on Flickr — also when the picture is no longer
    local, so a content is downloaded once."""
    first_remote: dict[ContentId, PhotoId] = {}
    for pid in m.photos:  # earliest upload first
        if not m.is_free_photo(pid):
            continue
        for cid in m.tag_cids.get(pid, ()):
            reason = f"machine tag {OUR_TAG_PREFIX}{short(cid)}"
            if m.is_free_picture(cid):
                if m.match(cid, pid, "machine_tag", reason):
                    break
                continue
            if cid in m.matches:
                if m.duplicate(pid, cid, m.matches[cid].photo_id, f"another copy of {cid[:12]}… ({reason})"):
                    break
                continue
            if cid not in m.pictures:
                if cid in first_remote:
                    m.duplicate(pid, cid, first_remote[cid], f"another copy of {short(cid)} ({reason})")
                    break
                first_remote[cid] = pid


def _digests_of(picture: LocalPicture, evidence: MatchEvidence) -> FileDigests | None:
    if picture.md5 is not None and picture.sha1 is not None:
        return FileDigests(picture.md5.lower(), picture.sha1.lower())
    return evidence.digests.get(picture.content_id)


def _checksum_stage(m: _Matching, evidence: MatchEvidence) -> tuple[ContentId, ...]:
    """``checksum:md5=``/``checksum:sha1=`` tags vs the files' digests. Returns the pictures whose
    digests are needed first (empty when the stage could run)."""
    by_md5: dict[str, list[PhotoId]] = defaultdict(list)
    by_sha1: dict[str, list[PhotoId]] = defaultdict(list)
    for photo in m.free_photos():
        for value in sorted(tag_values(photo, MD5_PREFIX, HEX32)):
            by_md5[value].append(photo.id)
        for value in sorted(tag_values(photo, SHA1_PREFIX, HEX40)):
            by_sha1[value].append(photo.id)
    if not by_md5 and not by_sha1:
        return ()
    pictures = m.free_pictures()
    missing = tuple(
        p.content_id
        for p in pictures
        if (p.md5 is None or p.sha1 is None) and p.content_id not in evidence.digests
    )
    if missing:
        return missing
    for picture in pictures:
        digests = _digests_of(picture, evidence)
        if digests is None:
            continue
        hits = [(pid, f"checksum:md5={digests.md5}") for pid in by_md5.get(digests.md5, ())]
        hits += [(pid, f"checksum:sha1={digests.sha1}") for pid in by_sha1.get(digests.sha1, ())]
        chosen: PhotoId | None = None
        for pid, why in sorted(hits, key=lambda h: photo_order(m.photos[h[0]])):
            if not m.is_free_photo(pid) or not checksum_fits(m, picture, pid, why):
                continue
            if chosen is None:
                if m.match(picture.content_id, pid, "checksum", f"{why} tag"):
                    chosen = pid
            else:
                m.duplicate(pid, picture.content_id, chosen, f"another copy ({why} tag)")
    return ()


def _unique_pairs(
    edges: Mapping[ContentId, set[PhotoId]],
) -> list[tuple[ContentId, PhotoId]]:
    """Pairs (picture, photo) where each is the other's only candidate."""
    degree: dict[PhotoId, int] = defaultdict(int)
    for photos in edges.values():
        for pid in photos:
            degree[pid] += 1
    return [
        (cid, next(iter(photos)))
        for cid, photos in sorted(edges.items())
        if len(photos) == 1 and degree[next(iter(photos))] == 1
    ]


_Dims = tuple[int, int] | None
#: Media and original size.
_Bucket = tuple[str, _Dims]


class _Undated:
    """Unmatched items with no exact date taken, bucketed by media and size: each could be any
    dated item of the other side, so a dated pair is only "unique" if none of these could be
    either half of it (the picture whose date was edited away, the photo uploaded without EXIF).

    Also bucketed by name (title keys, file stems), so asking about a named pair looks only at
    the undated items of that name, not at every undated item of that size."""

    def __init__(self, pictures: Iterable[LocalPicture], photos: Iterable[RemotePhoto]) -> None:
        self.pictures: dict[tuple[str, tuple[int, int] | None], list[LocalPicture]] = defaultdict(list)
        self.named_pictures: dict[tuple[str, tuple[int, int] | None, str], list[LocalPicture]] = defaultdict(
            list
        )
        for picture in pictures:
            if exact_date(picture.date_taken) is None:
                dims = (picture.width, picture.height) if picture.width and picture.height else None
                self.pictures[(picture.media, dims)].append(picture)
                for stem in picture_stems(picture):
                    self.named_pictures[(picture.media, dims, stem)].append(picture)
        self.photos: dict[tuple[str, tuple[int, int] | None], list[RemotePhoto]] = defaultdict(list)
        self.named_photos: dict[tuple[str, tuple[int, int] | None, str], list[RemotePhoto]] = defaultdict(
            list
        )
        for photo in photos:
            if remote_exact_date(photo) is None:
                dims = (photo.o_width, photo.o_height) if photo.o_width and photo.o_height else None
                self.photos[(photo.media, dims)].append(photo)
                for key in title_keys(photo.title):
                    self.named_photos[(photo.media, dims, key)].append(photo)

    def could_be_photo(self, photo: RemotePhoto, title_keys_: frozenset[str] | None = None) -> bool:
        """Some undated picture could be ``photo`` (with one of ``title_keys_``, when given)."""
        if photo.o_width and photo.o_height:
            dims = (photo.o_width, photo.o_height)
            buckets: list[_Bucket] = [
                (photo.media, dims),
                (photo.media, (dims[1], dims[0])),
                (photo.media, None),
            ]
        else:
            buckets = [key for key in self.pictures if key[0] == photo.media]
        if title_keys_ is None:
            found: Iterable[LocalPicture] = (p for key in buckets for p in self.pictures.get(key, ()))
        else:  # a picture named like the photo: found under one of its stems
            found = (
                p
                for key in buckets
                for name in title_keys_
                for p in self.named_pictures.get((*key, name), ())
            )
        return any(dimensions_compatible(p, photo) for p in found)

    def could_be_picture(self, picture: LocalPicture, stems: frozenset[str] | None = None) -> bool:
        """Some undated photo could be ``picture`` (titled with one of ``stems``, when given)."""
        if picture.width and picture.height:
            dims = (picture.width, picture.height)
            buckets: list[_Bucket] = [
                (picture.media, dims),
                (picture.media, (dims[1], dims[0])),
                (picture.media, None),
            ]
        else:
            buckets = [key for key in self.photos if key[0] == picture.media]
        if stems is None:
            found: Iterable[RemotePhoto] = (r for key in buckets for r in self.photos.get(key, ()))
        else:  # a photo titled like the picture: found under one of its title keys
            found = (r for key in buckets for stem in stems for r in self.named_photos.get((*key, stem), ()))
        return any(
            dimensions_compatible(picture, r) and not dates_conflict(picture.date_taken, r) for r in found
        )


#: A pair a weak rule found, for :meth:`WeakGate.offer`: picture, photo, the reason.
Offer = tuple[ContentId, PhotoId, str]


def _title_date_pairs(m: _Matching) -> list[Offer]:
    """Title = a file name without extension AND date taken equal to the second — only when the
    pair is unique: no other picture/photo has that name and date (a Live Photo's HEIC and MOV
    share both: media is in the key), and no undated one with that name could be either half.
    Found from what ``m`` leaves free; :func:`_offer_title_date` then offers each pair to the
    gate, which confirms it (matcher.trust) and decides each pair alone, so the pairs found do
    not depend on the evidence the gate is given."""
    index: dict[tuple[str, str, str], set[PhotoId]] = defaultdict(set)
    photos = m.open_photos()
    pictures = m.free_pictures()
    # Only a photo of a free picture's date can be found by one: the others' titles are not
    # read (a small library against a big account).
    dates = {date for p in pictures if (date := exact_date(p.date_taken)) is not None}
    for photo in photos:
        date = remote_exact_date(photo)
        if date is None or date not in dates:
            continue
        for key in title_keys(photo.title):
            index[(photo.media, key, date)].add(photo.id)
    if not index:
        return []
    edges: dict[ContentId, set[PhotoId]] = {}
    labels: dict[tuple[ContentId, PhotoId], tuple[str, str]] = {}
    for picture in pictures:
        date = exact_date(picture.date_taken)
        if date is None:
            continue
        found: set[PhotoId] = set()
        for stem in picture_stems(picture):
            for pid in index.get((picture.media, stem, date), ()):
                found.add(pid)
                labels.setdefault((picture.content_id, pid), (stem, date))
        if found:
            edges[picture.content_id] = found
    undated = _Undated(pictures, photos)
    pairs: list[Offer] = []
    for cid, pid in _unique_pairs(edges):
        picture, photo = m.pictures[cid], m.photos[pid]
        if undated.could_be_photo(photo, title_keys(photo.title)):
            continue
        if undated.could_be_picture(picture, picture_stems(picture)):
            continue
        stem, date = labels[(cid, pid)]
        name = next((p.stem for p in picture.paths if normalize_name(p.stem) == stem), stem)
        pairs.append((cid, pid, f"title+date: {name} / {date}"))
    return pairs


def _offer_title_date(m: _Matching, gate: WeakGate, pairs: Sequence[Offer]) -> None:
    """Offer the pairs :func:`_title_date_pairs` found to ``gate``."""
    for cid, pid, reason in pairs:
        gate.offer(m, cid, pid, "title_date", reason)


def _match_date_alone(m: _Matching, gate: WeakGate) -> None:
    """Date taken alone (the title was changed on Flickr), when the pair is unique among what is
    still unmatched: the only picture and the only photo of that second (same media), of
    compatible size, and no undated picture or photo of compatible size could be either half.
    The Flickr title must not look like a different camera file name either (``IMG_0002`` is
    another shot of the same second, not a retitled ``IMG_0001``). The pair is then offered to
    ``gate``, which confirms it (matcher.trust)."""
    pictures = m.free_pictures()
    local_by_date: dict[tuple[str, str], list[LocalPicture]] = defaultdict(list)
    for picture in pictures:
        date = exact_date(picture.date_taken)
        if date is not None:
            local_by_date[(picture.media, date)].append(picture)
    if not local_by_date:
        return
    photos = m.open_photos()
    remote_by_date: dict[tuple[str, str], list[RemotePhoto]] = defaultdict(list)
    for photo in photos:
        date = remote_exact_date(photo)
        if date is not None:
            remote_by_date[(photo.media, date)].append(photo)
    undated = _Undated(pictures, photos)
    for key in sorted(local_by_date.keys() & remote_by_date.keys()):
        candidates, others = local_by_date[key], remote_by_date[key]
        if len(candidates) != 1 or len(others) != 1:
            continue
        picture, photo = candidates[0], others[0]
        if not dimensions_compatible(picture, photo):
            continue
        stems = picture_stems(picture)
        titled = title_keys(photo.title)
        if titled and not (titled & stems) and any(FILE_NAME_LIKE.fullmatch(t) for t in titled):
            continue
        if undated.could_be_photo(photo) or undated.could_be_picture(picture):
            continue
        gate.offer(
            m,
            picture.content_id,
            photo.id,
            "date",
            f"date taken alone: {key[1]} (Flickr title {photo.title!r})",
        )


def _local_phash(picture: LocalPicture, evidence: MatchEvidence) -> str | None:
    return picture.phash if picture.phash is not None else evidence.local_phash.get(picture.content_id)


def _apply_originals(m: _Matching, evidence: MatchEvidence) -> None:
    """A fetched original decides its photo: our picture (match), a copy of a matched picture
    (duplicate), or none of ours (the photo stays unmatched). Tagged photos too: the original is
    what the photo is, whatever a tag says."""
    for photo in m.free_photos():
        cid = evidence.originals.get(photo.id)
        if cid is None:
            continue
        if m.is_free_picture(cid):
            m.match(cid, photo.id, "original", f"original's content id {short(cid)}")
        elif cid in m.matches:
            m.duplicate(photo.id, cid, m.matches[cid].photo_id, f"original is a copy of {short(cid)}")


def _candidates(
    photos: list[RemotePhoto], use_dates: bool, evidence: MatchEvidence, memo: LookMemo | None
) -> Candidates:
    """The candidates index of ``photos`` with the hashes of ``evidence``: the one an earlier
    round built for the same photos (``memo``), given the hashes known now, or a new one."""
    ids = tuple(r.id for r in photos)
    if memo is not None and memo.candidates is not None and memo.photos == ids:
        return memo.candidates.rehashed(evidence.remote_phash)
    candidates = Candidates(photos, use_dates=use_dates, hashes=evidence.remote_phash)
    if memo is not None:
        memo.photos, memo.candidates = ids, candidates
    return candidates


class LookMemo:
    """What look matching found in one round of a matching loop that a later round may reuse,
    kept by :class:`~flickrsync.matcher.MatchMemo`. Only a cache."""

    def __init__(self) -> None:
        #: The photos no free picture could be by what the listing says (pruned), and which
        #: pictures were free: with the same pictures free, or fewer, such a photo still has none.
        self.pictures: frozenset[ContentId] | None = None
        self.pruned: frozenset[PhotoId] = frozenset()
        #: The candidates index of the photos compared by look (their ids, in order), kept for
        #: the same photos: the next round only gives it the hashes it has then.
        self.photos: tuple[PhotoId, ...] = ()
        self.candidates: Candidates | None = None


def _content_stage(
    m: _Matching, options: MatchOptions, evidence: MatchEvidence, memo: LookMemo | None = None
) -> MatchNeeds:
    """Perceptual hashes, then originals for ambiguous look-alikes; then, if asked, the check for
    extra Flickr copies of matched pictures (whose looks are asked with the look-alikes', its
    originals once those have settled). Returns what is still needed. ``memo``: see
    :class:`LookMemo`."""
    _apply_originals(m, evidence)
    needs = _lookalikes(m, options, evidence, memo)
    if options.check_flickr_copies:
        copies = _suspect_copies(m, options, evidence)
        # While look-alikes are still open, the looks the copy check will want for the pairs
        # matched so far are asked with them (one round of look-ups, not two); originals are
        # asked only once the matches have settled.
        needs = (
            needs.union(MatchNeeds(local_phash=copies.local_phash, remote_phash=copies.remote_phash))
            if needs
            else copies
        )
    return needs


def _lookalikes(
    m: _Matching, options: MatchOptions, evidence: MatchEvidence, memo: LookMemo | None
) -> MatchNeeds:
    pictures = [p for p in m.free_pictures() if p.media == "photo"]
    # Photos whose original was fetched and is none of ours are decided (they stay unmatched);
    # those whose original could not be fetched (None) still take part, by their look.
    photos = [r for r in m.open_photos() if r.media == "photo" and evidence.originals.get(r.id) is None]
    if not pictures or not photos:
        return MatchNeeds()

    use_dates = options.date_match
    candidates = _candidates(photos, use_dates, evidence, memo)
    # Which pictures and photos must be looked at: only those whose look is not known yet are
    # asked about (whether some candidate could be them); one whose look is known finds its
    # candidates by :meth:`Candidates.near` below, which is the same question, asked anyway.
    # A pair the user said is different is no candidate: no hash is asked for it, no edge joins
    # it, so it is neither a match nor an undecided group.
    unknown_pictures = [p for p in pictures if p.phash is None and p.content_id not in evidence.local_phash]
    unknown_photos = [r for r in photos if r.id not in evidence.remote_phash]
    free = frozenset(p.content_id for p in pictures)
    reuse = memo is not None and memo.pictures is not None and free <= memo.pictures
    settled = memo.pruned if memo is not None and reuse else None
    skipped = 0
    if settled:  # pruned in an earlier round, from these pictures or more: still pruned
        asking = [r for r in unknown_photos if r.id not in settled]
        skipped, unknown_photos = len(unknown_photos) - len(asking), asking
    could_be = Pictures(pictures if unknown_photos else (), use_dates=use_dates)
    if m.different:
        looking = [
            p
            for p in unknown_pictures
            if any(not m.said_different(p.content_id, r.id) for r in candidates.of(p))
        ]
        wanted_photos = [
            r for r in unknown_photos if any(not m.said_different(p.content_id, r.id) for p in could_be.of(r))
        ]
    else:  # the usual case, and the same answer: the first candidate is enough
        looking = [p for p in unknown_pictures if candidates.any(p)]
        wanted_photos = [r for r in unknown_photos if could_be.any(r)]
    if memo is not None and settled is None:
        memo.pictures = free
        memo.pruned = frozenset(r.id for r in unknown_photos).difference(r.id for r in wanted_photos)
    m.pruning = Pruning(
        renditions=len(unknown_photos) - len(wanted_photos) + skipped,
        decodes=len(unknown_pictures) - len(looking),
    )
    need_local = tuple(p.content_id for p in looking)
    need_remote = tuple(sorted((r.id for r in wanted_photos), key=_id_order))
    if need_local or need_remote:
        return MatchNeeds(local_phash=need_local, remote_phash=need_remote)

    # Look-alike graph: edges within the threshold; connected components decide. A lone pair
    # whose dates conflict (a repeat shot of the same scene, or a date fixed after the upload)
    # is decided by the original, like a group.
    edges: dict[ContentId, dict[PhotoId, int]] = {}
    conflicts: set[tuple[ContentId, PhotoId]] = set()
    # (A picture without a look has no candidate (pruned), or could not be decoded.)
    looks = [(p, mine) for p in pictures if (mine := _local_phash(p, evidence)) is not None]
    nearby = candidates.near_many(looks, options.phash_threshold)
    for (picture, _mine), found in zip(looks, nearby, strict=True):
        near = {pid: d for pid, d in found.items() if not m.said_different(picture.content_id, pid)}
        if near:
            edges[picture.content_id] = near
        for pid in near:
            if use_dates and dates_conflict(picture.date_taken, m.photos[pid]):
                conflicts.add((picture.content_id, pid))
    need_originals: list[PhotoId] = []
    for component_pictures, component_photos in _components(edges):
        lone = len(component_pictures) == 1 and len(component_photos) == 1
        by_look = lone and not options.confirm_lookalikes
        if by_look and (component_pictures[0], component_photos[0]) not in conflicts:
            cid, pid = component_pictures[0], component_photos[0]
            photo = m.photos[pid]
            dims = f", {photo.o_width}×{photo.o_height}" if photo.o_width and photo.o_height else ""
            m.match(cid, pid, "phash", f"look-alike: distance {edges[cid][pid]}{dims}")
            continue
        unknown = [pid for pid in component_photos if pid not in evidence.originals]
        if unknown:
            need_originals.extend(unknown)
            continue
        # Every original was tried and some were unavailable: leave the group for a later run.
        why = (
            "looks like it but its date taken differs"
            if lone
            else f"{len(component_pictures)} pictures and {len(component_photos)} Flickr photos look alike"
        )
        m.undecided.append(
            Undecided(
                content_ids=component_pictures,
                photo_ids=component_photos,
                reason=f"{why}, and the original could not be fetched to decide",
            )
        )
        m.undecided_pictures.update(component_pictures)
        m.undecided_photos.update(component_photos)
    return MatchNeeds(originals=tuple(sorted(set(need_originals), key=_id_order)))


def _suspect_copies(m: _Matching, options: MatchOptions, evidence: MatchEvidence) -> MatchNeeds:
    """Unmatched photos that may be extra copies of matched pictures — same media and compatible
    size, and either a name of the picture (dates not conflicting) or the same date taken to the
    second and the same look. Their originals decide. (In sync2/download such a photo would be
    downloaded anyway, so its original is not extra cost.)"""
    by_date: dict[tuple[str, str], list[LocalPicture]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[LocalPicture]] = defaultdict(list)
    for cid in m.matches:
        picture = m.pictures[cid]
        date = exact_date(picture.date_taken)
        if date is not None:
            by_date[(picture.media, date)].append(picture)
        for stem in picture_stems(picture):
            by_name[(picture.media, stem)].append(picture)
    if not by_name:
        return MatchNeeds()
    need_local: set[ContentId] = set()
    need_remote: list[PhotoId] = []
    suspects: list[PhotoId] = []
    for photo in m.open_photos():
        if photo.id in evidence.originals:
            continue
        named = [
            p
            for key in sorted(title_keys(photo.title))
            for p in by_name.get((photo.media, key), ())
            if dimensions_compatible(p, photo)
            and not dates_conflict(p.date_taken, photo)
            and not m.said_different(p.content_id, photo.id)
        ]
        if named:
            suspects.append(photo.id)
            continue
        date = remote_exact_date(photo)
        if date is None or photo.media != "photo":
            continue
        candidates = [
            p
            for p in by_date.get((photo.media, date), ())
            if dimensions_compatible(p, photo) and not m.said_different(p.content_id, photo.id)
        ]
        if not candidates:
            continue
        if photo.id not in evidence.remote_phash:
            need_remote.append(photo.id)
        need_local.update(
            p.content_id for p in candidates if p.phash is None and p.content_id not in evidence.local_phash
        )
        theirs = evidence.remote_phash.get(photo.id)
        if theirs is None:
            continue
        for picture in candidates:
            mine = _local_phash(picture, evidence)
            distance = hamming(mine.lower(), theirs.lower()) if mine is not None else None
            if distance is not None and distance <= options.phash_threshold:
                suspects.append(photo.id)
                break
    if need_local or need_remote:
        return MatchNeeds(local_phash=tuple(sorted(need_local)), remote_phash=tuple(need_remote))
    return MatchNeeds(originals=tuple(sorted(set(suspects), key=_id_order)))


def _components(
    edges: Mapping[ContentId, Mapping[PhotoId, int]],
) -> list[tuple[tuple[ContentId, ...], tuple[PhotoId, ...]]]:
    """Connected components of the bipartite look-alike graph, deterministic order."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for cid, photos in edges.items():
        for pid in photos:
            a, b = find("L" + cid), find("R" + pid)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, tuple[set[ContentId], set[PhotoId]]] = {}
    for cid, photos in edges.items():
        root = find("L" + cid)
        group = groups.setdefault(root, (set(), set()))
        group[0].add(cid)
        group[1].update(photos)
    out = [(tuple(sorted(cs)), tuple(sorted(ps, key=_id_order))) for cs, ps in groups.values()]
    return sorted(out)
