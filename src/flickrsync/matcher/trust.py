"""What evidence the matcher trusts (issue 16 point 2: nothing silently wrong). Pure.

A wrong match is the failure to prevent: the picture is never backed up (``sync`` takes it for
uploaded), and the photo is never downloaded (``sync2``). Worse, a match by a weaker rule gets
our machine tag, which makes it permanent: every later run, even with ``--nodatematch`` and a new
index, trusts the tag. So:

* **A photo carries one content id.** Two different ``flickrsync:imagehash=`` tags on one photo
  are a conflict: neither is trusted (the photo is matched as if it had none, by the rules that
  confirm what they find), and the conflict is reported.
* **A content-id tag must fit the photo.** ``flickrsync:imagehash=``, ``checksum:md5=`` and
  ``checksum:sha1=`` name a picture; when the photo's original size (``o_width``/``o_height``)
  is not that picture's, either way round (a rotation may or may not be applied to one of the
  two), the tag was forged or copied onto another photo: not trusted, reported. Our tag on the
  picture's smaller copy exactly as ``resize`` makes it is a resized upload: trusted.
* **Weak evidence is confirmed before it counts** (:class:`WeakGate`). A pair found by title +
  date taken, or by date taken alone, is a match only when the picture looks like the photo's
  small rendition (perceptual hashes within the threshold) or, when the look differs or cannot
  be had, when the photo's original has the picture's content id. Until the evidence is in, the
  pair is held (the result is incomplete, so nothing is planned); look and original both
  unavailable: undecided (neither uploaded nor downloaded this run, said so). Videos are not
  compared by look: a video's title + date taken is a match *unconfirmed* — enough not to upload
  or download it again, never enough for our tag — and date taken alone is not used for videos.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flickrsync.matcher.keys import (
    OUR_TAG_PREFIX,
    hamming,
    is_resized_copy,
    short,
)
from flickrsync.matcher.types import MatchEvidence, MatchNeeds, MatchOptions, MatchRule, TagDoubt, Undecided
from flickrsync.models import ContentId, LocalPicture, PhotoId, RemotePhoto

if TYPE_CHECKING:
    from flickrsync.matcher.stages import _Matching


def sizes_agree(picture: LocalPicture, photo: RemotePhoto, *, resized: bool = False) -> bool:
    """Could a content-id tag naming ``picture`` be true of ``photo``, by the original's size?
    Unknown on either side: yes. Either way round: how a format records a rotation (an EXIF
    orientation, a HEIF ``irot``, a video's matrix) and whether Flickr's ``o_width``/``o_height``
    apply it is not something to bet a backup on; a forged tag on a photo of exactly the
    swapped size is the price. ``resized``: a smaller copy of the picture as ``resize`` makes it
    (upright, at any long edge: the setting may have changed since) is the picture's upload too —
    true of our machine tag, which a resized upload carries, not of a checksum of the file."""
    if picture.width is None or picture.height is None or photo.o_width is None or photo.o_height is None:
        return True
    theirs = (photo.o_width, photo.o_height)
    if theirs in ((picture.width, picture.height), (picture.height, picture.width)):
        return True
    return resized and is_resized_copy(picture, *theirs)


def _size(width: int | None, height: int | None) -> str:
    return f"{width}×{height}"


def distrust_tags(m: _Matching) -> None:
    """Drop the ``flickrsync:imagehash=`` tags the matcher must not trust (see the module
    docstring) from ``m.tag_cids``/``m.tagged``, and record each photo's doubt once."""
    for pid in sorted(m.tag_cids, key=lambda p: (len(p), p)):
        if pid in m.matched_photos:
            continue  # identified by hand: the user's word, whatever its tags say
        cids = m.tag_cids[pid]
        photo = m.photos[pid]
        tags = tuple(OUR_TAG_PREFIX + cid for cid in cids)
        if len(cids) > 1:
            reason = (
                f"carries {len(cids)} different {OUR_TAG_PREFIX} tags "
                f"({', '.join(short(c) for c in cids)}): a photo holds one picture, so neither is trusted"
            )
        else:
            picture = m.pictures.get(cids[0])
            if picture is None or sizes_agree(picture, photo, resized=True):
                continue
            reason = (
                f"its {OUR_TAG_PREFIX}{short(cids[0])} tag names a picture of "
                f"{_size(picture.width, picture.height)}, but the photo's original is "
                f"{_size(photo.o_width, photo.o_height)}: the tag is not trusted"
            )
        del m.tag_cids[pid]
        m.tagged.discard(pid)
        m.doubts.append(TagDoubt(pid, tags, reason))


def checksum_fits(m: _Matching, picture: LocalPicture, pid: PhotoId, tag: str) -> bool:
    """May the ``checksum:`` tag ``tag`` of photo ``pid`` match ``picture``? Not when the photo's
    original size is not the picture's (recorded as a doubt)."""
    photo = m.photos[pid]
    if sizes_agree(picture, photo):
        return True
    m.doubts.append(
        TagDoubt(
            pid,
            (tag,),
            f"its {tag} tag names a file of {_size(picture.width, picture.height)}, but the photo's "
            f"original is {_size(photo.o_width, photo.o_height)}: the tag is not trusted",
        )
    )
    return False


class WeakGate:
    """Confirms the pairs the weak rules (title + date taken, date taken alone) find, from the
    evidence; collects what more it needs. One per :func:`~flickrsync.matcher.match_photos` call."""

    def __init__(self, options: MatchOptions, evidence: MatchEvidence) -> None:
        self.options = options
        self.evidence = evidence
        self._local: set[ContentId] = set()
        self._remote: set[PhotoId] = set()
        self._originals: set[PhotoId] = set()

    def needs(self) -> MatchNeeds:
        return MatchNeeds(
            local_phash=tuple(sorted(self._local)),
            remote_phash=tuple(sorted(self._remote, key=lambda p: (len(p), p))),
            originals=tuple(sorted(self._originals, key=lambda p: (len(p), p))),
        )

    def offer(self, m: _Matching, cid: ContentId, pid: PhotoId, rule: MatchRule, reason: str) -> None:
        """A pair a weak rule found: matched when confirmed, held while evidence is missing,
        undecided when none can be had, else left alone (both stay free for the later rules).
        A pair the user said is different is left alone at once (no evidence asked for it)."""
        if m.said_different(cid, pid):
            return
        picture, photo = m.pictures[cid], m.photos[pid]
        if picture.media == "video" or photo.media == "video":
            if rule == "title_date":
                m.match(
                    cid,
                    pid,
                    rule,
                    f"{reason}; not confirmed: videos are not compared by look",
                    confirmed=False,
                )
            return
        evidence = self.evidence
        known_local = picture.phash is not None or cid in evidence.local_phash
        known_remote = pid in evidence.remote_phash
        if not (known_local and known_remote):
            if not known_local:
                self._local.add(cid)
            if not known_remote:
                self._remote.add(pid)
            m.match(cid, pid, rule, f"{reason} (to be confirmed by look)")
            return
        mine = picture.phash if picture.phash is not None else evidence.local_phash.get(cid)
        theirs = evidence.remote_phash.get(pid)
        distance = hamming(mine.lower(), theirs.lower()) if mine is not None and theirs is not None else None
        if distance is not None and distance <= self.options.phash_threshold:
            m.match(cid, pid, rule, f"{reason}, confirmed by look (distance {distance})")
            return
        if pid not in evidence.originals:
            self._originals.add(pid)
            m.match(cid, pid, rule, f"{reason} (to be confirmed by its original)")
            return
        original = evidence.originals[pid]
        if original == cid:
            m.match(cid, pid, rule, f"{reason}, confirmed by its original")
        elif original is None and distance is None:
            m.undecided.append(
                Undecided(
                    (cid,),
                    (pid,),
                    f"{reason}, but neither its look nor its original could be compared to confirm it",
                )
            )
            m.undecided_pictures.add(cid)
            m.undecided_photos.add(pid)
        # Else the look or the original says it is another picture: not a match.
