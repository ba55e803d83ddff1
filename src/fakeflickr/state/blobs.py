"""The blob store: the files of one fakeflickr under its data dir.

Layout::

    originals/NN/<id>_<originalsecret>.<originalformat>   bytes exactly as uploaded
    cache/NN/<id>_<secret>_<originalsecret>_<suffix>.jpg  resized JPEGs, made on first request
    incoming/                uploads being received, and async uploads waiting for their ticket

``NN`` is the photo id modulo 100 (two digits). Originals are named by the stored relative path
(``photos.file_path``), so a replaced photo's new bytes never overwrite the old ones in place.
This module owns the layout; the store keeps the relative paths in SQLite.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from fakeflickr.state.records import Photo


def _shard(photo_id: int) -> str:
    return f"{photo_id % 100:02d}"


class BlobStore:
    """Originals, the resized cache and incoming uploads under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        for sub in ("originals", "cache", "incoming"):
            (root / sub).mkdir(exist_ok=True)

    def incoming(self, name: str) -> Path:
        """Where a file being received (or waiting for its async ticket) is kept."""
        return self.root / "incoming" / name

    def original_rel(self, photo_id: int, originalsecret: str, fmt: str) -> str:
        """The relative path an original is stored under (kept in ``photos.file_path``)."""
        return f"originals/{_shard(photo_id)}/{photo_id}_{originalsecret}.{fmt}"

    def path(self, rel: str) -> Path:
        return self.root / rel

    def cache_path(self, photo: Photo, suffix: str) -> Path:
        """A resized rendition; the secrets in the name retire it when the photo changes."""
        name = f"{photo.id}_{photo.secret}_{photo.originalsecret}_{suffix or 'm5'}.jpg"
        return self.root / "cache" / _shard(photo.id) / name

    def put(self, source: Path, rel: str, known: tuple[int, str] | None = None) -> tuple[int, str]:
        """Move a received file to ``rel``; returns (size, hex MD5) (``known`` when the caller
        hashed it while receiving)."""
        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        if known is not None:
            os.replace(source, target)
            return known
        digest = hashlib.md5()
        size = 0
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        os.replace(source, target)
        return size, digest.hexdigest()

    def remove(self, rel: str) -> None:
        """Drop an original that no photo points at any more (photo deleted or replaced)."""
        self.path(rel).unlink(missing_ok=True)
