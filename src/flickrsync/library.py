"""The one writer of the pictures tree.

Charter: every file or folder flickrsync creates, names, dates or removes under a pictures root
goes through this module (a test greps ``src/`` for writes elsewhere). Everything else only reads
the tree (:mod:`flickrsync.localfs`) or writes outside it (the home dir: config, token, lock,
index, log). It never deletes or replaces a user's file: the only files it removes are its own
temporary files, recognised by their name (:func:`is_temp_name`).

A new file (a download) comes into the library in three steps::

    temp = temp_relpath(dest)                 # decided first: the download journal records it
    with create(dest, temp) as new:           # folders made safely, the hidden temporary file opened
        ...write into new.file, read it back through new.path, check it...
        placed = new.place(mtime=...)         # its name, exclusively: ``name (2).ext`` on a clash
    release(placed.root, temp)                # once the index has recorded ``placed``

* **Temporary names**: ``.flickrsync-part-<16 hex digits>`` in the target folder (same file
  system, so placing the file is a link, not a copy). Hidden, so a scan never sees it; of fixed
  length, so it fits wherever the final name fits.
* **Placing**: ``link(2)`` from the temporary name to the final one, which never replaces an
  existing file; a name taken gets `` (2)``, `` (3)`` … (:func:`flickrsync.planner.numbered`, the
  planner's rule for names taken within a plan), up to :data:`MAX_NAME_TRIES`. On a file system
  without hard links: a check, then ``rename(2)`` (a tiny window). The file is fsynced, its mtime
  set (the photo's date taken) before it gets its name, and the folder fsynced after.
* **Modes**: files are created ``0666`` and folders ``0777``, less the umask, like any program's
  files: a media server or another user reads them as the umask allows.
* **Folders** are created one component at a time from an open descriptor of the root
  (``openat``-style, ``O_NOFOLLOW``): a component that is a symbolic link is followed only when it
  leads inside the root (then the walk restarts from the root along the link's real path), so
  nothing is ever created outside the library, even through a link swapped in meanwhile.
* **After a kill** (:func:`recover`): the temporary name is kept until the index has recorded the
  placed file, so the next run finds the placed file by the temporary name's inode, or knows that
  the download never completed and removes the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import posixpath
import re
import secrets
import stat
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from flickrsync.errors import LocalFileError, file_error
from flickrsync.models import LocalPath
from flickrsync.planner import numbered

log = logging.getLogger("flickrsync.library")

#: Temporary files start with this (hidden: the scan skips names starting with ``.``).
TEMP_PREFIX = ".flickrsync-part-"
_TEMP_NAME = re.compile(re.escape(TEMP_PREFIX) + r"[0-9a-f]{16}")
#: How many names (``name``, ``name (2)`` …) a new file tries before giving up.
MAX_NAME_TRIES = 50
#: Links met while opening one folder (a link inside the library to a folder holding a link …).
MAX_LINK_HOPS = 8
#: errno values meaning "this file system cannot make hard links".
_NO_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV, errno.ENOSYS})
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def temp_relpath(dest: LocalPath) -> str:
    """A fresh temporary name in ``dest``'s folder (relative to its root), chosen before the
    download starts so that the journal can record it."""
    return posixpath.join(dest.folder, TEMP_PREFIX + secrets.token_hex(8))


def is_temp_name(name: str) -> bool:
    """A name :func:`temp_relpath` gives, nothing else (so no user's file is ever removed)."""
    return _TEMP_NAME.fullmatch(name) is not None


def _full(root: str, relpath: str) -> str:
    return os.path.join(root, relpath) if relpath else root


def make_root(root: Path) -> None:
    """Create a missing pictures folder (``sync2``/``download --force`` into a new library)."""
    try:
        root.mkdir(parents=True)
    except FileExistsError:
        pass
    except OSError as exc:
        raise file_error(str(root), "cannot create the pictures folder", exc) from None


# --- folders ---------------------------------------------------------------------------------


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _open_folder(root: str, folder: str, *, create: bool) -> int:
    """An open descriptor of ``folder`` (relative to ``root``, ``""``: the root), its missing
    components created when ``create``. Raises :class:`LocalFileError` for a folder that would
    be outside the root, FileNotFoundError for a missing one when not ``create``."""
    parts = [p for p in folder.split("/") if p] if folder else []
    if any(p in (".", "..") for p in parts) or "\0" in folder:
        raise LocalFileError(_full(root, folder), "is not a folder inside the pictures folder")
    try:
        root_fd = os.open(root, _DIR_FLAGS)
    except OSError as exc:
        raise file_error(root, "cannot open the pictures folder", exc) from None
    real_root = os.path.realpath(root)
    hops = 0
    fd = root_fd
    done: list[str] = []
    try:
        while parts:
            part = parts.pop(0)
            try:
                child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
                child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise
                here = os.path.join(root, *done, part)
                shown = "/".join([*done, part])
                if not stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode):
                    raise LocalFileError(here, f"{shown} is not a folder") from None
                real = os.path.realpath(here)
                hops += 1
                if hops > MAX_LINK_HOPS or not _inside(real, real_root):
                    raise LocalFileError(
                        here, f"the folder {shown} is a link leading outside the pictures folder; not written"
                    ) from None
                # Start again from the root along the link's real path (each step checked again).
                rel = os.path.relpath(real, real_root)
                parts = ([] if rel == os.curdir else rel.split(os.sep)) + parts
                done = []
                if fd != root_fd:
                    os.close(fd)
                fd = root_fd
                continue
            if fd != root_fd:
                os.close(fd)
            fd = child
            done.append(part)
    except LocalFileError:
        _close_all(fd, root_fd)
        raise
    except FileNotFoundError:
        _close_all(fd, root_fd)
        raise
    except OSError as exc:
        _close_all(fd, root_fd)
        raise file_error(_full(root, folder), "cannot create the folder", exc) from None
    if fd != root_fd:
        os.close(root_fd)
    return fd


def _close_all(*fds: int) -> None:
    for fd in set(fds):
        with contextlib.suppress(OSError):
            os.close(fd)


def _fsync(fd: int) -> None:
    """Make a link or rename in a folder durable (best effort: not every file system can)."""
    with contextlib.suppress(OSError):
        os.fsync(fd)


# --- new files -------------------------------------------------------------------------------


class NewFile:
    """A file on its way into the library: open for writing under its temporary name in the
    target folder. Use as a context manager: leaving it without :meth:`place` removes it."""

    def __init__(self, dest: LocalPath, temp: str, folder_fd: int, fd: int) -> None:
        self.dest = dest
        self.temp = temp
        #: Write the content here (binary, from the start).
        self.file: BinaryIO = os.fdopen(fd, "wb")
        self._dir = folder_fd
        self._temp_name = posixpath.basename(temp)
        self._placed = False
        self._closed = False

    @property
    def path(self) -> bytes:
        """The temporary file's path, to read back what was written (after ``file.flush()``)."""
        return os.fsencode(_full(self.dest.root, self.temp))

    def place(self, *, mtime: float | None = None) -> LocalPath:
        """Give the complete file its name: ``dest``, or ``dest (2)`` … when taken; never an
        overwrite. Sets the modification time first (``mtime``, Unix seconds, whole seconds as a
        scan reads them back; a time the file system cannot hold is left to the OS). The
        temporary name stays until :func:`release`. Returns where the file now is."""
        shown = _full(self.dest.root, self.dest.relpath)
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            if mtime is not None:
                ns = int(mtime) * 1_000_000_000
                with contextlib.suppress(OSError, OverflowError, ValueError):
                    os.utime(self.file.fileno(), ns=(ns, ns))
            self.file.close()
        except OSError as exc:
            raise file_error(shown, "cannot write", exc) from None
        for n in range(1, MAX_NAME_TRIES + 1):
            name = numbered(self.dest.name, n)
            if self._link(name):
                self._placed = True
                _fsync(self._dir)
                relpath = posixpath.join(self.dest.folder, name)
                log.debug("placed %s", _full(self.dest.root, relpath))
                return LocalPath(self.dest.root, relpath)
        raise LocalFileError(shown, f"{MAX_NAME_TRIES} names taken; not saved")

    def _link(self, name: str) -> bool:
        """Link the temporary file to ``name`` in the folder; False when ``name`` is taken."""
        try:
            os.link(self._temp_name, name, src_dir_fd=self._dir, dst_dir_fd=self._dir, follow_symlinks=False)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                where = _full(self.dest.root, self.dest.folder)
                raise file_error(where, "cannot create a file", exc) from None
        # No hard links here (some network/FAT file systems): check, then rename. The window
        # between the two is tiny, and the check is as late as it can be.
        try:
            os.lstat(name, dir_fd=self._dir)
            return False
        except FileNotFoundError:
            pass
        try:
            os.rename(self._temp_name, name, src_dir_fd=self._dir, dst_dir_fd=self._dir)
        except OSError as exc:
            raise file_error(_full(self.dest.root, self.dest.folder), "cannot create a file", exc) from None
        return True

    def discard(self) -> None:
        """Remove the temporary file (the download failed or was refused)."""
        with contextlib.suppress(OSError):
            self.file.close()
        if not self._placed:
            with contextlib.suppress(OSError):
                os.unlink(self._temp_name, dir_fd=self._dir)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not self._placed:
            self.discard()
        with contextlib.suppress(OSError):
            self.file.close()
        _close_all(self._dir)

    def __enter__(self) -> NewFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def create(dest: LocalPath, temp: str) -> NewFile:
    """Open the temporary file ``temp`` (from :func:`temp_relpath`) for a new file that is to be
    ``dest``, creating the folders on the way (never outside the root)."""
    if posixpath.dirname(temp) != dest.folder or not is_temp_name(posixpath.basename(temp)):
        raise ValueError(f"{temp!r} is not a temporary name for {dest.relpath!r}")
    folder_fd = _open_folder(dest.root, dest.folder, create=True)
    try:
        fd = os.open(posixpath.basename(temp), _NEW_FILE_FLAGS, 0o666, dir_fd=folder_fd)
    except OSError as exc:
        _close_all(folder_fd)
        raise file_error(_full(dest.root, dest.folder), "cannot write here", exc) from None
    return NewFile(dest, temp, folder_fd, fd)


def release(root: str, temp: str) -> None:
    """Drop the temporary name of a placed file, once the index has recorded the file (or remove
    a temporary file whose download never completed). Only ever a temporary name. Not fsynced
    (2-3 ms a file on the main thread): a power cut that loses the removal leaves a hidden,
    never-scanned second name of a complete file, never a wrong one."""
    if not is_temp_name(posixpath.basename(temp)):
        return
    try:
        fd = _open_folder(root, posixpath.dirname(temp), create=False)
    except (FileNotFoundError, LocalFileError):
        return
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(posixpath.basename(temp), dir_fd=fd)
    except OSError as exc:
        log.warning("could not remove the temporary file %s: %s", _full(root, temp), exc.strerror or exc)
    finally:
        _close_all(fd)


def recover(dest: LocalPath, temp: str) -> LocalPath | None:
    """After a run died during the download to ``dest`` via ``temp``: the placed file, when the
    download had completed (the temporary name, still there, shares its inode; or, on a file
    system without hard links, ``dest`` itself), else None — with the incomplete temporary file
    removed. The temporary name of a placed file stays for :func:`release`."""
    name = posixpath.basename(temp)
    try:
        fd = _open_folder(dest.root, dest.folder, create=False)
    except (FileNotFoundError, LocalFileError):
        return None
    try:
        try:
            st = os.lstat(name, dir_fd=fd) if is_temp_name(name) else None
        except FileNotFoundError:
            st = None
        if st is not None:
            if st.st_nlink > 1:
                found = _same_file(fd, dest.name, name, (st.st_dev, st.st_ino))
                if found is not None:
                    return LocalPath(dest.root, posixpath.join(dest.folder, found))
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=fd)
            return None
        try:
            there = os.lstat(dest.name, dir_fd=fd)
        except OSError:
            return None
        return dest if stat.S_ISREG(there.st_mode) else None
    finally:
        _close_all(fd)


def _same_file(fd: int, name: str, temp_name: str, inode: tuple[int, int]) -> str | None:
    """The name in the open folder ``fd`` that is the file ``inode``: ``name``, ``name (2)`` …
    first, else any other (a video placed under another extension than planned)."""

    def same(candidate: str) -> bool:
        try:
            other = os.lstat(candidate, dir_fd=fd)
        except OSError:
            return False
        return (other.st_dev, other.st_ino) == inode

    for n in range(1, MAX_NAME_TRIES + 1):
        if same(candidate := numbered(name, n)):
            return candidate
    try:
        names = os.listdir(fd)
    except OSError:
        return None
    return next((n for n in names if n != temp_name and same(n)), None)


__all__ = [
    "MAX_NAME_TRIES",
    "TEMP_PREFIX",
    "NewFile",
    "create",
    "is_temp_name",
    "make_root",
    "recover",
    "release",
    "temp_relpath",
]
