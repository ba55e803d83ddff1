"""The pictures tree, read-only: walking it and reading its files.

Only this module lists, stats and reads files under the pictures roots. It hands open binary
streams to the pure :mod:`flickrsync.fingerprint` and returns plain data (what a walk saw, what a
file holds); :mod:`flickrsync.scanner` compares that with the index and writes the index. This
module never imports the index, never writes, renames or deletes anything under a root, and opens
files read-only (``O_NOATIME`` where the OS allows, so reading does not even touch the access
time).

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

Walking
    One ``stat`` per picture or video (types come from ``d_type``), iteratively (trees of any
    depth), names as bytes. Nested or repeated roots are walked once (the first root claims a
    shared folder). Each folder's files come back with their (dev, ino, size, mtime_ns), from
    which the scanner tells what changed since the last scan without reading anything.

Bad input never stops a scan
    Unreadable files, empty files, files that are not pictures, undecodable pictures, files that
    change while being read (re-stat after reading; retried once, then recorded), files that
    vanish, folders that cannot be listed (their indexed files are kept), names that are not
    UTF-8 (walked as bytes, stored as bytes), trees of any depth (no recursion). Each problem
    comes back with its reason (a :class:`~flickrsync.models.ScanIssue` of the walk, or a
    :class:`ReadOutcome` with a problem kind) and never raises.

Parallel, without waste
    Reading and hashing run in a process pool sized to the machine, in batches, because one small
    file per task costs more in inter-process traffic than the hashing itself; below
    :attr:`ScanTuning.inline_seconds` of work everything runs inline (starting the pool costs more).
    Results come back batch by batch to the calling process (:func:`read_files`,
    :func:`perceptual_hashes`, :func:`file_digests`), which writes them. A pool is only started
    for work: a re-scan of an unchanged library never starts it.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import translate
from types import ModuleType
from typing import TYPE_CHECKING, BinaryIO

from flickrsync import statkey, workpool
from flickrsync.config import Settings
from flickrsync.errors import ConfigError, LocalFileError, MediaError
from flickrsync.fingerprint import PictureMeta
from flickrsync.models import (
    FileInspection,
    FileSource,
    FileStat,
    Fingerprint,
    LocalPath,
    ProblemKind,
    ScanIssue,
    ScanProgress,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor  # the type of workpool's pools: no concurrency here

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
    #: Perceptual hashes: decoding costs ~40 ms per 12 MP JPEG (~5 MB), so a batch closes at
    #: 40 MB (8 such files) or at this many files (small pictures cost their per-file overhead).
    perceptual_batch: int = 64
    perceptual_batch_bytes: int = 40 << 20
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


@dataclass(slots=True)
class Walk:
    """What a walk of the roots saw (plain data: the scanner compares it with the index)."""

    #: Every folder listed: (root index, folder relpath without a trailing ``/``, ``b""`` for the
    #: root itself, the pictures and videos in it with their stat as manifest entries,
    #: :func:`flickrsync.statkey.entry`).
    folders: list[tuple[int, bytes, list[bytes]]] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    issues: list[ScanIssue] = field(default_factory=list)
    #: Folders that could not be listed (root index, folder): what is under them is unknown.
    unlisted: list[tuple[int, bytes]] = field(default_factory=list)


def walk(config: ScanConfig, progress: ProgressCallback | None = None) -> Walk:
    """Walk the roots (iteratively, any depth, names as bytes) and list each folder's pictures
    and videos with their stat.

    This loop runs once per file on every scan, so it is written for speed: one ``stat`` per
    picture (types come from ``d_type``) and one short bytes object.
    """
    out = Walk()
    roots = [os.fsencode(root) for root in config.roots]
    real_roots = [os.path.realpath(root) for root in roots]
    excluded = _exclude_matcher(config.exclude)
    skip_paths = {os.fsencode(os.path.abspath(p)) for p in config.skip_paths}
    skip_names = {os.path.basename(p) for p in skip_paths}
    visited: set[tuple[int, int]] = set()
    linked_dirs: list[tuple[int, bytes, bytes]] = []
    folders = out.folders
    found = 0
    ignored: Counter[bytes] = Counter()
    issue = out.issues.append
    make_entry = statkey.entry
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
            listing = os.scandir(dirpath)
        except OSError as exc:
            rel = prefix.rstrip(b"/")
            out.unlisted.append((ri, rel))
            issue(ScanIssue(where(ri, rel), f"folder cannot be read: {_os_reason(exc)}"))
            continue
        with listing:
            try:
                for entry in listing:
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
                            issue(ScanIssue(where(ri, rel), f"folder cannot be examined: {_os_reason(exc)}"))
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
                        issue(ScanIssue(where(ri, rel), f"cannot be examined: {_os_reason(exc)}"))
                        continue
                    if not is_reg(st.st_mode):
                        continue  # FIFO, socket, device: never opened
                    entries.append(make_entry(name, st))
            except OSError as exc:
                rel = prefix.rstrip(b"/")
                out.unlisted.append((ri, rel))
                issue(ScanIssue(where(ri, rel), f"folder listing failed: {_os_reason(exc)}"))
                continue
        folders.append((ri, prefix[:-1], entries))
        found += len(entries)
        if progress is not None and found - reported >= 2000:
            reported = found
            progress(ScanProgress("walk", files_done=found))
    out.ignored = Counter({("." + os.fsdecode(ext)) if ext else "(none)": n for ext, n in ignored.items()})
    return out


# --- reading one file ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadOutcome:
    """What a worker learnt of one path (picklable). A fingerprint *and* a problem: the file is
    a picture, but not one to back up (:func:`cut_off`); :attr:`usable` is what the index keeps."""

    stat: FileStat | None = None
    fingerprint: Fingerprint | None = None
    problem: str | None = None
    problem_kind: ProblemKind | None = None
    #: The file was gone when we tried to read it.
    vanished: bool = False
    #: The picture's own title, description and keywords, from the same read.
    meta: PictureMeta | None = None

    @property
    def usable(self) -> Fingerprint | None:
        """The fingerprint of a file to index as a picture (None: it is a problem)."""
        return self.fingerprint if self.problem is None else None


def cut_off(fp: Fingerprint) -> str | None:
    """Why a fingerprinted file is not to be backed up (None: it is): a truncated picture is a
    problem, never uploaded (issue 16 point 10) — half a picture under its own content id would
    pass for a backup. Its kind is ``media``: tried again when the file changes (a copy still
    being written, or the whole file put back)."""
    if fp.truncated is None:
        return None
    return f"{fp.truncated}: a cut-off copy is not backed up; put the whole file in its place"


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


def _os_reason(exc: OSError) -> str:
    """The OS's reason, said so a user knows what to do where the OS's words do not."""
    if exc.errno == errno.ENAMETOOLONG:
        return "its path is longer than this system allows; shorten a folder or file name"
    return exc.strerror or str(exc)


def _filestat(st: os.stat_result) -> FileStat:
    return FileStat(size=st.st_size, mtime_ns=st.st_mtime_ns, dev=st.st_dev, ino=st.st_ino)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns)


def _problem(kind: ProblemKind, reason: str, st: os.stat_result | None = None) -> ReadOutcome:
    return ReadOutcome(stat=None if st is None else _filestat(st), problem=reason, problem_kind=kind)


def read_one(path: bytes) -> ReadOutcome:
    """Fingerprint one file; never raises. Retries once if the file changes while read."""
    for _attempt in range(2):
        try:
            fd = _open_ro(path)
        except FileNotFoundError:
            return ReadOutcome(vanished=True)
        except OSError as exc:
            return _problem("unreadable", f"cannot be opened: {exc.strerror or exc}")
        fp: Fingerprint | None = None
        meta: PictureMeta | None = None
        reason: str | None = None
        try:
            with os.fdopen(fd, "rb") as stream:
                before = os.fstat(fd)
                if not stat.S_ISREG(before.st_mode):
                    return _problem("media", "not a regular file")
                if hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
                try:
                    fp, meta = _fingerprint().fingerprint_with_metadata(stream, size=before.st_size)
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
            return ReadOutcome(vanished=True)
        except OSError:
            now = after
        if _same(before, after) and _same(before, now):
            if fp is None:
                return _problem("media", reason or "not a usable picture or video", before)
            cut = cut_off(fp)
            if cut is not None:
                return ReadOutcome(stat=_filestat(before), fingerprint=fp, problem=cut, problem_kind="media")
            return ReadOutcome(stat=_filestat(before), fingerprint=fp, meta=meta)
    return _problem("changing", "changed while being read; it is read again on the next scan")


def _read_batch(items: list[tuple[bytes, int]]) -> list[ReadOutcome]:
    """Pool task: fingerprint a batch of (path, size). While a large file is hashed, the kernel
    is asked to read the next one ahead (``POSIX_FADV_WILLNEED``), so the disk never waits."""
    outcomes = []
    for i, (path, _size) in enumerate(items):
        if i + 1 < len(items) and items[i + 1][1] >= _PREFETCH_MIN:
            _prefetch(items[i + 1][0])
        outcomes.append(read_one(path))
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


def _perceptual_one(candidates: list[FileSource]) -> tuple[str | None, str | None]:
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


def _perceptual_batch(items: list[list[FileSource]]) -> list[tuple[str | None, str | None]]:
    return [_perceptual_one(item) for item in items]


def hash_renditions(renditions: list[bytes]) -> list[tuple[str | None, str | None]]:
    """Pool task: the perceptual hash of each small rendition fetched from Flickr (bytes in
    memory, no file): ``(phash, None)``, or ``(None, reason)`` when it cannot be decoded."""
    results: list[tuple[str | None, str | None]] = []
    for data in renditions:
        try:
            results.append((_fingerprint().perceptual_hash(io.BytesIO(data), size=len(data)), None))
        except MediaError as exc:
            results.append((None, exc.reason))
        except Exception as exc:
            log.debug("perceptual hash of a rendition failed", exc_info=True)
            results.append((None, f"could not be decoded ({type(exc).__name__}: {exc})"))
    return results


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


def _inline(tuning: ScanTuning, files: int, nbytes: int, executor: Executor | None) -> bool:
    """Whether reading ``files`` files of ``nbytes`` in all costs less than starting a pool."""
    small = tuning.estimate(files, nbytes) < tuning.inline_seconds
    return tuning.workers <= 1 or (executor is None and small)


# --- reading many files ----------------------------------------------------------------------


@contextmanager
def scan_pool(tuning: ScanTuning, *, perceptual: bool = False) -> Iterator[Executor]:
    """A process pool started ahead of work that is certain: its workers import what they need
    (Pillow, numpy: ~0.2 s; the decoder and the DCT too when ``perceptual``) while the caller is
    still walking."""
    initializer = _prepare_perceptual_worker if perceptual else _prepare_worker
    with workpool.pool(tuning.workers, initializer) as executor:
        for _ in range(tuning.workers):
            executor.submit(_warm_up)
        yield executor


def read_files(
    items: Sequence[tuple[bytes, int]], tuning: ScanTuning, executor: Executor | None = None
) -> Iterator[tuple[range, list[ReadOutcome]]]:
    """Fingerprint files given as ``(path, size)``; yield ``(batch, outcomes)`` as batches finish
    (``batch``: the positions in ``items``). Inline below :attr:`ScanTuning.inline_seconds` of
    estimated work, else in ``executor`` or a new pool."""
    sizes = [size for _path, size in items]
    inline = _inline(tuning, len(items), sum(sizes), executor)
    ranges = workpool.batches(
        sizes, tuning.workers, tuning.batch_files, tuning.batch_bytes, tuning.batches_per_worker
    )
    if not inline:
        # While the workers start, have the kernel read the first files ahead (bounded).
        ahead = 0
        for path, size in items:
            if ahead > tuning.workers * tuning.batch_bytes:
                break
            if size >= _PREFETCH_MIN:
                _prefetch(path)
                ahead += size
    yield from workpool.run_batches(
        _read_batch, items, ranges, inline=inline, workers=tuning.workers, executor=executor
    )


def perceptual_hashes(
    items: Sequence[list[FileSource]], tuning: ScanTuning, executor: Executor | None = None
) -> Iterator[tuple[range, list[tuple[str | None, str | None]]]]:
    """Perceptual hashes of pictures, each given as its files ``[(path, size, mtime_ns), …]`` as
    indexed; yield ``(batch, results)`` as batches finish. A result is ``(phash, None)``,
    ``(None, reason)`` when the picture cannot be decoded, or ``(None, None)`` when every file
    changed since (stale). Decoding is the expensive step, so it runs in the pool, in batches."""
    inline = tuning.workers <= 1 or (executor is None and len(items) < tuning.inline_decodes)
    ranges = workpool.batches(
        [files[0][1] if files else 0 for files in items],
        tuning.workers,
        tuning.perceptual_batch,
        tuning.perceptual_batch_bytes,
        tuning.batches_per_worker,
    )
    yield from workpool.run_batches(
        _perceptual_batch,
        items,
        ranges,
        inline=inline,
        workers=tuning.workers,
        executor=executor,
        # A pool shared with identify's rendition hashes: theirs wait behind a few batches only.
        in_flight=4 * tuning.workers,
    )


def file_digests(
    items: Sequence[tuple[bytes, int, int]],
    algorithms: tuple[str, ...],
    tuning: ScanTuning,
    executor: Executor | None = None,
) -> Iterator[tuple[range, list[dict[str, str] | None]]]:
    """Whole-file digests (``{algorithm: hex}``) of files given as ``(path, size, mtime_ns)`` as
    indexed; yield ``(batch, results)`` as batches finish. None for a file that changed since or
    cannot be read."""
    sizes = [size for _path, size, _mtime in items]
    inline = _inline(tuning, len(items), sum(sizes), executor)
    ranges = workpool.batches(
        sizes, tuning.workers, tuning.batch_files, tuning.batch_bytes, tuning.batches_per_worker
    )
    work = [(path, size, mtime_ns, algorithms) for path, size, mtime_ns in items]
    yield from workpool.run_batches(
        _digests_batch, work, ranges, inline=inline, workers=tuning.workers, executor=executor
    )


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
    outcome = read_one(raw)
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


def fs_path(path: LocalPath) -> bytes:
    """The file system path of a library path, as bytes (any name round-trips)."""
    return os.fsencode(os.path.join(path.root, path.relpath))


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
