"""fakeflickr's state: one SQLite database (WAL) plus the original files, under the data dir.

* :mod:`~fakeflickr.state.records` — the rows as dataclasses, :class:`Config`, :class:`PhotoQuery`;
* :mod:`~fakeflickr.state.blobs` — the files (originals, resized cache, incoming uploads);
* :mod:`~fakeflickr.state.store` — :class:`Store`, the domain operations, built from one room per
  table group (:mod:`.base`, :mod:`.accounts`, :mod:`.photos`, :mod:`.photosets`, :mod:`.groups`,
  :mod:`.tickets`).

Everything the rest of fakeflickr needs is importable from here.
"""

from fakeflickr.state.blobs import BlobStore
from fakeflickr.state.records import (
    FREE_ITEM_LIMIT,
    MB,
    PERM_LEVEL,
    PHOTO_SIZE_MAX,
    VIDEO_SIZE_MAX,
    Config,
    Group,
    Perms,
    Photo,
    PhotoQuery,
    Photoset,
    Tag,
    Ticket,
    Token,
    User,
    new_secret,
)
from fakeflickr.state.store import Store

__all__ = [
    "FREE_ITEM_LIMIT",
    "MB",
    "PERM_LEVEL",
    "PHOTO_SIZE_MAX",
    "VIDEO_SIZE_MAX",
    "BlobStore",
    "Config",
    "Group",
    "Perms",
    "Photo",
    "PhotoQuery",
    "Photoset",
    "Store",
    "Tag",
    "Ticket",
    "Token",
    "User",
    "new_secret",
]
