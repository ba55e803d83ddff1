"""Stat keys and folder manifests: the one owner of their stored byte format. Pure.

A file is unchanged since the last scan when its ``(dev, ino, size, mtime_ns)`` is (see
:data:`flickrsync.models.StatTuple`). The index keeps that stat packed into one value per file,
its *stat key* (``local_file.stat_key``), and per folder a *manifest*
(``local_dir.manifest``): the folder's files, sorted by name, each ``name NUL stat key``. A
re-scan builds the manifest of each folder it lists and compares one value per folder, so an
unchanged library costs one comparison per folder, not one database row per file.

Only this module packs or unpacks those bytes; the index stores them, the scanner compares them,
nobody slices them. The format is documented in ``docs/index-format.md``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from flickrsync.models import StatTuple

#: A file's (dev, ino, size, mtime_ns) packed into 32 bytes.
_KEY = struct.Struct("<QQqq")

#: Bytes in one stat key.
KEY_SIZE = _KEY.size


def encode(stat: StatTuple) -> bytes:
    """The stat key of a file's ``(dev, ino, size, mtime_ns)``."""
    return _KEY.pack(*stat)


def decode(key: bytes) -> StatTuple:
    """The ``(dev, ino, size, mtime_ns)`` a stat key holds."""
    dev, ino, size, mtime_ns = _KEY.unpack(key)
    return (dev, ino, size, mtime_ns)


def manifest(files: Mapping[bytes, StatTuple]) -> bytes:
    """A folder's manifest from its files ``{name: (dev, ino, size, mtime_ns)}``: equal manifests
    mean the same files with the same stats. Names never hold a NUL byte and keys have one size,
    so a manifest is read back unambiguously (one value per folder, never parsed by the scanner).
    """
    pack = _KEY.pack
    return b"".join([name + b"\0" + pack(*stat) for name, stat in sorted(files.items())])
