"""One download into the library: fetched, checked, and only then given its name.

Charter: a worker thread of :mod:`flickrsync.executor` calls :func:`fetch` for each download.
The client streams the answer (:mod:`flickrsync.transfers`) into a temporary file that
:mod:`flickrsync.library` opened in the target folder; the file is read back
(:func:`flickrsync.localfs.read_one`: the same reading as a scan) and judged by the pure
:func:`download_problem`; only a file that passes is placed under its name. A file that fails
leaves nothing in the library, so a captive portal's page, an empty answer or a padded body never
becomes ``Remote.jpg``, and a run after it never makes ``Remote (2).jpg``.

What a download must be (issue 16 point 6), beyond what the transfer checked (HTTP 200, not a web
page, ``Content-Length``, ``Content-MD5`` when sent):

* a picture or video flickrsync can read (its format signature, it fingerprints), complete (not
  cut off, per container);
* of the kind the listing says (a photo or a video) and, for a photo, of the size the listing
  gives its original (``o_width``/``o_height``; a quarter-turn EXIF orientation may swap them);
* without bytes after the end of its container, unless a ``Content-MD5`` vouched for every byte
  (Flickr sends one with each original photo; a phone's trailer then passes, a body padded on the
  way does not).
"""

from __future__ import annotations

import logging
import os
import posixpath
import time
from dataclasses import dataclass

from flickrsync import library, localfs
from flickrsync.client import FlickrClient
from flickrsync.errors import FlickrsyncError, JunkAnswerError, LocalFileError, RemoteError
from flickrsync.matcher.keys import sizes_agree
from flickrsync.models import Download, Fingerprint, LocalPath, RemotePhoto
from flickrsync.transfers import Downloaded

log = logging.getLogger("flickrsync.downloads")


def taken_timestamp(photo: RemotePhoto | None) -> float | None:
    """Flickr's date taken (local time of the camera) as a Unix time for the file's mtime."""
    if photo is None or photo.date_taken is None or photo.date_taken_unknown:
        return None
    try:
        return time.mktime(time.strptime(photo.date_taken[:19], "%Y-%m-%d %H:%M:%S"))
    except (ValueError, OverflowError):
        return None


def download_problem(
    found: Fingerprint | None, problem: str | None, got: Downloaded, photo: RemotePhoto | None
) -> str | None:
    """Why what arrived is not ``photo``'s original (None: it may be). Pure.

    ``found`` is the fingerprint of the bytes (None when they are no usable picture or video:
    ``problem`` says why), ``got`` what the transfer saw."""
    if found is None:
        return f"the answer is not a picture or video ({problem or 'unreadable'})"
    if found.truncated is not None:
        return f"the answer is incomplete ({found.truncated})"
    if photo is not None and photo.media != found.media:
        return f"the answer is a {found.media}, but the Flickr item is a {photo.media}"
    if (
        photo is not None
        and photo.media == "photo"
        and not sizes_agree(found.width, found.height, found.orientation, photo.o_width, photo.o_height)
    ):
        return (
            f"the answer is a {found.width}×{found.height} picture, but Flickr lists the original "
            f"as {photo.o_width}×{photo.o_height}"
        )
    if found.trailing and not got.verified:
        return (
            f"the answer has {found.trailing} bytes after the end of the {found.format.upper()} and "
            "no Content-MD5 to vouch for them"
        )
    return None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A download done: where it is, how big, and whether it is the photo's original (a video's
    other version is not: ``note`` then says what was downloaded instead, and why)."""

    path: LocalPath
    size: int
    original: bool = True
    note: str | None = None


def fetch(client: FlickrClient, action: Download, photo: RemotePhoto | None, temp: str) -> Fetched:
    """Download ``action`` via the temporary name ``temp`` (:func:`flickrsync.library.temp_relpath`,
    recorded in the journal), check it, and place it. A video comes from its files on getSizes:
    its original when Flickr lets it be downloaded, else the largest version it offers — once,
    said in ``note``. Raises :class:`JunkAnswerError` for an answer that is not the photo
    (nothing is left behind), and what the client or the library raise."""
    if action.media != "video" or action.url is not None:
        url = action.url or client.original_url(action.photo_id)
        placed, size = _fetch_one(client, action.dest, temp, url, photo)
        return Fetched(placed, size)
    sources = client.video_sources(action.photo_id)
    if not sources:
        raise RemoteError(f"photo {action.photo_id}: Flickr offers no file of this video", method="getSizes")
    first, rest = sources[0], sources[1:]
    if first.label == "Video Original":
        try:
            placed, size = _fetch_one(client, action.dest, temp, first.source, photo)
            return Fetched(placed, size)
        except (LocalFileError, JunkAnswerError):
            raise  # the library's trouble, or a portal that would answer for any version too
        except FlickrsyncError as exc:
            if not rest:
                raise
            why = f"the original video could not be downloaded ({exc})"
            first = rest[0]
    else:
        why = "Flickr offers no original of this video"
    stem, dot, ext = action.dest.name.rpartition(".")
    if not dot or ext.lower() != "mp4":
        dest = LocalPath(action.dest.root, posixpath.join(action.dest.folder, f"{stem or ext}.mp4"))
    else:
        dest = action.dest
    placed, size = _fetch_one(client, dest, temp, first.source, photo)
    dims = f", {first.width}x{first.height}" if first.width and first.height else ""
    note = (
        f"photo {action.photo_id}: {why}; downloaded the largest version Flickr offers "
        f"({first.label}{dims}) instead, as {os.path.join(placed.root, placed.relpath)}"
    )
    log.warning("%s", note)
    return Fetched(placed, size, original=False, note=note)


def _fetch_one(
    client: FlickrClient, dest: LocalPath, temp: str, url: str, photo: RemotePhoto | None
) -> tuple[LocalPath, int]:
    """One file from ``url`` to ``dest`` (or ``dest (2)`` …) through ``temp``, checked first."""
    with library.create(dest, temp) as new:
        got = client.download(url, new.file)
        outcome = localfs.read_one(new.path)
        why = download_problem(outcome.fingerprint, outcome.problem, got, photo)
        if why is not None:
            junk = outcome.fingerprint is None or outcome.fingerprint.trailing
            hint = (
                "a captive portal or a proxy may be in the way; run again later"
                if junk
                else "run again later; if it stays so, Flickr's file is not what its listing says"
            )
            raise JunkAnswerError(f"{why}; nothing saved", method="download", hint=hint)
        placed = new.place(mtime=taken_timestamp(photo))
    return placed, got.size


__all__ = ["Fetched", "download_problem", "fetch", "taken_timestamp"]
