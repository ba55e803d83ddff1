"""Stat keys and folder manifests: the one owner of their stored byte format. Pure.

A file is unchanged since the last scan when its ``(dev, ino, size, mtime_ns)`` is (see
:data:`flickrsync.models.StatTuple`). The index keeps that stat packed into one value per file,
its *stat key* (``local_file.stat_key``), and per folder a *manifest*
(``local_dir.manifest``): the folder's files, sorted by name, each ``name NUL stat key``. A
re-scan builds the manifest of each folder it lists and compares one value per folder, so an
unchanged library costs one comparison per folder, not one database row per file.

A stat key is 36 bytes, little-endian: ``dev`` and ``ino`` (unsigned 64-bit), ``size`` (signed
64-bit), ``mtime_ns`` (signed 96-bit: any time a file system can hold, whose seconds are a signed
64-bit number, from long before 1677 to long after 2262, the limits of 64 bits of nanoseconds).

Only this module packs or unpacks those bytes; the index stores them, the scanner compares them,
nobody slices them. The format is documented in ``docs/index-format.md``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Mapping

from flickrsync.models import StatTuple

#: dev, ino, size, the low 64 bits of mtime_ns (unsigned) and its high 32 bits (signed): together
#: a signed 96-bit mtime_ns in two's complement.
_FIELDS = "QQqQi"
_KEY = struct.Struct("<" + _FIELDS)
#: A manifest entry after its name: the NUL (a pad byte) and the key, packed in one go.
_ENTRY = struct.Struct("<x" + _FIELDS)
_LOW = (1 << 64) - 1
_entry = _ENTRY.pack

#: Bytes in one stat key.
KEY_SIZE = _KEY.size


def encode(stat: StatTuple) -> bytes:
    """The stat key of a file's ``(dev, ino, size, mtime_ns)``."""
    dev, ino, size, mtime_ns = stat
    return _KEY.pack(dev, ino, size, mtime_ns & _LOW, mtime_ns >> 64)


def decode(key: bytes) -> StatTuple:
    """The ``(dev, ino, size, mtime_ns)`` a stat key holds."""
    dev, ino, size, low, high = _KEY.unpack(key)
    return (dev, ino, size, (high << 64) | low)


def entry(name: bytes, st: os.stat_result) -> bytes:
    """A manifest entry, ``name NUL stat key``, of a file the walk has just stat'ed. The walk
    calls it once per file on every scan, so it reads the ``stat_result`` itself."""
    mtime_ns = st.st_mtime_ns
    return name + _entry(st.st_dev, st.st_ino, st.st_size, mtime_ns & _LOW, mtime_ns >> 64)


def entry_of(name: bytes, stat: StatTuple) -> bytes:
    """The manifest entry of a file known by its ``(dev, ino, size, mtime_ns)``."""
    return name + b"\0" + encode(stat)


def split(item: bytes) -> tuple[bytes, StatTuple]:
    """The name and the ``(dev, ino, size, mtime_ns)`` of a manifest entry."""
    return item[: -KEY_SIZE - 1], decode(item[-KEY_SIZE:])


def manifest(entries: Iterable[bytes]) -> bytes:
    """A folder's manifest from the entries of its files: equal manifests mean the same files
    with the same stats. Entries are sorted, which sorts them by name, and read back
    unambiguously: a name never holds a NUL byte and every key has one size."""
    return b"".join(sorted(entries))


def manifest_of(files: Mapping[bytes, StatTuple]) -> bytes:
    """A folder's manifest from its files ``{name: (dev, ino, size, mtime_ns)}``."""
    return manifest([entry_of(name, stat) for name, stat in files.items()])


def upgrade_v1(key: bytes) -> bytes:
    """A stat key of the first format (32 bytes: ``mtime_ns`` signed 64-bit, so no time after
    2262) in the second, for the index migration ``0002_stat_key_any_time``: the same bytes with
    the mtime's sign extended to 96 bits. Never changes (a later format gets its own upgrade)."""
    return key + (b"\xff\xff\xff\xff" if key[31] & 0x80 else b"\0\0\0\0")
