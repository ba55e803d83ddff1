"""The look-ups on Flickr's side that need no thread of their own: where a photo's original is,
and the content id of that original (downloaded to an unnamed temporary file, read, gone).
:mod:`flickrsync.executor` runs them concurrently (checkers) for the matcher and for verify."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flickrsync import downloads, fingerprint
from flickrsync.client import FlickrClient
from flickrsync.errors import JunkAnswerError, LocalFileError, MediaError, RemoteError
from flickrsync.models import ContentId, Fingerprint, RemotePhoto

#: A small rendition larger than this is not a small rendition.
SMALL_LIMIT = 4 << 20


def original_url(client: FlickrClient, photo: RemotePhoto) -> str:
    """Where a photo's original is: ``url_o``, else getSizes' ``Original``; for a video, its
    ``Video Original`` (``url_o`` is then a still frame). RemoteError when none is offered."""
    if photo.media == "video":
        sources = client.video_sources(photo.id)
        if sources and sources[0].label == "Video Original":
            return sources[0].source
        raise RemoteError(f"photo {photo.id}: Flickr offers no original of this video", method="getSizes")
    return photo.file_url or client.original_url(photo.id)


def original_content_id(client: FlickrClient, photo: RemotePhoto, scratch: Path) -> ContentId:
    """The content id of a photo's original, downloaded into an unnamed temporary file in
    ``scratch`` (the home dir, never the library), gone when closed."""
    url = original_url(client, photo)
    with tempfile.TemporaryFile(prefix=".flickrsync-", dir=scratch) as tmp:
        got = client.download(url, tmp)
        tmp.seek(0)
        try:
            found: Fingerprint | None = fingerprint.fingerprint_stream(tmp, size=got.size)
            problem = None
        except MediaError as exc:
            found, problem = None, exc.reason
        if found is None and got.verified:
            # Flickr's own bytes (its Content-MD5 says so), and no usable picture: that is
            # the photo's answer, to be remembered, not a bad answer to try again.
            raise LocalFileError(f"the original of photo {photo.id}", problem or "not a usable picture")
        why = downloads.download_problem(found, problem, got, photo)
        if why is not None or found is None:
            raise JunkAnswerError(f"the original of photo {photo.id}: {why}", method="download")
        return found.content_id
