"""The review page's thumbnails, addressed by index ids (a content id, a Flickr photo id), never
by a path the page sends.

* A picture's thumbnail is made from its file (the first path the index knows for it, inside a
  pictures folder of the profile), read-only through :mod:`flickrsync.localfs`, decoded by
  :func:`flickrsync.resizing.thumbnail` (JPEG draft mode, orientation applied).
* A Flickr photo's is its small rendition (``url_n`` of the listing; for a photo too small to
  have one, the smallest size ``flickr.photos.getSizes`` offers from Small 320 down), fetched by
  the client and scaled to the same size.

Both are cached in ``<home>/thumbs/`` (pictures by content id: the same picture anywhere in the
library has one thumbnail; photos by id and secret: a replaced photo gets a new one), never in
the library. Files are written whole (a temporary name, then renamed).
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from flickrsync import localfs, resizing
from flickrsync.client import FlickrClient
from flickrsync.errors import FlickrsyncError
from flickrsync.models import ContentId, LocalPicture, PhotoId, RemotePhoto
from flickrsync.planner import is_safe_relpath

log = logging.getLogger("flickrsync.review")

#: The long edge of a thumbnail, in pixels (the page shows them at 160 CSS px: sharp at 1.5x).
EDGE = 240
#: A rendition larger than this is no thumbnail-sized one.
FETCH_LIMIT = 4 << 20
#: getSizes labels worth fetching for a thumbnail, best first (Flickr's names).
SIZE_LABELS = ("Small 320", "Small", "Small 400", "Thumbnail", "Large Square", "Square", "Medium")


@dataclass(frozen=True, slots=True)
class Thumb:
    """What the server sends: the bytes and their media type."""

    data: bytes
    media_type: str


#: Drawn for what has no picture to show (a video file, a file that cannot be decoded).
_PLACEHOLDER = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{e}" height="{e}" viewBox="0 0 {e} {e}">'
    '<rect width="100%" height="100%" fill="#d8d8d8"/>'
    '<text x="50%" y="50%" font-family="sans-serif" font-size="22" fill="#555" '
    'text-anchor="middle" dominant-baseline="middle">{label}</text></svg>'
)


def placeholder(label: str) -> Thumb:
    return Thumb(_PLACEHOLDER.format(e=EDGE, label=label).encode(), "image/svg+xml")


class Thumbnails:
    """Thumbnails of the pictures and photos of one plan. Safe to call from several threads (each
    call reads or writes its own files; two calls for the same id write the same bytes)."""

    def __init__(
        self,
        cache: Path,
        client: FlickrClient,
        roots: Collection[str],
        pictures: Mapping[ContentId, LocalPicture],
        photos: Mapping[PhotoId, RemotePhoto],
    ) -> None:
        self.cache = cache
        self.client = client
        self.roots = frozenset(roots)
        self.pictures = pictures
        self.photos = photos

    def picture(self, content_id: str) -> Thumb | None:
        """The thumbnail of a picture of the plan; None for an id the plan does not know."""
        picture = self.pictures.get(ContentId(content_id))
        if picture is None:
            return None
        if picture.media != "photo":
            return placeholder("video")
        cached = self.cache / "pictures" / picture.content_id[:2] / f"{picture.content_id}.jpg"
        if cached.is_file():
            return Thumb(cached.read_bytes(), "image/jpeg")
        for path in picture.paths:
            if path.root not in self.roots or not is_safe_relpath(path.relpath):
                continue
            try:
                with localfs.open_file(path) as stream:
                    out = io.BytesIO()
                    resizing.thumbnail(stream, EDGE, out)
            except FlickrsyncError as exc:
                log.info("no thumbnail of %s: %s", path.relpath, exc)
                continue
            _write(cached, out.getvalue())
            return Thumb(out.getvalue(), "image/jpeg")
        return placeholder("no preview")

    def photo(self, photo_id: str) -> Thumb | None:
        """The thumbnail of a Flickr photo of the plan; None for an id the plan does not know."""
        photo = self.photos.get(PhotoId(photo_id))
        if photo is None:
            return None
        secret = re.sub(r"[^0-9A-Za-z]", "", photo.secret)[:32] or "x"  # a file name, whatever Flickr sent
        cached = self.cache / "flickr" / f"{photo.id}_{secret}.jpg"
        if cached.is_file():
            return Thumb(cached.read_bytes(), "image/jpeg")
        try:
            url = photo.url_small or self._small_url(photo.id)
            if url is None:
                return placeholder("no preview")
            data = self.client.fetch_bytes(url, limit=FETCH_LIMIT)
            out = io.BytesIO()
            resizing.thumbnail(io.BytesIO(data), EDGE, out)
        except FlickrsyncError as exc:
            log.info("no thumbnail of photo %s: %s", photo.id, exc)
            return placeholder("no preview")
        _write(cached, out.getvalue())
        return Thumb(out.getvalue(), "image/jpeg")

    def _small_url(self, photo_id: PhotoId) -> str | None:
        """The smallest useful rendition of a photo without ``url_n`` (one getSizes)."""
        sizes = {s.label: s.source for s in self.client.get_sizes(photo_id)}
        return next((sizes[label] for label in SIZE_LABELS if label in sizes), None)


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".thumb-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:  # a cache that cannot be written only costs the next request
        log.info("thumbnail cache %s: %s", path, exc.strerror or exc)
