"""The evidence the matcher asks for, gathered for one run: which Flickr photo each picture is.

:func:`flickrsync.matcher.match_photos` is pure and says what it still needs (the "needs"
protocol); :class:`Identify` answers until the result is complete: whole-file digests and
perceptual hashes of local pictures (in the scanner's process pool), the perceptual hash of a
Flickr photo's small rendition (fetched into memory, ``checkers`` at a time, while the local
pictures are decoded), and the content id of an original (downloaded to a temporary file and
removed). Every answer is kept in the index, so each is asked once, ever; a look-up that failed
for a reason that may pass is not kept, and what it concerns is named in ``unsure_*`` so the
engine holds it back this run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from flickrsync import localfs, scanner
from flickrsync.client import FlickrClient
from flickrsync.errors import FlickrsyncError, TransientError
from flickrsync.executor import in_background, map_concurrently, rendition_phashes
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.lookups import original_content_id
from flickrsync.matcher import (
    FileDigests,
    MatchEvidence,
    MatchMemo,
    MatchNeeds,
    MatchOptions,
    MatchResult,
    Pruning,
    match_photos,
)
from flickrsync.matcher.keys import content_ids_in_tags
from flickrsync.models import ContentId, FileSource, LocalPicture, Nsid, PhotoId, RemotePhoto, ScanProgress
from flickrsync.progress import Tally

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future  # the scanner's pools; decoding ahead's task

log = logging.getLogger("flickrsync.sync")

#: The matcher settles in a few rounds (digests, then perceptual hashes, then originals).
MAX_MATCH_ROUNDS = 8

#: One rendition look-up: (photo, its small rendition's URL or None, the hash, the error).
Fetched = tuple[PhotoId, str | None, str | None, BaseException | None]

#: Fewer pictures than this are not worth decoding ahead (:meth:`Identify.decode_ahead`).
AHEAD_MIN = 256


@dataclass
class _Ahead:
    """Pictures being decoded before the matcher asks for them (:meth:`Identify.decode_ahead`)."""

    #: The pictures, with their files as the index has them.
    candidates: dict[ContentId, list[FileSource]]
    #: What the pool has finished: (hash, None), (None, reason) or (None, None) for changed files.
    found: dict[ContentId, tuple[str | None, str | None]]
    stop: threading.Event
    task: Future[None]
    #: Closes its pool.
    closing: contextlib.ExitStack


@dataclass
class Lookups:
    """What matching fetched or computed this run (each answer is kept in the index: asked once),
    and what pruning spared it (:mod:`flickrsync.matcher.prune`)."""

    #: Small renditions of Flickr photos fetched, to compare by look.
    renditions: int = 0
    #: Originals downloaded, to tell look-alikes apart.
    originals: int = 0
    #: Local perceptual hashes computed (a decode each).
    decodes: int = 0
    #: Local files hashed whole (MD5/SHA-1, for other uploaders' checksum tags).
    digests: int = 0
    #: Look-ups pruning skipped: no candidate on the other side (by size, date, type).
    skipped: Pruning = field(default_factory=Pruning)

    @property
    def total(self) -> int:
        return self.renditions + self.originals + self.decodes + self.digests


class Identify:
    """Runs the matcher for one profile's run, answering its needs (see the module docstring)."""

    def __init__(
        self,
        client: FlickrClient,
        index: Index,
        nsid: Nsid,
        config: ScanConfig,
        options: MatchOptions,
        *,
        checkers: int,
        tally: Tally,
    ) -> None:
        self.client = client
        self.index = index
        self.nsid = nsid
        self.config = config
        self.options = options
        self.checkers = max(1, checkers)
        self.tally = tally
        self.lookups = Lookups()
        #: Pairs the user identified by hand (``flickrsync identify``): photo -> picture.
        self.identified: Mapping[PhotoId, ContentId] = {}
        #: Pairs the user said are different (``identify --different``): (photo, picture).
        self.different: frozenset[tuple[PhotoId, ContentId]] = frozenset()
        #: Look-ups that failed for a reason that may pass: what they concern is left alone.
        self.unsure_pictures: set[ContentId] = set()
        self.unsure_photos: set[PhotoId] = set()
        self.errors: list[str] = []
        self._ahead: _Ahead | None = None

    def evidence(self) -> MatchEvidence:
        """Every answer the index keeps (asked in earlier runs or rounds)."""
        return MatchEvidence(
            local_phash=self.index.local_phashes(),
            remote_phash=self.index.remote_phashes(self.nsid),
            originals=self.index.originals(self.nsid),
            identified=dict(self.identified),
            different=self.different,
        )

    def decode_ahead(self, remote: Sequence[RemotePhoto]) -> None:
        """Start decoding the pictures whose look the matcher will likely ask for, in a pool of
        one worker fewer than the look-ups get, while this thread goes on (storing the listing,
        matching) on a core of its own: the photos of the library without a perceptual hash
        that no photo of ``remote`` (the whole account) names by our machine tag, when some of
        them carries none (what another tool uploaded, or what the library does not have).
        :meth:`gather` then takes what is done and decodes the rest of what is asked;
        :meth:`close` stops what is not. Not for fewer than :data:`AHEAD_MIN` such pictures, nor
        without a pool."""
        if self._ahead is not None or self.config.tuning.workers <= 1:
            return
        named: set[ContentId] = set()
        untagged = False
        for photo in remote:
            cids = content_ids_in_tags(photo)
            named.update(cids)
            untagged = untagged or not cids
        if not untagged:
            return
        candidates = [(cid, files) for cid, files in self.index.phash_candidates() if cid not in named]
        if len(candidates) < AHEAD_MIN:
            return
        # One worker fewer than the look-ups get: matching keeps a core of its own (with both
        # workers busy, round 1 took several times longer).
        closing = contextlib.ExitStack()
        tuning = replace(self.config.tuning, workers=self.config.tuning.workers - 1)
        pool = closing.enter_context(localfs.scan_pool(tuning, perceptual=True))
        found: dict[ContentId, tuple[str | None, str | None]] = {}
        stop = threading.Event()

        def decode() -> None:
            for cid, phash, reason in scanner.decode_pictures(self.config, candidates, pool):
                found[cid] = (phash, reason)
                if stop.is_set():
                    return

        task = in_background(decode, name="ahead")
        self._ahead = _Ahead(dict(candidates), found, stop, task, closing)
        log.debug("decoding %d pictures ahead of matching", len(candidates))

    def _take_ahead(self) -> _Ahead | None:
        """The pictures decoded ahead, stopped (the batches already in the pool finish)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        ahead.stop.set()
        with ahead.closing:
            try:
                ahead.task.result()
            except Exception as exc:  # e.g. a broken pool: what is asked is decoded as without it
                log.debug("decoding ahead failed: %s", exc, exc_info=True)
                return None
        return ahead

    def close(self, *, keep: bool = True) -> None:
        """Stop what :meth:`decode_ahead` started and nothing asked for; what it decoded is
        kept in the index when ``keep`` (the run went well: asked for later, it is there)."""
        ahead = self._take_ahead()
        if ahead is None:
            return
        log.debug("decoded %d pictures ahead, none of them asked for", len(ahead.found))
        if keep and ahead.found:
            scanner.compute_perceptual(self.index, self.config, candidates=[], ahead=ahead.found)

    def match(self, local: list[LocalPicture], remote: list[RemotePhoto]) -> MatchResult:
        """Match the index's pictures and photos, gathering the evidence the matcher asks for."""
        evidence = self.evidence()
        by_id = {p.id: p for p in remote}
        memo = MatchMemo()  # what a round finds that the next round's look-ups cannot change
        try:
            for round_ in range(1, MAX_MATCH_ROUNDS + 1):
                started = time.perf_counter()
                result = match_photos(local, remote, self.options, evidence, memo=memo)
                log.debug(
                    "matching round %d: %.2f s, %d look-ups asked",
                    round_,
                    time.perf_counter() - started,
                    result.needs.count,
                )
                if result.complete:
                    self.lookups = replace(self.lookups, skipped=result.pruning)
                    return result
                started = time.perf_counter()
                evidence = evidence.merged(self.gather(result.needs, by_id))
                log.debug("look-ups of round %d: %.2f s", round_, time.perf_counter() - started)
        finally:
            self.tally.stop("identify")
        raise FlickrsyncError("matching did not settle after several rounds; please report this")

    def gather(self, needs: MatchNeeds, by_id: Mapping[PhotoId, RemotePhoto]) -> MatchEvidence:
        """Compute or fetch what the matcher (or :mod:`flickrsync.changes`) asked for, counted in
        the ``identify`` phase (which the caller stops); each answer is kept in the index."""
        self.tally.grow("identify", needs.count)
        ahead = self._take_ahead()
        done: dict[ContentId, tuple[str | None, str | None]] = {}
        local: list[tuple[ContentId, list[FileSource]]] = []
        if ahead is not None:
            done, wanted = ahead.found, set(needs.local_phash)
            local = [
                (cid, files) for cid, files in ahead.candidates.items() if cid in wanted and cid not in done
            ]
            log.debug(
                "decoded %d pictures ahead, %d of them asked for",
                len(done),
                sum(1 for cid in done if cid in wanted),
            )
        rest = [cid for cid in needs.local_phash if ahead is None or cid not in ahead.candidates]
        # The pictures to decode are read from the index before any fetch starts: a query
        # that hands the interpreter over at each row waits long when threads want it.
        local += self.index.phash_candidates(rest) if rest else []
        with self._decode_pool(len(local) + len(needs.remote_phash)) as pool:
            # Small renditions are fetched (and hashed in the pool) while the library's
            # pictures are decoded.
            stop = threading.Event()
            fetching = (
                in_background(partial(self._fetch_renditions, needs.remote_phash, by_id, stop, pool))
                if needs.remote_phash
                else None
            )
            try:
                found = self._local_evidence(needs, local, pool, done)
            except BaseException:
                stop.set()
                raise
            if fetching is not None:
                found = replace(found, remote_phash=self._remote_phashes(fetching.result()))
        if needs.originals:
            found = replace(found, originals=self._originals(needs.originals, by_id))
        return found

    @contextlib.contextmanager
    def _decode_pool(self, decodes: int) -> Iterator[Executor | None]:
        """The scanner's process pool for ``decodes`` perceptual hashes (local pictures and
        fetched renditions alike); None (decode inline, in the calling thread) when they are
        too few to pay for starting one."""
        tuning = self.config.tuning
        if tuning.workers <= 1 or decodes < tuning.inline_decodes:
            yield None
            return
        with localfs.scan_pool(tuning, perceptual=True) as pool:
            yield pool

    # -- the library's side ------------------------------------------------------------------

    def _local_evidence(
        self,
        needs: MatchNeeds,
        local: list[tuple[ContentId, list[FileSource]]],
        pool: Executor | None,
        ahead: Mapping[ContentId, tuple[str | None, str | None]],
    ) -> MatchEvidence:
        """The digests and perceptual hashes of local pictures the matcher asked for (computed
        in the scanner's pool, kept in the index); ``local``: the pictures to decode; ``ahead``:
        those decoded before it asked (all kept, asked for or not)."""
        found = MatchEvidence()
        if needs.digests:
            with self._local_lookups(len(needs.digests)) as progress:
                scanner.compute_digests(
                    self.index, self.config, needs.digests, ("md5", "sha1"), progress=progress
                )
            self.lookups.digests += len(needs.digests)
            digests: dict[ContentId, FileDigests | None] = {}
            for cid in needs.digests:
                picture = self.index.picture(cid)
                md5, sha1 = (picture.md5, picture.sha1) if picture is not None else (None, None)
                digests[cid] = FileDigests(md5, sha1) if md5 and sha1 else None
            found = replace(found, digests=digests)
        if needs.local_phash or ahead:
            self.unsure_pictures.update(needs.local_phash)
            with self._local_lookups(len(needs.local_phash)) as progress:
                done = scanner.compute_perceptual(
                    self.index, self.config, progress=progress, executor=pool, candidates=local, ahead=ahead
                )
            self.lookups.decodes += len(needs.local_phash)
            # A picture asked for and not computed now has none (it cannot be decoded, now or
            # before, or its files changed since the scan).
            found = replace(found, local_phash={cid: done.values.get(cid) for cid in needs.local_phash})
        return found

    @contextlib.contextmanager
    def _local_lookups(self, count: int) -> Iterator[localfs.ProgressCallback]:
        """A scanner progress callback counting ``count`` local look-ups (decodes, digests) in
        the ``identify`` phase as they finish; whatever the scanner did not report (files it
        found nothing to do for) is counted when it returns."""
        told = 0

        def progress(report: ScanProgress) -> None:
            nonlocal told
            done = min(report.files_done, count)  # digests count files: a picture may have several
            if done > told:
                self.tally.advance("identify", done - told)
                told = done

        yield progress
        if count > told:
            self.tally.advance("identify", count - told)

    # -- Flickr's side -----------------------------------------------------------------------

    def _fetch_renditions(
        self,
        wanted: Sequence[PhotoId],
        by_id: Mapping[PhotoId, RemotePhoto],
        stop: threading.Event,
        pool: Executor | None,
    ) -> list[Fetched]:
        """The perceptual hash of each photo's small rendition, hashed in ``pool`` (see
        :func:`flickrsync.executor.rendition_phashes`). Only talks to Flickr (it runs beside the
        local decodes, in a thread of its own); ends early when ``stop`` is set."""
        found: list[Fetched] = []
        todo: list[tuple[tuple[PhotoId, str], str]] = []
        for pid in wanted:
            url = by_id[pid].url_small if pid in by_id else None
            if url is None:
                found.append((pid, None, None, None))
            else:
                todo.append(((pid, url), url))
        self.tally.advance("identify", len(found))
        hashed = rendition_phashes(
            self.client,
            todo,
            self.checkers,
            pool,
            stop=stop,
            fetched=lambda: self.tally.advance("identify", 1),
        )
        found.extend((pid, url, phash, error) for (pid, url), phash, error in hashed)
        return found

    def _remote_phashes(self, fetched: Sequence[Fetched]) -> dict[PhotoId, str | None]:
        """What :meth:`_fetch_renditions` found, kept in the index (main thread)."""
        result: dict[PhotoId, str | None] = {}
        cache: dict[PhotoId, tuple[str | None, str | None]] = {}
        for pid, url, phash, error in fetched:
            if url is None:
                result[pid] = None
                continue
            self.lookups.renditions += 1
            if error is None:
                result[pid] = phash
                cache[pid] = (phash, url)
            elif isinstance(error, TransientError):
                # Maybe next time: not cached, and what it concerns is not decided this run.
                result[pid] = None
                self.unsure_photos.add(pid)
                self.errors.append(f"photo {pid}: {error}")
            else:
                result[pid] = None
                cache[pid] = (None, url)
                log.info("photo %s: no small rendition to compare (%s)", pid, error)
        if cache:
            self.index.set_remote_phashes(self.nsid, cache)
        return result

    def _originals(
        self, wanted: Sequence[PhotoId], by_id: Mapping[PhotoId, RemotePhoto]
    ) -> dict[PhotoId, ContentId | None]:
        result: dict[PhotoId, ContentId | None] = {}
        photos = [by_id[pid] for pid in wanted if pid in by_id]
        result.update({pid: None for pid in wanted if pid not in by_id})
        self.tally.advance("identify", len(wanted) - len(photos))
        cache: dict[PhotoId, tuple[ContentId | None, str | None]] = {}
        scratch = Path(self.index.path).parent
        for photo, cid, error in map_concurrently(
            lambda p: original_content_id(self.client, p, scratch), photos, self.checkers
        ):
            self.tally.advance("identify", 1)
            self.lookups.originals += 1
            result[photo.id] = cid
            if error is None or not isinstance(error, TransientError):
                cache[photo.id] = (cid, photo.original_secret)
            if error is not None:
                log.info("photo %s: original not examined (%s)", photo.id, error)
        if cache:
            self.index.set_originals(self.nsid, cache)
        return result
