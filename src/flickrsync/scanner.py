"""Scanner: brings the index up to date with the pictures tree.

Charter: :mod:`flickrsync.localfs` walks the roots and reads files; this module compares what the
walk saw with what the index holds, decides what to read, what moved, what vanished and what to
write, and writes it through :class:`flickrsync.index.Index`. The decision is the pure
:func:`reconcile` (plain data in, plain data out, no I/O); the rest of the module fetches what it
asks for and carries its answer out.

Incremental
    A path whose (dev, ino, size, mtime_ns) is unchanged is not read again. Each folder's files
    with their stat are compared with the folder's manifest in the index in one go
    (:mod:`flickrsync.statkey`), so an unchanged library costs one stat per file and one
    comparison per folder. A path that is new or changed but whose (dev, ino, size, mtime_ns)
    equals a usable file already indexed (moved, renamed, hard-linked) takes that file's record
    without being read; new hard links of one file are read once. Paths gone from disk leave the
    index; their picture stays while another path holds it or Flickr links to it. What is under a
    folder that could not be listed is kept as it is.

The "needs" protocol (the matcher's shape, :mod:`flickrsync.matcher`): what the index holds is
large, and most of it is not needed on a re-scan, so :func:`reconcile` says what more it needs
and the scanner fetches exactly that::

    held = Held(manifests=..., other_roots=...)
    result = reconcile(seen, held)
    while result.needs:
        held = fetch(index, result.needs, held)    # the scanner's I/O
        result = reconcile(seen, held)

It asks at most twice: the files the index holds in the folders whose manifest differs (or that
are gone), then the rows of the changed and vanished paths and the usable files with the stats
of the changed ones. An unchanged library is decided in one call, with no question.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from flickrsync import localfs, localmeta, statkey
from flickrsync.config import Settings
from flickrsync.errors import LocalFileError
from flickrsync.fingerprint import PictureMeta
from flickrsync.index import Index, StatRow
from flickrsync.localfs import ProgressCallback, ScanConfig, check_roots
from flickrsync.models import (
    ContentId,
    FileSource,
    FileStat,
    LazyResult,
    LocalFile,
    LocalPath,
    ScanIssue,
    ScanProgress,
    ScanReport,
    StatTuple,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor  # the type of workpool's pools: no concurrency here

log = logging.getLogger("flickrsync.scanner")

#: Beyond this many changed or vanished files, load every file's row at once rather than each.
_FULL_LOAD = 2000

#: A path: (root id, relpath bytes, ``/``-separated).
PathKey = tuple[int, bytes]
#: A file to read: (root id, relpath, dev, ino, size, mtime_ns).
Found = tuple[int, bytes, int, int, int, int]


# --- the decision: reconcile -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seen:
    """What the walk saw, by root id."""

    #: Every folder listed: (root id, folder, its files' manifest entries), the folder relative to
    #: its root without a trailing ``/`` (``b""`` for the root itself), each entry a file's name
    #: and stat (:func:`flickrsync.statkey.entry`).
    folders: Sequence[tuple[int, bytes, Sequence[bytes]]]
    #: Folders that could not be listed (root id, folder): what is under them is kept as it is.
    unlisted: Sequence[PathKey] = ()


@dataclass(frozen=True, slots=True)
class Held:
    """What the index holds, as far as :func:`reconcile` asked for it."""

    #: Per root id of the scanned roots: ``{folder: manifest}`` of every folder the index knows;
    #: None for a folder to compare file by file.
    manifests: Mapping[int, Mapping[bytes, bytes | None]]
    #: Roots with files in the index that are not scanned any more: their files leave.
    other_roots: frozenset[int] = frozenset()
    #: Answer to :attr:`Needs.folders`: ``{(root id, folder): {name: stat or None}}`` of the files
    #: directly in each folder asked (None: a file retried on every scan, equal to no stat).
    folders: Mapping[PathKey, Mapping[bytes, StatTuple | None]] | None = None
    #: Answer to :attr:`Needs.paths` and :attr:`Needs.roots`: the index's row of each of those
    #: paths that it holds (more rows do no harm).
    rows: Mapping[PathKey, StatRow] | None = None
    #: Answer to :attr:`Needs.stats`: the id of a usable file (no problem) with each of those stats
    #: that the index holds (more stats do no harm).
    by_stat: Mapping[StatTuple, int] | None = None


@dataclass(frozen=True, slots=True)
class Needs:
    """What :func:`reconcile` still needs from the index; empty (false) when it has decided."""

    folders: frozenset[PathKey] = frozenset()
    paths: frozenset[PathKey] = frozenset()
    stats: frozenset[StatTuple] = frozenset()
    #: Every row of these roots.
    roots: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.folders or self.paths or self.stats or self.roots)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What to do to bring the index up to date (complete only when ``needs`` is empty)."""

    needs: Needs = Needs()
    #: Files whose stat is what the index holds: nothing to do.
    unchanged: int = 0
    #: Moved, renamed or hard-linked: (id of the indexed file, root id, relpath) gets that file's
    #: record without being read.
    copies: tuple[tuple[int, int, bytes], ...] = ()
    #: New or changed files to read, one per stat.
    read: tuple[Found, ...] = ()
    #: Other new paths with the stat of a file in ``read`` (hard links): they get its result.
    same_as: Mapping[StatTuple, tuple[PathKey, ...]] = field(default_factory=dict)
    #: Ids of the rows the index holds for paths in ``read`` and ``same_as``: they leave the index
    #: if the file vanishes before it is read.
    replaced: Mapping[PathKey, int] = field(default_factory=dict)
    #: Ids of files gone from disk, or in roots no longer scanned.
    gone: tuple[int, ...] = ()
    #: Per root id: folders whose manifest to rebuild (they were compared file by file), and
    #: folders gone from disk.
    refresh: Mapping[int, tuple[bytes, ...]] = field(default_factory=dict)
    gone_dirs: Mapping[int, tuple[bytes, ...]] = field(default_factory=dict)
    #: Roots no longer scanned: forget their folders.
    forget_roots: frozenset[int] = frozenset()


def _under(folder: bytes, top: bytes) -> bool:
    return not top or folder == top or folder.startswith(top + b"/")


def reconcile(seen: Seen, held: Held) -> Reconciliation:
    """Compare what the walk saw with what the index holds; see the module docstring.

    Pure: depends only on its arguments. A folder of ``seen`` whose files were not asked for
    (absent from ``held.folders`` once it is given) is one whose manifest matched.
    """
    asked = held.folders
    if asked is None:
        # Round 1: one comparison per folder.
        differ: set[PathKey] = set()
        walked: set[PathKey] = set()
        unchanged = 0
        for rid, folder, entries in seen.folders:
            walked.add((rid, folder))
            stored = held.manifests.get(rid, {}).get(folder)
            if stored is not None and stored == statkey.manifest(entries):
                unchanged += len(entries)
            else:
                differ.add((rid, folder))
        differ |= _gone_dirs(seen, held, walked)
        if differ:
            return Reconciliation(needs=Needs(folders=frozenset(differ)))
        if not held.other_roots:
            return Reconciliation(unchanged=unchanged)
        asked = {}  # every manifest matched: no folder to compare file by file

    # Round 2: file by file in the folders asked about.
    unchanged = 0
    changed: list[Found] = []
    gone_keys: list[PathKey] = []
    refresh: dict[int, list[bytes]] = {}
    walked = set()
    for rid, folder, entries in seen.folders:
        walked.add((rid, folder))
        known = asked.get((rid, folder))
        if known is None:
            unchanged += len(entries)
            continue
        known = dict(known)
        base = folder + b"/" if folder else b""
        for item in entries:
            name, stat = statkey.split(item)
            if known.pop(name, None) == stat:
                unchanged += 1
            else:
                changed.append((rid, base + name, *stat))
        gone_keys += [(rid, base + name) for name in known]
        refresh.setdefault(rid, []).append(folder)
    gone_dirs: dict[int, list[bytes]] = {}
    for rid, folder in sorted(_gone_dirs(seen, held, walked)):
        gone_dirs.setdefault(rid, []).append(folder)
        base = folder + b"/" if folder else b""
        gone_keys += [(rid, base + name) for name in asked.get((rid, folder), {})]

    if held.rows is None or (changed and held.by_stat is None):
        needs = Needs(
            paths=frozenset(gone_keys) | {(f[0], f[1]) for f in changed},
            stats=frozenset(f[2:] for f in changed),
            roots=held.other_roots,
        )
        if needs:
            return Reconciliation(needs=needs)
    rows = held.rows or {}
    by_stat = held.by_stat or {}

    # Round 3: moved, renamed, hard-linked: the stat of an indexed, usable file.
    copies: list[tuple[int, int, bytes]] = []
    to_read: list[Found] = []
    for found in changed:
        rid, rel = found[0], found[1]
        source = by_stat.get(found[2:])
        if source is not None and rows.get((rid, rel), (None,))[0] != source:
            copies.append((source, rid, rel))
        else:
            to_read.append(found)
    # Hard links among new files are read once.
    read: list[Found] = []
    same_as: dict[StatTuple, list[PathKey]] = {}
    for found in to_read:
        stat = found[2:]
        if stat in same_as:
            same_as[stat].append((found[0], found[1]))
        else:
            same_as[stat] = []
            read.append(found)
    gone = [rows[key][0] for key in gone_keys if key in rows]
    gone += [row[0] for key, row in rows.items() if key[0] in held.other_roots]
    return Reconciliation(
        unchanged=unchanged,
        copies=tuple(copies),
        read=tuple(read),
        same_as={stat: tuple(paths) for stat, paths in same_as.items() if paths},
        replaced={(f[0], f[1]): rows[(f[0], f[1])][0] for f in to_read if (f[0], f[1]) in rows},
        gone=tuple(gone),
        refresh={rid: tuple(folders) for rid, folders in refresh.items()},
        gone_dirs={rid: tuple(folders) for rid, folders in gone_dirs.items()},
        forget_roots=held.other_roots,
    )


def _gone_dirs(seen: Seen, held: Held, walked: set[PathKey]) -> set[PathKey]:
    """Folders the index knows that were not walked, unless they are under one that could not be
    listed."""
    return {
        (rid, folder)
        for rid, manifests in held.manifests.items()
        for folder in manifests
        if (rid, folder) not in walked
        and not any(u == rid and _under(folder, top) for u, top in seen.unlisted)
    }


def fetch(index: Index, needs: Needs, held: Held) -> Held:
    """Answer :func:`reconcile`'s needs from the index (the I/O half of the protocol)."""
    if held.folders is None:
        held = replace(held, folders={key: index.dir_stats(*key) for key in needs.folders})
    if needs.paths or needs.stats or needs.roots:
        every = bool(needs.roots) or len(needs.paths) > _FULL_LOAD
        rows = index.stat_rows() if every else index.stat_rows(needs.paths)
        if not needs.stats:
            by_stat: Mapping[StatTuple, int] = {}
        elif every:
            # Every file's row is at hand (none on a first scan): ask for no stat one by one.
            by_stat = {row[1:5]: row[0] for row in rows.values() if row[5] is None}
        else:
            by_stat = index.usable_by_stat(needs.stats)
        held = replace(held, rows=rows, by_stat=by_stat)
    return held


# --- the scan --------------------------------------------------------------------------------


def scan_library(
    index: Index,
    config: ScanConfig,
    *,
    progress: ProgressCallback | None = None,
    perceptual: bool = False,
    now: float | None = None,
    executor: Executor | None = None,
    keep_vanished: bool = False,
) -> ScanReport:
    """Bring the index up to date with the roots; return what was found.

    Raises :class:`~flickrsync.errors.ConfigError` if a root is missing or unreadable; every other
    problem is recorded in the report and the index, and the scan goes on. ``executor`` replaces
    the process pool (tests, or a caller that keeps one alive).

    ``keep_vanished``: paths gone from disk stay in the index (listed in the report's
    ``vanished``) until the caller drops them with :func:`forget_vanished` — the sync engine
    does once it has decided the run may go on, so a run its safety stop refuses (an unmounted
    drive) changes nothing and the next run sees the same files gone, and stops again.
    """
    with ExitStack() as stack:
        return _scan(
            index,
            config,
            stack,
            progress=progress,
            perceptual=perceptual,
            now=now,
            executor=executor,
            keep_vanished=keep_vanished,
        )


def forget_vanished(index: Index, paths: Iterable[LocalPath]) -> int:
    """Drop paths a ``keep_vanished`` scan found gone from disk (and the pictures nothing refers to
    any more). Returns how many rows left the index."""
    by_root: dict[str, list[bytes]] = {}
    for path in paths:
        by_root.setdefault(path.root, []).append(os.fsencode(path.relpath))
    keys = [
        (rid, rel) for root, rels in by_root.items() for rid in index.ensure_roots([root]) for rel in rels
    ]
    ids = [row[0] for row in index.stat_rows(keys).values()]
    if ids:
        index.remove_files(ids)
        index.prune_pictures()
    return len(ids)


def scan_profile(
    settings: Settings, *, perceptual: bool = False, progress: ProgressCallback | None = None
) -> ScanReport:
    """Scan one profile's library into its index (opened and closed here).

    The roots are checked before the index is opened, so a missing pictures directory (an
    unmounted drive) never creates an index file.
    """
    config = ScanConfig.from_settings(settings)
    check_roots(config)
    with Index.open(settings.database) as index:
        return scan_library(index, config, progress=progress, perceptual=perceptual)


def _scan(
    index: Index,
    config: ScanConfig,
    stack: ExitStack,
    *,
    progress: ProgressCallback | None,
    perceptual: bool,
    now: float | None,
    executor: Executor | None,
    keep_vanished: bool = False,
) -> ScanReport:
    started = time.monotonic()
    stamp = time.time() if now is None else now
    localfs.check_roots(config)
    root_ids = index.ensure_roots(config.roots)
    tuning = config.tuning
    decodes = perceptual and index.needs_phash()
    if executor is None and tuning.workers > 1 and (decodes or index.file_count() == 0):
        # Work is certain (a first scan reads everything; hashes are missing): start the workers
        # now, so that they import what they need while this process walks.
        executor = stack.enter_context(localfs.scan_pool(tuning, perceptual=decodes))
    held = Held(manifests={rid: index.dir_manifests(rid) for rid in root_ids})
    walk = localfs.walk(config, progress)
    seen = Seen(
        folders=[(root_ids[ri], folder, entries) for ri, folder, entries in walk.folders],
        unlisted=[(root_ids[ri], folder) for ri, folder in walk.unlisted],
    )
    held = replace(held, other_roots=frozenset(index.roots_in_use() - set(root_ids)))
    plan = reconcile(seen, held)
    while plan.needs:
        held = fetch(index, plan.needs, held)
        plan = reconcile(seen, held)

    root_of = dict(zip(root_ids, config.roots, strict=True))
    issues = list(walk.issues)
    if plan.copies:
        index.copy_files(
            [(source, LocalPath(root_of[rid], os.fsdecode(rel))) for source, rid, rel in plan.copies],
            now=stamp,
        )
    read_started = time.monotonic()
    read_bytes, vanished = _read_and_record(
        index, config, plan, root_of, stamp=stamp, progress=progress, executor=executor, issues=issues
    )
    read_seconds = time.monotonic() - read_started if plan.read else 0.0

    # Paths gone from disk (or out of the configured roots) leave the index.
    gone = [*plan.gone, *(plan.replaced[key] for key in vanished if key in plan.replaced)]
    kept: tuple[LocalPath, ...] = ()
    if keep_vanished:
        # Left for the caller (forget_vanished). Folders gone from disk keep their rows too, so
        # the next scan finds their files gone again. Roots no longer configured leave now.
        kept, gone = _split_vanished(index, gone, root_of)
    if gone or plan.copies or plan.read:
        index.remove_files(gone)
        index.prune_pictures()
    for rid in root_ids:
        gone_dirs = () if keep_vanished else plan.gone_dirs.get(rid, ())
        if rid in plan.refresh or gone_dirs:
            index.refresh_dirs(rid, plan.refresh.get(rid, ()), gone_dirs)
    if plan.forget_roots:
        index.forget_roots(plan.forget_roots)

    computed = 0
    if perceptual:
        result = compute_perceptual(index, config, progress=progress, executor=executor)
        computed = result.computed
        for cid, reason in result.failed:
            files = index.files(ContentId(cid))
            if files:  # indexed and backed up, but never matched by look: worth a note
                issues.append(ScanIssue(files[0].path, f"no perceptual hash: {reason}", problem=False))
    index.set_meta("last_scan_at", str(int(stamp)))
    hard_links = sum(len(paths) for paths in plan.same_as.values())
    return ScanReport(
        roots=config.roots,
        counts=index.counts(remember=True),
        read=len(plan.read),
        read_bytes=read_bytes,
        read_seconds=read_seconds,
        reused=len(plan.copies) + hard_links,
        unchanged=plan.unchanged,
        removed=len(gone) + len(kept),
        vanished=kept,
        ignored=tuple(sorted(walk.ignored.items(), key=lambda kv: (-kv[1], kv[0]))),
        problems=tuple(index.problems()),
        issues=tuple(issues),
        perceptual=computed,
        elapsed=time.monotonic() - started,
    )


def _split_vanished(
    index: Index, file_ids: Sequence[int], root_of: Mapping[int, str]
) -> tuple[tuple[LocalPath, ...], list[int]]:
    """Of these index rows (files found gone): the paths in the roots scanned, and the ids of the
    others (in roots no longer configured)."""
    if not file_ids:
        return (), []
    wanted = set(file_ids)
    kept: list[LocalPath] = []
    others: list[int] = []
    for (rid, rel), row in index.stat_rows().items():
        if row[0] not in wanted:
            continue
        if rid in root_of:
            kept.append(LocalPath(root_of[rid], os.fsdecode(rel)))
        else:
            others.append(row[0])
    return tuple(sorted(kept, key=lambda p: (p.root, p.relpath))), others


#: Scan results are written in transactions of this many files, or of what was read in this
#: many seconds. A transaction rewrites every index page its rows touch, and content ids are
#: random: 63 files a transaction (a pool batch) wrote ~1 GB of WAL for 100,000 files; 2,000
#: files a transaction cost 4.3 s of CPU to write 100,000, 10,000 cost 2.7 s (benchmarks/
#: index_bench.py), and the 2 s bound keeps a first scan's transactions at ~9,000 files. A run
#: stopped midway reads again what it had not written (at most 2 s of reading).
SCAN_WRITE_FILES = 10_000
SCAN_WRITE_SECONDS = 2.0


def _read_and_record(
    index: Index,
    config: ScanConfig,
    plan: Reconciliation,
    root_of: Mapping[int, str],
    *,
    stamp: float,
    progress: ProgressCallback | None,
    executor: Executor | None,
    issues: list[ScanIssue],
) -> tuple[int, set[PathKey]]:
    """Fingerprint the files to read (in the pool or inline) and write the results in batches;
    their hard links get the same result. Returns the bytes read and the paths that vanished."""
    work = plan.read
    items = [(os.path.join(os.fsencode(root_of[f[0]]), f[1]), f[4]) for f in work]
    total = sum(size for _path, size in items)
    vanished: set[PathKey] = set()
    done_files = done_bytes = 0
    if progress is not None:
        progress(ScanProgress("read", 0, len(work), 0, total))
    if not work:
        return 0, vanished
    records: list[LocalFile] = []
    metas: dict[LocalPath, PictureMeta] = {}
    written = time.monotonic()
    for batch, outcomes in localfs.read_files(items, config.tuning, executor):
        for i, outcome in zip(batch, outcomes, strict=True):
            rid, rel, dev, ino, size, mtime_ns = work[i]
            done_files += 1
            done_bytes += size
            paths = [(rid, rel), *plan.same_as.get((dev, ino, size, mtime_ns), ())]
            if outcome.vanished:
                for key in paths:
                    vanished.add(key)
                    where = LocalPath(root_of[key[0]], os.fsdecode(key[1]))
                    issues.append(ScanIssue(where, "vanished during the scan", False))
                continue
            file_stat = outcome.stat or FileStat(size=size, mtime_ns=mtime_ns, dev=dev, ino=ino)
            for prid, prel in paths:
                where = LocalPath(root_of[prid], os.fsdecode(prel))
                records.append(
                    LocalFile(
                        path=where,
                        stat=file_stat,
                        fingerprint=outcome.usable,
                        problem=outcome.problem,
                        problem_kind=outcome.problem_kind,
                    )
                )
                if outcome.meta is not None:
                    metas[where] = outcome.meta
        if len(records) >= SCAN_WRITE_FILES or time.monotonic() - written >= SCAN_WRITE_SECONDS:
            index.record_files(records, now=stamp, meta=metas)
            records, metas, written = [], {}, time.monotonic()
        if progress is not None:
            progress(ScanProgress("read", done_files, len(work), done_bytes, total))
    index.record_files(records, now=stamp, meta=metas)
    return total, vanished


# --- lazy passes -----------------------------------------------------------------------------


#: Perceptual hashes are written to the index in transactions of at least this many.
PHASH_WRITE_BATCH = 1_000


def compute_perceptual(
    index: Index,
    config: ScanConfig,
    content_ids: Iterable[ContentId] | None = None,
    *,
    retry_failed: bool = False,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
    candidates: list[tuple[ContentId, list[FileSource]]] | None = None,
    ahead: Mapping[ContentId, tuple[str | None, str | None]] | None = None,
) -> LazyResult:
    """Compute and cache the perceptual hash of these pictures (default: every photo without
    one; ``candidates``: as :meth:`Index.phash_candidates` found them). A picture is decoded
    from its first file that is still as indexed; pictures that cannot be decoded are
    remembered (not retried unless ``retry_failed``). Results are written in transactions of
    :data:`PHASH_WRITE_BATCH` (a run stopped midway keeps what was written). ``ahead``: results
    :func:`decode_pictures` gave before (kept like the others; those pictures are not decoded
    again)."""
    if candidates is None:
        candidates = index.phash_candidates(content_ids, retry_failed=retry_failed)
    done_ahead = dict(ahead or {})
    if done_ahead:
        candidates = [(cid, files) for cid, files in candidates if cid not in done_ahead]
    if not candidates and not done_ahead:
        return LazyResult()
    items = [files for _cid, files in candidates]
    sizes = [files[0][1] for files in items]
    computed = stale = done = done_bytes = 0
    failed: list[tuple[str, str]] = []
    total_bytes = sum(sizes)
    hashes: dict[ContentId, str] = {}
    errors: dict[ContentId, str] = {}
    values: dict[ContentId, str] = {}

    def write() -> None:
        nonlocal computed
        if not hashes and not errors:
            return
        index.set_phashes(hashes, errors)
        computed += len(hashes)
        values.update(hashes)
        hashes.clear()
        errors.clear()

    def take(cid: ContentId, phash: str | None, reason: str | None) -> None:
        nonlocal stale
        if phash is not None:
            hashes[cid] = phash
        elif reason is not None:
            errors[cid] = reason
            failed.append((cid, reason))
        else:
            stale += 1

    for cid, (phash, reason) in done_ahead.items():
        take(cid, phash, reason)
    if progress is not None:
        progress(ScanProgress("perceptual", 0, len(items), 0, total_bytes))
    for batch, results in localfs.perceptual_hashes(items, config.tuning, executor):
        for i, (phash, reason) in zip(batch, results, strict=True):
            take(candidates[i][0], phash, reason)
            done += 1
            done_bytes += sizes[i]
        if len(hashes) + len(errors) >= PHASH_WRITE_BATCH:
            write()
        if progress is not None:
            progress(ScanProgress("perceptual", done, len(items), done_bytes, total_bytes))
    write()
    return LazyResult(computed=computed, failed=tuple(failed), stale=stale, values=values)


def decode_pictures(
    config: ScanConfig,
    candidates: Sequence[tuple[ContentId, list[FileSource]]],
    executor: Executor | None,
) -> Iterator[tuple[ContentId, str | None, str | None]]:
    """The perceptual hash of each of these pictures (as :meth:`Index.phash_candidates` found
    them) as the pool finishes it, kept nowhere (:func:`compute_perceptual` keeps them, given as
    ``ahead``): ``(content id, hash, None)``, ``(content id, None, reason)`` when it cannot be
    decoded, or ``(content id, None, None)`` when its files changed since they were indexed.
    Closing the iterator early leaves the batches not yet started undone."""
    items = [files for _cid, files in candidates]
    for batch, results in localfs.perceptual_hashes(items, config.tuning, executor):
        for i, (phash, reason) in zip(batch, results, strict=True):
            yield candidates[i][0], phash, reason


def compute_digests(
    index: Index,
    config: ScanConfig,
    content_ids: Iterable[ContentId] | None = None,
    algorithms: tuple[str, ...] = ("md5", "sha1"),
    *,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> LazyResult:
    """Compute and store whole-file digests (e.g. for Flickr ``checksum:md5=`` machine tags) of
    every file of these pictures (default: all) that lacks one of ``algorithms``."""
    files = index.files_without_digests(algorithms, content_ids)
    if not files:
        return LazyResult()
    items = [(localfs.fs_path(f.path), f.stat.size, f.stat.mtime_ns) for f in files]
    sizes = [f.stat.size for f in files]
    total = sum(sizes)
    computed = stale = done = done_bytes = 0
    for batch, results in localfs.file_digests(items, algorithms, config.tuning, executor):
        found = {files[i].path: digests for i, digests in zip(batch, results, strict=True) if digests}
        index.set_file_digests(found)
        computed += len(found)
        stale += len(batch) - len(found)
        done += len(batch)
        done_bytes += sum(sizes[i] for i in batch)
        if progress is not None:
            progress(ScanProgress("digests", done, len(items), done_bytes, total))
    return LazyResult(computed=computed, stale=stale)


def index_files(index: Index, paths: Sequence[LocalPath], *, now: float | None = None) -> list[LocalFile]:
    """Read and index these files now (e.g. right after a download), inline. Vanished files are
    left out of the result."""
    records: list[LocalFile] = []
    metas: dict[LocalPath, PictureMeta] = {}
    for path in paths:
        outcome = localfs.read_one(localfs.fs_path(path))
        if outcome.stat is None:
            continue  # vanished, or could not even be opened (nothing to record against)
        records.append(LocalFile(path, outcome.stat, outcome.usable, outcome.problem, outcome.problem_kind))
        if outcome.meta is not None and outcome.usable is not None:
            metas[path] = outcome.meta
    index.record_files(records, now=now, meta=metas)
    return records


def file_metadata(index: Index, paths: Sequence[LocalPath]) -> dict[LocalPath, PictureMeta]:
    """What each of these files says about itself (title, description, keywords), merged with
    its ``.xmp`` sidecar: what the scan kept in the index, read now for a file indexed before it
    kept it (and then kept). The sidecar is read every time (it changes without the picture
    changing). A file that cannot be read is left out (its upload then fails on its own)."""
    found: dict[LocalPath, PictureMeta] = {}
    kept = index.file_metas(paths)
    read: dict[LocalPath, PictureMeta] = {}
    for path in paths:
        embedded = kept.get(path)
        if embedded is None:
            record = index.file(path)
            try:
                embedded = read[path] = localmeta.read_metadata(path, record.stat if record else None)
            except LocalFileError as exc:
                log.info("%s: metadata not read (%s)", path.relpath, exc)
                continue
        found[path] = embedded
    if read:
        index.set_file_metas(read)
    return localmeta.with_sidecars(found)
