"""What the matcher takes and gives: options, evidence, needs and results (plain data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from flickrsync.models import (
    ContentId,
    PhotoId,
)

#: Which rule made a match, strongest first.
MatchRule = Literal[
    "identified", "flickr_id", "machine_tag", "checksum", "title_date", "date", "original", "phash"
]

#: Maximum Hamming distance between two 64-bit perceptual hashes for "looks the same".
#: Provisional: the fingerprint module measures the real value on the sample photos.
DEFAULT_PHASH_THRESHOLD = 6


# --- options, evidence, results --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """How to match. ``date_match=False`` is ``--nodatematch``: stage 2 is off (for libraries
    whose EXIF dates are wrong) and a date that differs no longer makes a look-alike need its
    original."""

    date_match: bool = True
    phash_threshold: int = DEFAULT_PHASH_THRESHOLD
    #: Also look for extra Flickr copies of pictures that are already matched (same size, and the
    #: same name, or the same second and look), confirmed by their originals, so ``sync2`` and
    #: ``download`` do not download a second copy of a picture the library has. Costs an original
    #: per suspect, which those modes would download anyway; off for ``sync``.
    check_flickr_copies: bool = False
    #: Decide every look-alike by its original, even a lone pair: for photos other tools uploaded
    #: when a near-identical shot (a burst) may be on Flickr but no longer in the library. Costs
    #: an original per look-alike match.
    confirm_lookalikes: bool = False


@dataclass(frozen=True, slots=True)
class FileDigests:
    """Whole-file digests of a local picture, lower-case hex."""

    md5: str
    sha1: str


@dataclass(frozen=True)
class MatchEvidence:
    """What the engine computed because a :class:`MatchNeeds` asked. ``None`` = tried, unavailable
    (unreadable file, download failed): the matcher then decides without it and never asks again.

    The values carried by the records themselves (``LocalPicture.phash/md5/sha1``) count too.
    The engine should keep ``remote_phash`` and ``originals`` in its index and pass them in on
    later runs: they cost downloads, and an original's content id is as good as a machine tag
    (without it, a Flickr copy proven by its original would be re-examined every run).
    """

    digests: Mapping[ContentId, FileDigests | None] = field(default_factory=dict)
    local_phash: Mapping[ContentId, str | None] = field(default_factory=dict)
    remote_phash: Mapping[PhotoId, str | None] = field(default_factory=dict)
    #: Content id of a downloaded original.
    originals: Mapping[PhotoId, ContentId | None] = field(default_factory=dict)
    #: The user said so (``flickrsync identify``): this photo is this picture. Stronger than any
    #: tag.
    identified: Mapping[PhotoId, ContentId] = field(default_factory=dict)
    #: The user said so (``flickrsync identify --different``): this photo is not this picture.
    #: No rule pairs them (match, copy or undecided). A pair is never both identified and said
    #: different (:mod:`flickrsync.userchoices` keeps them apart; were it, neither would hold).
    different: frozenset[tuple[PhotoId, ContentId]] = frozenset()

    def merged(self, other: MatchEvidence) -> MatchEvidence:
        """This evidence plus ``other`` (``other`` wins where both know an item)."""
        return MatchEvidence(
            digests={**self.digests, **other.digests},
            local_phash={**self.local_phash, **other.local_phash},
            remote_phash={**self.remote_phash, **other.remote_phash},
            originals={**self.originals, **other.originals},
            identified={**self.identified, **other.identified},
            different=self.different | other.different,
        )


@dataclass(frozen=True, slots=True)
class MatchNeeds:
    """What the matcher still needs; empty when the result is final. Sorted, no repeats."""

    #: MD5 and SHA-1 of these pictures' files (checksum machine tags exist on Flickr).
    digests: tuple[ContentId, ...] = ()
    #: Perceptual hash of these pictures.
    local_phash: tuple[ContentId, ...] = ()
    #: Perceptual hash of a small size (``url_small``, about 320 px) of these photos.
    remote_phash: tuple[PhotoId, ...] = ()
    #: Content id of these photos' originals (only for ambiguous look-alikes).
    originals: tuple[PhotoId, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.digests or self.local_phash or self.remote_phash or self.originals)

    @property
    def count(self) -> int:
        """How many look-ups these needs are (one per item)."""
        return len(self.digests) + len(self.local_phash) + len(self.remote_phash) + len(self.originals)

    def union(self, other: MatchNeeds) -> MatchNeeds:
        """Both asks in one (sorted, no repeats)."""
        return MatchNeeds(
            digests=tuple(sorted({*self.digests, *other.digests})),
            local_phash=tuple(sorted({*self.local_phash, *other.local_phash})),
            remote_phash=tuple(sorted({*self.remote_phash, *other.remote_phash}, key=lambda p: (len(p), p))),
            originals=tuple(sorted({*self.originals, *other.originals}, key=lambda p: (len(p), p))),
        )


@dataclass(frozen=True, slots=True)
class Match:
    """A picture and the Flickr photo that holds it, with the rule and a human reason.

    ``confirmed`` False: weak evidence that could not be confirmed (a video's title and date
    taken: videos are not compared by look). Enough not to upload or download it again, never
    enough to write the picture's machine tag on the photo (see docs/matching.md)."""

    content_id: ContentId
    photo_id: PhotoId
    rule: MatchRule
    reason: str
    confirmed: bool = True


@dataclass(frozen=True, slots=True)
class TagDoubt:
    """Content-id machine tags on a photo that the matcher does not trust (two different
    pictures named on one photo; a picture whose size is not the photo's): no match comes of
    them, and the engine reports each once per run."""

    photo_id: PhotoId
    tags: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class FlickrDuplicate:
    """An extra Flickr copy of a picture: ``of`` is the photo chosen for it. Never deleted."""

    photo_id: PhotoId
    content_id: ContentId
    of: PhotoId
    reason: str


@dataclass(frozen=True, slots=True)
class Undecided:
    """Look-alikes the matcher could not tell apart (an original could not be fetched). They are
    neither uploaded nor downloaded this run."""

    content_ids: tuple[ContentId, ...]
    photo_ids: tuple[PhotoId, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Pruning:
    """What look matching did not fetch or compute because the listing ruled the pairs out
    (:mod:`flickrsync.matcher.prune`): the look-ups pruning skipped."""

    #: Unmatched Flickr photos whose small rendition was not fetched: no unmatched picture could
    #: be them (and none was fetched before).
    renditions: int = 0
    #: Unmatched pictures whose perceptual hash was not computed: no unmatched photo could be them.
    decodes: int = 0


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Every picture is in exactly one of ``matches``/``local_only``/``undecided``; every photo in
    exactly one of ``matches``/``remote_only``/``duplicates``/``undecided``. While ``needs`` is not
    empty the outcome is provisional and must not be planned."""

    matches: tuple[Match, ...]
    local_only: tuple[ContentId, ...]
    remote_only: tuple[PhotoId, ...]
    duplicates: tuple[FlickrDuplicate, ...] = ()
    undecided: tuple[Undecided, ...] = ()
    needs: MatchNeeds = MatchNeeds()
    pruning: Pruning = Pruning()
    #: Machine tags not trusted, by photo id order.
    doubts: tuple[TagDoubt, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.needs

    def photo_of(self) -> dict[ContentId, PhotoId]:
        """Content id -> matched photo id."""
        return {m.content_id: m.photo_id for m in self.matches}

    def picture_of(self) -> dict[PhotoId, ContentId]:
        """Photo id -> matched content id."""
        return {m.photo_id: m.content_id for m in self.matches}
