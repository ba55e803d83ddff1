"""Scanner: the sole gateway to the pictures tree.

Only this module lists, stats and reads files under the pictures roots. It hands open binary
streams to the pure :mod:`flickrsync.fingerprint` and writes what it learns through
:class:`flickrsync.index.Index`. It never writes, renames or deletes anything under a root, and it
opens files read-only (``O_NOATIME`` where the OS allows, so reading does not even touch the
access time).

What is scanned
    Files whose extension is a picture (:data:`PICTURE_EXTENSIONS`) or a video
    (:data:`VIDEO_EXTENSIONS`), case-insensitively. Their real type comes from their content (the
    fingerprint module sniffs magic bytes): a HEIC named ``.jpg`` is a HEIC picture, a text file
    named ``.jpg`` is a problem ("not a picture or video"). Files with any other extension
    (sidecars such as ``.xmp``/``.json``, RAW files, documents) are skipped quietly and only
    counted by extension in the report: reading every unknown file to sniff it would cost a read
    per sidecar on every first scan, and Flickr takes none of them.

What is skipped
    Hidden files and folders (name starting with ``.``), OS and NAS clutter (:data:`CLUTTER`), the
    tool's own files (its home dir, the index database and its ``-wal``/``-shm`` files, temporary
    download files, which start with ``.``), the ``exclude`` globs of the profile, special files
    (FIFOs, sockets, devices).

Symbolic links
    A link to a file inside a root is indexed at the link's path (it is a duplicate of the
    target). A link to a folder is followed only if that folder was not scanned already, so a
    loop is never followed. A link leading outside every root is skipped, with a notice.

Incremental
    A path whose (dev, ino, size, mtime_ns) is unchanged is not read again. Each folder's list of
    files with their stat is compared with the folder's manifest in the index in one go, so an
    unchanged library costs one stat per file and one comparison per folder. A path that is new
    or changed but whose (dev, ino, size, mtime_ns) equals a file already indexed (moved, renamed,
    hard-linked) takes that file's record without being read. Paths gone from disk leave the
    index; their picture stays while another path holds it or Flickr links to it. Nested or
    repeated roots are walked once (the first root claims a shared folder).

Bad input never stops a scan
    Unreadable files, empty files, files that are not pictures, undecodable pictures, files that
    change while being read (re-stat after reading; retried once, then recorded), files that
    vanish, folders that cannot be listed (their indexed files are kept), names that are not
    UTF-8 (walked as bytes, stored as bytes), trees of any depth (no recursion). Each problem is
    kept in the index with its reason and shown in the report. Unreadable and changing files are
    retried on every scan; files whose content is unusable are retried when they change.

Parallel, without waste
    Reading and hashing run in a process pool sized to the machine, in batches, because one small
    file per task costs more in inter-process traffic than the hashing itself; below
    :attr:`ScanTuning.inline_seconds` of work everything runs inline (starting the pool costs more).
    Results are written to the index in batches from the calling process only. The pool is only
    started when there is work: a re-scan of an unchanged library never starts it.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from fnmatch import translate
from types import ModuleType
from typing import BinaryIO, TypeVar

from flickrsync.config import Settings
from flickrsync.errors import ConfigError, LocalFileError, MediaError
from flickrsync.index import STAT_KEY, Index, manifest
from flickrsync.models import (
    ContentId,
    FileInspection,
    FileStat,
    Fingerprint,
    LazyResult,
    LocalFile,
    LocalPath,
    ProblemKind,
    ScanIssue,
    ScanProgress,
    ScanReport,
)

log = logging.getLogger("flickrsync.localfs")

PICTURE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "jpe", "jfif", "png", "gif", "tif", "tiff", "webp", "heic", "heif", "hif", "avif", "mpo"}
)
VIDEO_EXTENSIONS = frozenset(
    {"mp4", "m4v", "mov", "qt", "avi", "3gp", "3g2", "mts", "m2ts", "mpg", "mpeg", "wmv", "mkv", "webm"}
)
MEDIA_EXTENSIONS = PICTURE_EXTENSIONS | VIDEO_EXTENSIONS

#: File and folder names never scanned, compared case-insensitively (hidden names starting with
#: ``.``, such as ``.DS_Store``, ``.Trashes``, ``.Trash-1000``, ``.@__thumb``, are skipped anyway).
CLUTTER = frozenset(
    {
        "thumbs.db",
        "ehthumbs.db",
        "ehthumbs_vista.db",
        "desktop.ini",
        "@eadir",
        "@recycle",
        "#recycle",
        "#snapshot",
        "$recycle.bin",
        "recycler",
        "system volume information",
        "lost+found",
        "icon\r",
    }
)

#: Temporary files written next to their final name start with this (hidden, so never scanned).
TEMP_PREFIX = ".flickrsync-part-"

_CLUTTER_BYTES = frozenset(os.fsencode(name) for name in CLUTTER)
_PICTURE_EXT_BYTES = frozenset(ext.encode() for ext in PICTURE_EXTENSIONS)
_MEDIA_EXT_BYTES = frozenset(ext.encode() for ext in MEDIA_EXTENSIONS)
_SEP = os.fsencode(os.sep)

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    # A FIFO swapped in for a file after the walk must not block the scan.
    | getattr(os, "O_NONBLOCK", 0)
)
_NOATIME = getattr(os, "O_NOATIME", 0)
#: Beyond this many changed or vanished files, load every file's row at once rather than each.
_FULL_LOAD = 2000
#: Files at least this big are read ahead while the previous one is hashed.
_PREFETCH_MIN = 256 << 10

ProgressCallback = Callable[[ScanProgress], None]
T = TypeVar("T")
R = TypeVar("R")


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanTuning:
    """How work is spread over processes, from measurements on a 2-CPU machine (scripts in
    ``benchmarks/``; page cache warm):

    * fingerprinting costs ~0.17 ms for a tiny JPEG and ~4 ms for a 4 MB 12 MP JPEG (read plus
      SHA-256 of the image data); a pool task round trip costs a fraction of a ms;
    * 20,000 tiny files: inline 3.4 s; pool of 2 with 1 file per task 5.1 s (slower than inline),
      8 per task 1.8 s, 64 per task 0.9 s, 256 per task 1.4 s (too few batches to balance);
    * 120 12 MP JPEGs: 1, 4, 12 or 30 files per task all within 0.25-0.31 s: with big files the
      batch size matters little, and a larger one lets each worker read the next file ahead;
    * starting the pool with its imports costs ~0.2 s, importing the fingerprint module inline
      ~0.12 s: below ~0.25 s of estimated work, inline is faster.
    """

    #: Worker processes; default: one per CPU.
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: A batch closes at this many files or bytes, whichever comes first …
    batch_files: int = 64
    batch_bytes: int = 48 << 20
    #: … and batches shrink as the work runs out (guided), so no worker waits long for the last.
    batches_per_worker: int = 4
    #: Below this much estimated work (seconds on one CPU), read inline: no pool.
    inline_seconds: float = 0.25
    #: Perceptual hashes: decoding costs ~40 ms per 12 MP JPEG, so small batches balance well.
    perceptual_batch: int = 8
    inline_decodes: int = 6

    def estimate(self, files: int, nbytes: int) -> float:
        """Seconds of fingerprinting on one CPU (see the figures above)."""
        return files * 0.0002 + nbytes / 400e6


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """What to scan: the roots of one profile and what to leave out."""

    roots: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    #: Absolute paths never scanned (files or folders): the tool's home dir, the index files.
    skip_paths: tuple[str, ...] = ()
    #: Names used in error messages.
    profile: str = ""
    tuning: ScanTuning = ScanTuning()

    def __post_init__(self) -> None:
        # A root given twice would be walked once and look half gone the second time.
        object.__setattr__(self, "roots", tuple(dict.fromkeys(self.roots)))

    @classmethod
    def from_settings(cls, settings: Settings, tuning: ScanTuning | None = None) -> ScanConfig:
        db = str(settings.database)
        return cls(
            roots=tuple(str(root) for root in settings.directories),
            exclude=settings.exclude,
            skip_paths=(str(settings.home), db, db + "-wal", db + "-shm", db + "-journal"),
            profile=settings.profile,
            tuning=tuning or ScanTuning(),
        )


def check_roots(config: ScanConfig) -> None:
    """Raise :class:`ConfigError` unless every root is a readable directory."""
    for root in config.roots:
        where = f"profile [{config.profile}]: " if config.profile else ""
        if not os.path.exists(root):
            raise ConfigError(
                f"{where}pictures directory {root} does not exist",
                hint="mount the drive, or fix `directory` in config.ini (or --directory)",
            )
        if not os.path.isdir(root):
            raise ConfigError(f"{where}pictures directory {root} is not a directory", hint="fix `directory`")
        try:
            with os.scandir(root):
                pass
        except OSError as exc:
            raise ConfigError(
                f"{where}pictures directory {root} cannot be read: {exc.strerror or exc}",
                hint="check its permissions",
            ) from exc


def _exclude_matcher(patterns: Sequence[str]) -> Callable[[bytes, bytes], bool] | None:
    """Globs relative to a root, case-insensitive: with a ``/`` they match the whole relative
    path, without one they match a file or folder name at any depth. ``*`` crosses ``/``."""
    if not patterns:
        return None
    by_path = [p.strip("/") for p in patterns if "/" in p.strip("/")]
    by_name = [p.strip("/") for p in patterns if "/" not in p.strip("/")]

    def compile_globs(globs: list[str]) -> re.Pattern[bytes] | None:
        if not globs:
            return None
        joined = "|".join(f"(?:{translate(g)})" for g in globs)
        return re.compile(os.fsencode(joined), re.IGNORECASE | re.DOTALL)

    path_re, name_re = compile_globs(by_path), compile_globs(by_name)

    def excluded(relpath: bytes, name: bytes) -> bool:
        return bool((name_re and name_re.match(name)) or (path_re and path_re.match(relpath)))

    return excluded


# --- the walk --------------------------------------------------------------------------------

#: A file found by the walk: (root index, relpath, dev, ino, size, mtime_ns).
_Found = tuple[int, bytes, int, int, int, int]


@dataclass(slots=True)
class _Walk:
    #: Folders whose manifest differs from the index's: (root index, folder, entries), each
    #: entry ``name + b"\0" + stat key`` of a picture or video found there.
    mismatched: list[tuple[int, bytes, list[bytes]]] = field(default_factory=list)
    #: Files in folders whose manifest is what the index says: nothing to do.
    unchanged: int = 0
    ignored: Counter[str] = field(default_factory=Counter)
    issues: list[ScanIssue] = field(default_factory=list)
    #: Folders that could not be listed: their indexed files are kept as they are.
    unlisted: list[tuple[int, bytes]] = field(default_factory=list)


def _walk(
    config: ScanConfig, progress: ProgressCallback | None, manifests: Sequence[dict[bytes, bytes | None]]
) -> _Walk:
    """Walk the roots (iteratively, any depth, names as bytes), build each folder's manifest
    (its pictures and videos with their stat, :func:`~flickrsync.index.manifest`) and compare it
    with ``manifests[root index][folder]``: equal means every file in the folder is unchanged.
    Each folder walked is removed from ``manifests``: what is left there afterwards is gone from
    disk (or inside a folder that could not be listed).

    This loop runs once per file on every scan, so it is written for speed: one ``stat`` per
    picture (types come from ``d_type``) and one short bytes object; one comparison per folder.
    """
    out = _Walk()
    roots = [os.fsencode(root) for root in config.roots]
    real_roots = [os.path.realpath(root) for root in roots]
    excluded = _exclude_matcher(config.exclude)
    skip_paths = {os.fsencode(os.path.abspath(p)) for p in config.skip_paths}
    skip_names = {os.path.basename(p) for p in skip_paths}
    visited: set[tuple[int, int]] = set()
    linked_dirs: list[tuple[int, bytes, bytes]] = []
    mismatched = out.mismatched
    unchanged = found = 0
    ignored: Counter[bytes] = Counter()
    issue = out.issues.append
    pack = STAT_KEY.pack
    media = _MEDIA_EXT_BYTES
    clutter = _CLUTTER_BYTES
    is_reg = stat.S_ISREG
    reported = 0

    def where(ri: int, rel: bytes) -> LocalPath:
        return LocalPath(config.roots[ri], os.fsdecode(rel))

    def inside(real: bytes) -> bool:
        return any(real == r or real.startswith(r.rstrip(_SEP) + _SEP) for r in real_roots)

    # Roots are pushed last first, so the first root is walked first: a folder reachable from two
    # roots (one inside the other) belongs to the first.
    stack: list[tuple[int, bytes, bytes]] = [(ri, root, b"") for ri, root in reversed(list(enumerate(roots)))]
    # Visit real folders first, links to folders afterwards: a link then leads only to what the
    # real tree did not reach, and never into a loop.
    while stack or linked_dirs:
        if not stack:
            ri, dirpath, prefix = linked_dirs.pop()
            try:
                st = os.stat(dirpath)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in visited:
                log.debug("link %r leads to a folder already scanned; not followed", dirpath)
                continue
            visited.add((st.st_dev, st.st_ino))
            stack.append((ri, dirpath, prefix))
            continue
        ri, dirpath, prefix = stack.pop()
        if not prefix:  # a root: skip it if another root already covered it
            try:
                root_st = os.stat(dirpath)
            except OSError:
                pass  # reported when it is listed
            else:
                if (root_st.st_dev, root_st.st_ino) in visited:
                    continue
                visited.add((root_st.st_dev, root_st.st_ino))
        entries: list[bytes] = []
        try:
            scanner = os.scandir(dirpath)
        except OSError as exc:
            rel = prefix.rstrip(b"/")
            out.unlisted.append((ri, rel))
            issue(ScanIssue(where(ri, rel), f"folder cannot be read: {exc.strerror or exc}"))
            continue
        with scanner:
            try:
                for entry in scanner:
                    name = entry.name
                    if name[0] == 0x2E:  # hidden: ".DS_Store", ".Trash-1000", ".@__thumb", temp files
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        rel = prefix + name
                        if name.lower() in clutter or (excluded is not None and excluded(rel, name)):
                            continue
                        if name in skip_names and entry.path in skip_paths:
                            continue
                        try:
                            st = entry.stat(follow_symlinks=False)
                        except OSError as exc:
                            issue(
                                ScanIssue(where(ri, rel), f"folder cannot be examined: {exc.strerror or exc}")
                            )
                            continue
                        if (st.st_dev, st.st_ino) not in visited:
                            visited.add((st.st_dev, st.st_ino))
                            stack.append((ri, entry.path, rel + b"/"))
                        continue
                    dot = name.rfind(b".")
                    ext = name[dot + 1 :].lower() if dot >= 0 else b""
                    link = entry.is_symlink()
                    if name in skip_names and entry.path in skip_paths:
                        continue  # the index and its -wal/-shm files, when they live in a root
                    if ext not in media and not link:
                        if name.lower() not in clutter and entry.is_file(follow_symlinks=False):
                            ignored[ext] += 1
                        continue
                    rel = prefix + name
                    if excluded is not None and excluded(rel, name):
                        continue
                    try:
                        if link:
                            real = os.path.realpath(entry.path)
                            if not inside(real):
                                reason = f"link to {os.fsdecode(real)}, outside the library: skipped"
                                issue(ScanIssue(where(ri, rel), reason, problem=False))
                                continue
                            st = os.stat(entry.path)
                            if stat.S_ISDIR(st.st_mode):
                                linked_dirs.append((ri, entry.path, rel + b"/"))
                                continue
                            if ext not in media:
                                continue
                        else:
                            st = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # vanished, or a broken link: nothing to index
                    except OSError as exc:
                        issue(ScanIssue(where(ri, rel), f"cannot be examined: {exc.strerror or exc}"))
                        continue
                    if not is_reg(st.st_mode):
                        continue  # FIFO, socket, device: never opened
                    entries.append(name + b"\0" + pack(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
            except OSError as exc:
                rel = prefix.rstrip(b"/")
                out.unlisted.append((ri, rel))
                issue(ScanIssue(where(ri, rel), f"folder listing failed: {exc.strerror or exc}"))
                continue
        folder = prefix[:-1]
        stored = manifests[ri].pop(folder, None)
        if stored is not None and stored == manifest(entries):
            unchanged += len(entries)
        else:
            mismatched.append((ri, folder, entries))
        found += len(entries)
        if progress is not None and found - reported >= 2000:
            reported = found
            progress(ScanProgress("walk", files_done=found))
    out.unchanged = unchanged
    out.ignored = Counter({("." + os.fsdecode(ext)) if ext else "(none)": n for ext, n in ignored.items()})
    return out


# --- reading one file ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a worker learnt of one path (picklable)."""

    stat: FileStat | None = None
    fingerprint: Fingerprint | None = None
    problem: str | None = None
    problem_kind: ProblemKind | None = None
    #: The file was gone when we tried to read it.
    vanished: bool = False


def _fingerprint() -> ModuleType:
    """The fingerprint module, imported on first use: it pulls in Pillow, pillow-heif and numpy,
    which a re-scan of an unchanged library never needs (start-up time is most of its cost)."""
    from flickrsync import fingerprint  # noqa: PLC0415 - deliberately lazy, see above

    return fingerprint


def _open_ro(path: bytes | str) -> int:
    """Open read-only without updating the access time when the OS lets us."""
    if _NOATIME:
        try:
            return os.open(path, _OPEN_FLAGS | _NOATIME)
        except PermissionError:
            pass  # O_NOATIME needs ownership; fall back to a plain read-only open
    return os.open(path, _OPEN_FLAGS)


def _filestat(st: os.stat_result) -> FileStat:
    return FileStat(size=st.st_size, mtime_ns=st.st_mtime_ns, dev=st.st_dev, ino=st.st_ino)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns)


def _problem(kind: ProblemKind, reason: str, st: os.stat_result | None = None) -> _Outcome:
    return _Outcome(stat=None if st is None else _filestat(st), problem=reason, problem_kind=kind)


def _read_one(path: bytes) -> _Outcome:
    """Fingerprint one file; never raises. Retries once if the file changes while read."""
    for _attempt in range(2):
        try:
            fd = _open_ro(path)
        except FileNotFoundError:
            return _Outcome(vanished=True)
        except OSError as exc:
            return _problem("unreadable", f"cannot be opened: {exc.strerror or exc}")
        fp: Fingerprint | None = None
        reason: str | None = None
        try:
            with os.fdopen(fd, "rb") as stream:
                before = os.fstat(fd)
                if not stat.S_ISREG(before.st_mode):
                    return _problem("media", "not a regular file")
                if hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
                try:
                    fp = _fingerprint().fingerprint_stream(stream, size=before.st_size)
                except MediaError as exc:
                    reason = exc.reason
                after = os.fstat(fd)
        except OSError as exc:
            return _problem("unreadable", f"read error: {exc.strerror or exc}")
        except Exception as exc:
            log.debug("fingerprint failed on %r", path, exc_info=True)
            reason = f"could not be fingerprinted ({type(exc).__name__}: {exc}); please report this file"
            after = before
        try:
            now = os.stat(path)
        except FileNotFoundError:
            return _Outcome(vanished=True)
        except OSError:
            now = after
        if _same(before, after) and _same(before, now):
            if fp is None:
                return _problem("media", reason or "not a usable picture or video", before)
            return _Outcome(stat=_filestat(before), fingerprint=fp)
    return _problem("changing", "changed while being read; it is read again on the next scan")


def _read_batch(items: list[tuple[bytes, int]]) -> list[_Outcome]:
    """Pool task: fingerprint a batch of (path, size). While a large file is hashed, the kernel
    is asked to read the next one ahead (``POSIX_FADV_WILLNEED``), so the disk never waits."""
    outcomes = []
    for i, (path, _size) in enumerate(items):
        if i + 1 < len(items) and items[i + 1][1] >= _PREFETCH_MIN:
            _prefetch(items[i + 1][0])
        outcomes.append(_read_one(path))
    return outcomes


def _prefetch(path: bytes) -> None:
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        fd = _open_ro(path)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


def _warm_up() -> None:
    """Pool task: makes the pool start its workers (each runs its initializer) while the main
    process is still walking."""


def _prepare_worker() -> None:
    """Pool initializer: import the fingerprint module (Pillow, numpy: ~0.1 s) before the first
    batch arrives. A failure here must not break the pool: the batch that needs the module
    reports it."""
    try:
        _fingerprint()
    except Exception:  # an initializer that raises would break the whole pool
        log.debug("worker preparation failed", exc_info=True)


def _prepare_perceptual_worker() -> None:
    """Pool initializer for a scan that decodes pictures: also load the decoder and the DCT that
    the perceptual hash uses (SciPy, ~0.1 s more), so no batch waits for imports."""
    try:
        _fingerprint().prepare_perceptual()
    except Exception:  # an initializer that raises would break the whole pool
        log.debug("worker preparation failed", exc_info=True)


def _perceptual_one(candidates: list[tuple[bytes, int, int]]) -> tuple[str | None, str | None]:
    """Perceptual hash of the first file (of one picture) still as indexed.

    Returns (phash, None), (None, reason) when the picture cannot be decoded, or (None, None)
    when every file changed since the scan (stale: nothing to record)."""
    for path, size, mtime_ns in candidates:
        try:
            fd = _open_ro(path)
        except OSError:
            continue
        try:
            with os.fdopen(fd, "rb") as stream:
                st = os.fstat(fd)
                if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
                    continue
                return _fingerprint().perceptual_hash(stream, size=st.st_size), None
        except MediaError as exc:
            return None, exc.reason
        except OSError as exc:
            log.debug("perceptual hash: cannot read %r: %s", path, exc)
            continue
        except Exception as exc:
            log.debug("perceptual hash failed on %r", path, exc_info=True)
            return None, f"could not be decoded ({type(exc).__name__}: {exc})"
    return None, None


def _perceptual_batch(items: list[list[tuple[bytes, int, int]]]) -> list[tuple[str | None, str | None]]:
    return [_perceptual_one(item) for item in items]


def _digests_one(path: bytes, size: int, mtime_ns: int, algorithms: tuple[str, ...]) -> dict[str, str] | None:
    try:
        fd = _open_ro(path)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as stream:
            st = os.fstat(fd)
            if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
                return None
            digests = _fingerprint().file_digests(stream, algorithms)
            return digests if _same(st, os.fstat(fd)) else None
    except OSError:
        return None


def _digests_batch(items: list[tuple[bytes, int, int, tuple[str, ...]]]) -> list[dict[str, str] | None]:
    return [_digests_one(*item) for item in items]


# --- the pool --------------------------------------------------------------------------------


@contextmanager
def _pool(workers: int, initializer: Callable[[], None] | None = None) -> Iterator[Executor]:
    """A process pool. ``fork`` when this process runs no other thread (cheapest: no new
    interpreter, nothing imported twice); otherwise ``forkserver`` (forking a process that runs
    threads can deadlock the child), or ``spawn`` where neither exists. Each worker runs
    ``initializer`` when it starts."""
    import multiprocessing  # noqa: PLC0415 - only a scan with work to do needs a pool
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    elif "forkserver" in methods:
        method = "forkserver"
    else:
        method = "spawn"
    context = multiprocessing.get_context(method)
    log.debug("process pool: %d workers (%s)", workers, method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=initializer) as executor:
        yield executor


def _batches(
    sizes: Sequence[int], workers: int, max_files: int, max_bytes: int, per_worker: int
) -> list[range]:
    """Split items (by their size in bytes) into consecutive batches, guided: each batch takes
    about ``1 / (workers * per_worker)`` of what is left (bounded by ``max_files`` and
    ``max_bytes``), so batches are large at first (little traffic) and small at the end (no
    worker waits long for the last one)."""
    want = max(1, workers * per_worker)
    left_bytes, left_files = sum(sizes), len(sizes)
    out: list[range] = []
    start = 0
    while start < len(sizes):
        cap_bytes = max(1, min(max_bytes, left_bytes // want))
        cap_files = max(1, min(max_files, left_files // want))
        end, acc = start, 0
        while end < len(sizes) and (
            end == start or (end - start < cap_files and acc + sizes[end] <= cap_bytes)
        ):
            acc += sizes[end]
            end += 1
        out.append(range(start, end))
        left_bytes -= acc
        left_files -= end - start
        start = end
    return out


def _run_batches(
    func: Callable[[list[T]], list[R]],
    items: Sequence[T],
    batches: list[range],
    *,
    inline: bool,
    workers: int,
    executor: Executor | None = None,
) -> Iterator[tuple[range, list[R]]]:
    """Yield (batch, results) as batches finish: inline, in ``executor``, or in a new pool."""
    if inline:
        for batch in batches:
            yield batch, func([items[i] for i in batch])
        return
    with _pool(workers) if executor is None else _nullcontext(executor) as pool:
        futures: dict[Future[list[R]], range] = {
            pool.submit(func, [items[i] for i in batch]): batch for batch in batches
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()


@contextmanager
def _nullcontext(value: Executor) -> Iterator[Executor]:
    yield value


# --- scan ------------------------------------------------------------------------------------


def scan_library(
    index: Index,
    config: ScanConfig,
    *,
    progress: ProgressCallback | None = None,
    perceptual: bool = False,
    now: float | None = None,
    executor: Executor | None = None,
) -> ScanReport:
    """Bring the index up to date with the roots; return what was found.

    Raises :class:`ConfigError` if a root is missing or unreadable; every other problem is
    recorded in the report and the index, and the scan goes on. ``executor`` replaces the
    process pool (tests, or a caller that keeps one alive).
    """
    with ExitStack() as stack:
        return _scan(
            index, config, stack, progress=progress, perceptual=perceptual, now=now, executor=executor
        )


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
) -> ScanReport:
    started = time.monotonic()
    stamp = time.time() if now is None else now
    check_roots(config)
    root_ids = index.ensure_roots(config.roots)
    tuning = config.tuning
    decodes = perceptual and index.needs_phash()
    if executor is None and tuning.workers > 1 and (decodes or index.file_count() == 0):
        # Work is certain (a first scan reads everything; hashes are missing): start the workers
        # now, so that they import what they need (Pillow, numpy, SciPy for decoding: ~0.2-0.3 s)
        # while this process walks.
        initializer = _prepare_perceptual_worker if decodes else _prepare_worker
        executor = stack.enter_context(_pool(tuning.workers, initializer))
        for _ in range(tuning.workers):
            executor.submit(_warm_up)
    manifests = [index.dir_manifests(rid) for rid in root_ids]
    walk = _walk(config, progress, manifests)
    issues = list(walk.issues)

    # Folders whose manifest differs: compare their files one by one.
    unchanged = walk.unchanged
    changed: list[_Found] = []
    gone_keys: list[tuple[int, bytes]] = []
    refresh: dict[int, list[bytes]] = {}
    for ri, folder, entries in walk.mismatched:
        rid = root_ids[ri]
        known = index.dir_keys(rid, folder)
        base = folder + b"/" if folder else b""
        for entry in entries:
            name, key = entry[:-33], entry[-32:]
            if known.pop(name, None) == key:
                unchanged += 1
            else:
                changed.append((ri, base + name, *STAT_KEY.unpack(key)))
        gone_keys += [(rid, base + name) for name in known]
        refresh.setdefault(ri, []).append(folder)
    # Folders the index knows that were not walked are gone, unless they could not be listed.
    unlisted = [(ri, rel) for ri, rel in walk.unlisted]
    gone_dirs: dict[int, list[bytes]] = {}
    for ri, left in enumerate(manifests):
        for folder in left:
            if any(
                u == ri and (not rel or folder == rel or folder.startswith(rel + b"/")) for u, rel in unlisted
            ):
                continue
            gone_dirs.setdefault(ri, []).append(folder)
            base = folder + b"/" if folder else b""
            gone_keys += [(root_ids[ri], base + name) for name in index.dir_keys(root_ids[ri], folder)]
    other_roots = index.roots_in_use() - set(root_ids)
    if len(changed) + len(gone_keys) > _FULL_LOAD or other_roots:
        rows = index.stat_rows()
    else:
        rows = index.stat_rows(gone_keys + [(root_ids[f[0]], f[1]) for f in changed])

    # Moved, renamed, hard-linked: same (dev, ino, size, mtime_ns) as an indexed, usable file.
    copies: list[tuple[int, LocalPath]] = []
    to_read: list[_Found] = []
    if changed:
        if len(rows) > _FULL_LOAD:
            by_stat = {row[1:5]: row[0] for row in rows.values() if row[5] is None}
        else:
            by_stat = index.usable_by_stat(f[2:] for f in changed)
        for found in changed:
            ri, rel = found[0], found[1]
            source = by_stat.get(found[2:])
            if source is not None and rows.get((root_ids[ri], rel), (None,))[0] != source:
                copies.append((source, LocalPath(config.roots[ri], os.fsdecode(rel))))
            else:
                to_read.append(found)
    if copies:
        index.copy_files(copies, now=stamp)

    # Read what is new or changed. Hard links among new files are read once.
    work: list[_Found] = []
    leaders: set[tuple[int, ...]] = set()
    for found in to_read:
        if found[2:] not in leaders:
            leaders.add(found[2:])
            work.append(found)
    read_started = time.monotonic()
    read_bytes, vanished_during = _read_and_record(
        index,
        config,
        work=work,
        to_read=to_read,
        stamp=stamp,
        progress=progress,
        executor=executor,
        issues=issues,
    )

    read_seconds = time.monotonic() - read_started if work else 0.0

    # Paths gone from disk (or out of the configured roots) leave the index.
    gone = [rows[key][0] for key in gone_keys if key in rows]
    gone += [row[0] for key, row in rows.items() if key[0] in other_roots]
    gone += [rows[key][0] for key in vanished_during if key in rows]
    if gone or copies or work:
        index.remove_files(gone)
        index.prune_pictures()
    for ri, rid in enumerate(root_ids):
        if ri in refresh or ri in gone_dirs:
            index.refresh_dirs(rid, refresh.get(ri, []), gone_dirs.get(ri, []))
    if other_roots:
        index.forget_roots(other_roots)

    computed = 0
    if perceptual:
        result = compute_perceptual(index, config, progress=progress, executor=executor)
        computed = result.computed
        for cid, reason in result.failed:
            files = index.files(ContentId(cid))
            if files:  # indexed and backed up, but never matched by look: worth a note
                issues.append(ScanIssue(files[0].path, f"no perceptual hash: {reason}", problem=False))
    index.set_meta("last_scan_at", str(int(stamp)))
    return ScanReport(
        roots=config.roots,
        counts=index.counts(remember=True),
        read=len(work),
        read_bytes=read_bytes,
        read_seconds=read_seconds,
        reused=len(copies) + (len(to_read) - len(work)),
        unchanged=unchanged,
        removed=len(gone),
        ignored=tuple(sorted(walk.ignored.items(), key=lambda kv: (-kv[1], kv[0]))),
        problems=tuple(index.problems()),
        issues=tuple(issues),
        perceptual=computed,
        elapsed=time.monotonic() - started,
    )


def _read_and_record(
    index: Index,
    config: ScanConfig,
    *,
    work: list[_Found],
    to_read: list[_Found],
    stamp: float,
    progress: ProgressCallback | None,
    executor: Executor | None,
    issues: list[ScanIssue],
) -> tuple[int, set[tuple[int, bytes]]]:
    """Fingerprint ``work`` (in the pool or inline) and write the results in batches; paths of
    ``to_read`` not in ``work`` are hard links of a path in it and get its result."""
    tuning = config.tuning
    roots = config.roots
    root_ids = index.ensure_roots(roots)
    items = [(os.path.join(os.fsencode(roots[f[0]]), f[1]), f[4]) for f in work]
    sizes = [f[4] for f in work]
    total = sum(sizes)
    small = tuning.estimate(len(work), total) < tuning.inline_seconds
    inline = tuning.workers <= 1 or (executor is None and small)
    batches = _batches(
        sizes, tuning.workers, tuning.batch_files, tuning.batch_bytes, tuning.batches_per_worker
    )
    firsts = {(f[0], f[1]) for f in work}
    extra: dict[tuple[int, ...], list[tuple[int, bytes]]] = {}
    for f in to_read:
        if (f[0], f[1]) not in firsts:
            extra.setdefault(f[2:], []).append((f[0], f[1]))
    vanished: set[tuple[int, bytes]] = set()
    done_files = done_bytes = 0
    if progress is not None:
        progress(ScanProgress("read", 0, len(work), 0, total))
    if not work:
        return 0, vanished
    if not inline:
        # While the workers start, have the kernel read the first files ahead (bounded).
        ahead = 0
        for path, size in items:
            if ahead > tuning.workers * tuning.batch_bytes:
                break
            if size >= _PREFETCH_MIN:
                _prefetch(path)
                ahead += size
    for batch, outcomes in _run_batches(
        _read_batch, items, batches, inline=inline, workers=tuning.workers, executor=executor
    ):
        records: list[LocalFile] = []
        for i, outcome in zip(batch, outcomes, strict=True):
            ri, rel, dev, ino, size, mtime_ns = work[i]
            done_files += 1
            done_bytes += size
            paths = [(ri, rel), *extra.get((dev, ino, size, mtime_ns), [])]
            if outcome.vanished:
                for pri, prel in paths:
                    vanished.add((root_ids[pri], prel))
                    issues.append(
                        ScanIssue(LocalPath(roots[pri], os.fsdecode(prel)), "vanished during the scan", False)
                    )
                continue
            file_stat = outcome.stat or FileStat(size=size, mtime_ns=mtime_ns, dev=dev, ino=ino)
            for pri, prel in paths:
                records.append(
                    LocalFile(
                        path=LocalPath(roots[pri], os.fsdecode(prel)),
                        stat=file_stat,
                        fingerprint=outcome.fingerprint,
                        problem=outcome.problem,
                        problem_kind=outcome.problem_kind,
                    )
                )
        index.record_files(records, now=stamp)
        if progress is not None:
            progress(ScanProgress("read", done_files, len(work), done_bytes, total))
    return total, vanished


# --- lazy passes -----------------------------------------------------------------------------


def compute_perceptual(
    index: Index,
    config: ScanConfig,
    content_ids: Iterable[ContentId] | None = None,
    *,
    retry_failed: bool = False,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> LazyResult:
    """Compute and cache the perceptual hash of these pictures (default: every photo without
    one). Decoding is the expensive step, so it runs in the pool, in batches. A picture is
    decoded from its first file that is still as indexed; pictures that cannot be decoded are
    remembered (not retried unless ``retry_failed``)."""
    tuning = config.tuning
    candidates = index.phash_candidates(content_ids, retry_failed=retry_failed)
    if not candidates:
        return LazyResult()
    items = [
        [
            (os.fsencode(os.path.join(f.path.root, f.path.relpath)), f.stat.size, f.stat.mtime_ns)
            for f in files
        ]
        for _cid, files in candidates
    ]
    sizes = [files[0].stat.size for _cid, files in candidates]
    inline = tuning.workers <= 1 or (executor is None and len(items) < tuning.inline_decodes)
    batches = _batches(
        [1] * len(items), tuning.workers, tuning.perceptual_batch, 1 << 62, tuning.batches_per_worker
    )
    computed = stale = done = done_bytes = 0
    failed: list[tuple[str, str]] = []
    total_bytes = sum(sizes)
    if progress is not None:
        progress(ScanProgress("perceptual", 0, len(items), 0, total_bytes))
    for batch, results in _run_batches(
        _perceptual_batch, items, batches, inline=inline, workers=tuning.workers, executor=executor
    ):
        hashes: dict[ContentId, str] = {}
        errors: dict[ContentId, str] = {}
        for i, (phash, reason) in zip(batch, results, strict=True):
            cid = candidates[i][0]
            if phash is not None:
                hashes[cid] = phash
            elif reason is not None:
                errors[cid] = reason
                failed.append((cid, reason))
            else:
                stale += 1
            done += 1
            done_bytes += sizes[i]
        index.set_phashes(hashes, errors)
        computed += len(hashes)
        if progress is not None:
            progress(ScanProgress("perceptual", done, len(items), done_bytes, total_bytes))
    return LazyResult(computed=computed, failed=tuple(failed), stale=stale)


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
    tuning = config.tuning
    files = index.files_without_digests(algorithms, content_ids)
    if not files:
        return LazyResult()
    items = [
        (os.fsencode(os.path.join(f.path.root, f.path.relpath)), f.stat.size, f.stat.mtime_ns, algorithms)
        for f in files
    ]
    sizes = [f.stat.size for f in files]
    total = sum(sizes)
    small = tuning.estimate(len(items), total) < tuning.inline_seconds
    inline = tuning.workers <= 1 or (executor is None and small)
    batches = _batches(
        sizes, tuning.workers, tuning.batch_files, tuning.batch_bytes, tuning.batches_per_worker
    )
    computed = stale = done = done_bytes = 0
    for batch, results in _run_batches(
        _digests_batch, items, batches, inline=inline, workers=tuning.workers, executor=executor
    ):
        found = {files[i].path: digests for i, digests in zip(batch, results, strict=True) if digests}
        index.set_file_digests(found)
        computed += len(found)
        stale += len(batch) - len(found)
        done += len(batch)
        done_bytes += sum(sizes[i] for i in batch)
        if progress is not None:
            progress(ScanProgress("digests", done, len(items), done_bytes, total))
    return LazyResult(computed=computed, stale=stale)


# --- single files ----------------------------------------------------------------------------


def inspect_file(
    path: str, *, perceptual: bool = True, digests: tuple[str, ...] = ("sha256",)
) -> FileInspection:
    """Read one file anywhere (inside the library or not) and report what it is. Never raises
    for a bad file: the problem is in the result."""
    raw = os.fsencode(os.path.abspath(path))
    shown = os.fsdecode(raw)
    try:
        st = os.stat(raw)
    except OSError as exc:
        return FileInspection(shown, None, None, f"cannot be examined: {exc.strerror or exc}", "unreadable")
    if not stat.S_ISREG(st.st_mode):
        return FileInspection(shown, _filestat(st), None, "not a regular file", "media")
    outcome = _read_one(raw)
    if outcome.vanished:
        return FileInspection(shown, None, None, "vanished while being read", "unreadable")
    phash = phash_error = None
    fp = outcome.fingerprint
    if perceptual and fp is not None and fp.media == "photo":
        phash, phash_error = _perceptual_one([(raw, st.st_size, st.st_mtime_ns)])
        if phash is None and phash_error is None:
            phash_error = "changed while being read"
    found: dict[str, str] | None = {}
    if digests and outcome.stat is not None:
        found = _digests_one(raw, outcome.stat.size, outcome.stat.mtime_ns, digests)
    return FileInspection(
        path=shown,
        stat=outcome.stat or _filestat(st),
        fingerprint=fp,
        problem=outcome.problem,
        problem_kind=outcome.problem_kind,
        phash=phash,
        phash_error=phash_error,
        digests=tuple(sorted((found or {}).items())),
    )


def locate(config: ScanConfig, path: str) -> LocalPath | None:
    """The library path (root, relpath) of an absolute or relative file path, or None when it is
    outside every root. Symbolic links in the roots are resolved for the comparison."""
    target = os.path.abspath(path)
    candidates = [target, os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target))]
    for root in config.roots:
        for base in dict.fromkeys((os.path.abspath(root), os.path.realpath(root))):
            for candidate in candidates:
                rel = os.path.relpath(candidate, base)
                if rel != os.curdir and not rel.startswith(os.pardir + os.sep) and rel != os.pardir:
                    return LocalPath(root, rel.replace(os.sep, "/"))
    return None


def index_files(
    index: Index, config: ScanConfig, paths: Sequence[LocalPath], *, now: float | None = None
) -> list[LocalFile]:
    """Read and index these files now (e.g. right after a download), inline. Vanished files are
    left out of the result."""
    records: list[LocalFile] = []
    for path in paths:
        outcome = _read_one(os.fsencode(os.path.join(path.root, path.relpath)))
        if outcome.stat is None:
            continue  # vanished, or could not even be opened (nothing to record against)
        records.append(
            LocalFile(path, outcome.stat, outcome.fingerprint, outcome.problem, outcome.problem_kind)
        )
    index.record_files(records, now=now)
    return records


def open_file(path: LocalPath, expect: FileStat | None = None) -> BinaryIO:
    """Open a library file for reading (e.g. to upload it), read-only and without touching its
    access time. With ``expect``, raise :class:`LocalFileError` if the file changed since then."""
    full = os.path.join(path.root, path.relpath)
    try:
        fd = _open_ro(full)
    except OSError as exc:
        raise LocalFileError(full, f"cannot be opened: {exc.strerror or exc}") from exc
    stream = os.fdopen(fd, "rb")
    if expect is not None:
        st = os.fstat(fd)
        if (st.st_size, st.st_mtime_ns) != (expect.size, expect.mtime_ns):
            stream.close()
            raise LocalFileError(full, "changed since it was scanned", hint="run the command again")
    return stream
