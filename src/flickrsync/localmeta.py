"""A picture's own title, description and keywords, read from its file and its ``.xmp`` sidecar.

Part of the local file room (with :mod:`flickrsync.localfs`, through whose :func:`open_file` it
opens library files read-only): for files indexed before the scanner kept their metadata, and
for the sidecars, which are read on each run for the pictures about to be uploaded (the
scanner's read keeps what a file embeds). Parsing is :mod:`flickrsync.fingerprint`'s.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping, Set
from dataclasses import replace
from typing import TYPE_CHECKING

from flickrsync.errors import LocalFileError
from flickrsync.localfs import fs_path, open_file
from flickrsync.models import FileStat, LocalPath
from flickrsync.planner import path_key

if TYPE_CHECKING:
    from flickrsync.fingerprint import PictureMeta

#: An ``.xmp`` sidecar larger than this is not read (photo managers write a few KB).
MAX_SIDECAR_BYTES = 16 << 20
#: How every sidecar name :func:`with_sidecar` tries ends (its :func:`path_key`).
SIDECAR_SUFFIX = ".xmp"


def read_metadata(path: LocalPath, expect: FileStat | None = None) -> PictureMeta:
    """The picture's own metadata (without its sidecar): for a file indexed before the scanner
    kept it. Raises :class:`LocalFileError` when it cannot be read or changed since ``expect``."""
    from flickrsync import fingerprint  # noqa: PLC0415 - lazy: Pillow & co. only when needed

    with open_file(path, expect) as stream:
        try:
            meta: PictureMeta = fingerprint.read_metadata(stream)
            return meta
        except OSError as exc:
            where = os.path.join(path.root, path.relpath)
            raise LocalFileError(where, f"read error: {exc.strerror or exc}") from None


def with_sidecar(path: LocalPath, embedded: PictureMeta, folder_names: Set[str] | None = None) -> PictureMeta:
    """``embedded`` merged with the picture's ``.xmp`` sidecar (which wins), when it has one:
    ``NAME.EXT.xmp`` (darktable, digiKam) else ``NAME.xmp`` (Lightroom, Capture One), ``.xmp``
    in either case. A sidecar that cannot be read is a warning of the result. ``folder_names``:
    the names in the picture's folder (:func:`path_key` of each, or of each ending ``.xmp``) when
    the caller listed it: a name not among them is not tried."""
    from flickrsync.fingerprint import merge, read_sidecar  # noqa: PLC0415 - lazy, as above

    folder, name = posixpath.split(path.relpath)
    for candidate in dict.fromkeys((name, name.rsplit(".", 1)[0])):
        for sidecar in (candidate + ".xmp", candidate + ".XMP"):
            if folder_names is not None and path_key(sidecar) not in folder_names:
                continue
            try:
                with open_file(LocalPath(path.root, posixpath.join(folder, sidecar))) as stream:
                    data = stream.read(MAX_SIDECAR_BYTES + 1)
            except LocalFileError as exc:
                if isinstance(exc.__cause__, FileNotFoundError):
                    continue
                data, why = b"", f"sidecar {sidecar} {exc.reason}"
            except OSError as exc:
                data, why = b"", f"sidecar {sidecar} cannot be read: {exc.strerror or exc}"
            else:
                why = f"sidecar {sidecar} is over {MAX_SIDECAR_BYTES:,} bytes: not read"
            if not data or len(data) > MAX_SIDECAR_BYTES:
                return replace(embedded, warnings=(*embedded.warnings, why))
            return merge(embedded, read_sidecar(data))
    return embedded


def with_sidecars(found: Mapping[LocalPath, PictureMeta]) -> dict[LocalPath, PictureMeta]:
    """:func:`with_sidecar` for many pictures: each folder is listed once and only the sidecars
    it holds are opened (trying four names per picture costs four failed opens each); in a
    folder without any, a picture is what it embeds. A folder that cannot be listed is tried
    name by name."""
    listed: dict[tuple[str, str], frozenset[str] | None] = {}
    merged: dict[LocalPath, PictureMeta] = {}
    for path, embedded in found.items():
        key = (path.root, posixpath.dirname(path.relpath))
        if key not in listed:
            listed[key] = _sidecar_names(LocalPath(*key))
        sidecars = listed[key]
        merged[path] = (
            embedded if sidecars is not None and not sidecars else with_sidecar(path, embedded, sidecars)
        )
    return merged


def _sidecar_names(folder: LocalPath) -> frozenset[str] | None:
    """The names in ``folder`` that :func:`with_sidecar` may try (:func:`path_key` of each one
    ending ``.xmp``); None when it cannot be listed."""
    try:
        names = os.listdir(fs_path(folder))
    except OSError:
        return None
    keys = (path_key(os.fsdecode(n)) for n in names)
    return frozenset(k for k in keys if k.endswith(SIDECAR_SUFFIX))
