"""Pure matcher: local pictures vs Flickr photos -> matched / local only / Flickr only.

Charter: this module decides which local picture (one content id, any number of paths) is which
Flickr photo. It does no I/O whatsoever: it reads only its arguments — the two indexes as
:mod:`flickrsync.models` records, :class:`MatchOptions`, and :class:`MatchEvidence` (hashes the
engine computed on request). Its shape is rclone's march (``fs/march/march.go``): every item ends
in exactly one outcome — matched, local only (SrcOnly), Flickr only (DstOnly) — plus two outcomes
rclone does not need: *duplicates on Flickr* (extra copies of a picture; reported, never deleted)
and *undecided* (the evidence that would decide could not be had this run).

Matching runs in stages, strongest key first; each stage only sees what the earlier ones left, and
a photo matches at most one picture and a picture at most one photo:

0. what the user identified by hand (``flickrsync identify``: evidence the engine passes in);
   a pair the user said is different (``identify --different``) is never paired by any stage:
   not matched, not a copy, not in an undecided group;
1. strong keys — our machine tag ``flickrsync:imagehash=<content id>``, then
   ``LocalPicture.flickr_id`` (the picture was downloaded from that photo), then the
   ``checksum:md5=`` / ``checksum:sha1=`` machine tags other uploaders leave, compared with the
   file's digests;
2. title + date taken (to the second, never an unknown date), then date taken alone when it is
   unique on both sides;
3. content — perceptual hash of the picture vs that of a small Flickr size, with the same original
   dimensions; a lone look-alike pair matches, but where several candidates qualify, or the two
   dates taken conflict, the original's content id decides. With ``check_flickr_copies`` (sync2,
   download), photos still unmatched that look like extra copies of matched pictures are checked
   by their originals too, and become duplicates.

A photo carrying our machine tag is what its tag says: stages 2–3 never give it to another
picture. Photos uploaded by flickrsync 0.1.1 carry ``flickrsync:signature=…`` (an ImageMagick
signature nobody can recompute) instead: they are matched by stages 2–3 like any other photo.

Lazy evidence, the "needs" protocol: MD5/SHA-1 digests, perceptual hashes and originals cost I/O,
so the engine computes them only when asked. :func:`match_photos` returns a :class:`MatchResult`
whose ``needs`` names exactly what it still lacks; the engine computes/fetches those, adds them to
the :class:`MatchEvidence` (``None`` = tried, unavailable) and calls again::

    evidence, memo = MatchEvidence(), MatchMemo()
    result = match_photos(local, remote, options, evidence, memo=memo)
    while result.needs:
        evidence = evidence.merged(compute(result.needs))   # the engine's I/O
        result = match_photos(local, remote, options, evidence, memo=memo)

(The memo only saves work: the strong keys and the title + date pairs are not found again in
each round. The result is the same without it.)

The matcher never asks twice for something the evidence already answers, and each round asks for
one step's worth (digests; hashes; originals; then, with ``check_flickr_copies``, hashes and
originals of suspected copies), so the loop ends after at most six calls — usually one. Only a
complete result (``needs`` empty) may be planned.

Keys are normalised explicitly (rclone's ``srcOrDstKey``): titles and file names are compared in
Unicode NFC, case-folded, trimmed; tags in Flickr's clean (lower-case) form; dates as
``YYYY-MM-DD HH:MM:SS`` wall-clock strings. The result does not depend on input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flickrsync.matcher.keys import (
    content_ids_in_tags,
    dates_conflict,
    dimensions_compatible,
    exact_date,
    hamming,
    is_legacy_upload,
    normalize_name,
    picture_stems,
    remote_date,
    remote_exact_date,
    title_keys,
)
from flickrsync.matcher.stages import (
    LookMemo,
    Offer,
    _checksum_stage,
    _content_stage,
    _match_date_alone,
    _match_flickr_ids,
    _match_identified,
    _match_machine_tags,
    _Matching,
    _offer_title_date,
    _title_date_pairs,
)
from flickrsync.matcher.trust import WeakGate, distrust_tags
from flickrsync.matcher.types import (
    DEFAULT_PHASH_THRESHOLD,
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
from flickrsync.models import LocalPicture, RemotePhoto

# --- entry point -----------------------------------------------------------------------------


@dataclass
class _Kept:
    """What one round found that the next may reuse, and what it was found from."""

    local: Sequence[LocalPicture]
    remote: Sequence[RemotePhoto]
    options: MatchOptions
    evidence: MatchEvidence
    #: The working state after the strong keys (stages 0-1), never worked on itself.
    strong: _Matching
    #: The title + date pairs found from it (whatever the gate makes of them).
    title_date: list[Offer]
    #: What look matching found that later rounds may reuse.
    looks: LookMemo = field(default_factory=LookMemo)


class MatchMemo:
    """What :func:`match_photos` found in one round that the evidence the next round brings
    (perceptual hashes, originals) cannot change: the outcome of the strong keys (stages 0-1)
    and the title + date pairs, which the weak gate then judges by the new evidence. Reused
    only for the same ``local`` and ``remote`` (the same objects), options, and the evidence
    those stages read (identified and different pairs, digests); anything else starts over.
    Only a cache: the result is the same with or without it. One per matching loop."""

    def __init__(self) -> None:
        self._kept: _Kept | None = None

    def reusable(
        self,
        local: Sequence[LocalPicture],
        remote: Sequence[RemotePhoto],
        options: MatchOptions,
        evidence: MatchEvidence,
    ) -> _Kept | None:
        kept = self._kept
        if (
            kept is None
            or kept.local is not local
            or kept.remote is not remote
            or kept.options != options
            or kept.evidence.identified != evidence.identified
            or kept.evidence.different != evidence.different
            or kept.evidence.digests != evidence.digests
        ):
            return None
        return kept

    def keep(self, kept: _Kept) -> None:
        self._kept = kept


def match_photos(
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    options: MatchOptions = MatchOptions(),
    evidence: MatchEvidence = MatchEvidence(),
    *,
    memo: MatchMemo | None = None,
) -> MatchResult:
    """Match the local index against the remote index. Pure; see the module docstring.
    ``memo``: kept across the rounds of one matching loop (see :class:`MatchMemo`).

    Raises ValueError if a content id or a photo id appears twice (a bug in the caller).
    """
    kept = memo.reusable(local, remote, options, evidence) if memo is not None else None
    if kept is not None:
        m = kept.strong.copy()
        title_date = kept.title_date
    else:
        m = _Matching(local, remote, evidence.different)
        _match_identified(m, evidence)
        distrust_tags(m)
        _match_machine_tags(m)
        _match_flickr_ids(m)
        need_digests = _checksum_stage(m, evidence)
        if need_digests:
            return m.result(MatchNeeds(digests=need_digests))
        title_date = _title_date_pairs(m) if options.date_match else []
        if memo is not None:
            kept = _Kept(local, remote, options, evidence, m.copy(), title_date)
            memo.keep(kept)
    gate = WeakGate(options, evidence)
    if options.date_match:
        _offer_title_date(m, gate, title_date)
        _match_date_alone(m, gate)
    needs = _content_stage(m, options, evidence, kept.looks if kept is not None else None)
    return m.result(gate.needs().union(needs))


__all__ = [
    "DEFAULT_PHASH_THRESHOLD",
    "FileDigests",
    "FlickrDuplicate",
    "Match",
    "MatchEvidence",
    "MatchMemo",
    "MatchNeeds",
    "MatchOptions",
    "MatchResult",
    "MatchRule",
    "Pruning",
    "TagDoubt",
    "Undecided",
    "content_ids_in_tags",
    "dates_conflict",
    "dimensions_compatible",
    "exact_date",
    "hamming",
    "is_legacy_upload",
    "match_photos",
    "normalize_name",
    "picture_stems",
    "remote_date",
    "remote_exact_date",
    "title_keys",
]
