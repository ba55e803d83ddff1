"""``flickrsync ignore`` and ``flickrsync identify``: what they do, for the commands and the review
page alike (issue 12 points 4 and 5). The lists themselves are :mod:`flickrsync.userlists`'.

Ignore
    An argument names a file or folder of the library (relative to the current folder, or
    absolute), or a Flickr photo: digits that are no existing path are a photo id;
    ``photo:ID``, ``picture:CONTENT_ID`` and ``path:RELPATH`` say it explicitly. A file is
    ignored as its picture (content id: wherever it is, under any name), a folder as a path (all
    under it), a photo by its id. An ignored picture is never uploaded, tagged or put in an
    album; an ignored photo is to flickrsync as if it were not on Flickr: never matched, tagged
    or downloaded.

Identify
    ``identify PHOTO_ID PATH`` records that the Flickr photo is the picture the file holds, links
    them and gives the photo flickrsync's machine tag for it (removing a machine tag of ours
    that named another picture), so the photo is never uploaded or downloaded again, on any
    computer. ``--undo`` forgets it and takes that tag off again.

Different
    ``identify --different PHOTO_ID PATH`` records that the Flickr photo is NOT the picture the
    file holds (the review page's "different" on a pair the matcher could not settle): the
    matcher never pairs them again — not as a match, a copy, nor an undecided pair — so each is
    uploaded or downloaded as the rest of the plan says. Nothing changes on Flickr.
    ``--undo --different PHOTO_ID [PATH]`` forgets it (without PATH: every pair of that photo).
    A pair is identified or different, never both: identifying it forgets "different", and
    "different" is refused for a pair identified (``--undo`` that first).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from flickrsync import localfs, userlists
from flickrsync.client import FlickrClient
from flickrsync.config import Settings
from flickrsync.errors import FlickrsyncError, UsageError
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.models import (
    Account,
    ContentId,
    Distinction,
    Identification,
    IgnoreEntry,
    LocalPath,
    PhotoId,
    content_tag,
)
from flickrsync.tags import clean_tag
from flickrsync.uploading import move_machine_tag, take_off_tags

log = logging.getLogger("flickrsync.choices")

_PHOTO_ID = re.compile(r"[0-9]{1,20}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Resolved:
    """What the arguments of ``ignore add``/``remove`` named, and the ones that named nothing
    (each with why, one line)."""

    entries: tuple[IgnoreEntry, ...]
    problems: tuple[str, ...]


def picture_at(settings: Settings, index: Index, path: str) -> tuple[LocalPath, ContentId]:
    """The library path of a file and the picture it holds (from the index when the file is as
    indexed, else read). Raises :class:`UsageError` for a file outside the library or not a
    usable picture."""
    config = ScanConfig.from_settings(settings)
    location = localfs.locate(config, path)
    if location is None:
        raise UsageError(f"{path}: not inside the pictures folder of [{settings.profile}]")
    known = index.file(location)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
    if (
        known is not None
        and known.fingerprint is not None
        and (known.stat.size, known.stat.mtime_ns)
        == (
            st.st_size,
            st.st_mtime_ns,
        )
    ):
        return location, known.fingerprint.content_id
    found = localfs.inspect_file(path, perceptual=False, digests=())
    if found.fingerprint is None:
        raise UsageError(f"{path}: {found.problem or 'not a usable picture or video'}")
    return location, found.fingerprint.content_id


def resolve(settings: Settings, index: Index, args: Sequence[str], *, removing: bool = False) -> Resolved:
    """The ignore entries ``args`` name (see the module docstring). ``removing``: a path that no
    longer exists may still name an entry (``ignore remove Old/Folder``)."""
    entries: list[IgnoreEntry] = []
    problems: list[str] = []
    config = ScanConfig.from_settings(settings)
    for arg in args:
        kind, colon, rest = arg.partition(":")
        if colon and kind in ("photo", "picture", "path"):
            entry = _explicit(kind, rest.strip())
            if entry is None:
                problems.append(f"{arg}: not a {kind} (see `flickrsync ignore --help`)")
            else:
                entries.append(entry)
            continue
        if not os.path.lexists(arg):
            if _PHOTO_ID.fullmatch(arg):
                entries.append(IgnoreEntry("photo", arg))
            elif removing and (relpath := userlists.normal_relpath(arg)) is not None:
                entries.append(IgnoreEntry("path", relpath))
            else:
                problems.append(f"{arg}: no such file or folder (nor a Flickr photo id)")
            continue
        location = localfs.locate(config, arg)
        if location is None:
            problems.append(f"{arg}: not inside the pictures folder of [{settings.profile}]")
        elif os.path.isdir(arg):
            entries.append(IgnoreEntry("path", location.relpath))
        elif removing:
            entries.append(IgnoreEntry("path", location.relpath))
            with contextlib.suppress(UsageError):
                entries.append(IgnoreEntry("picture", picture_at(settings, index, arg)[1]))
        else:
            try:
                _where, cid = picture_at(settings, index, arg)
            except UsageError as exc:
                problems.append(str(exc))
                continue
            entries.append(IgnoreEntry("picture", cid, location.relpath))
    return Resolved(tuple(dict.fromkeys(entries)), tuple(problems))


def _explicit(kind: str, value: str) -> IgnoreEntry | None:
    if kind == "photo":
        return IgnoreEntry("photo", value) if _PHOTO_ID.fullmatch(value) else None
    if kind == "picture":
        return IgnoreEntry("picture", value.lower()) if _HEX64.fullmatch(value.lower()) else None
    relpath = userlists.normal_relpath(value)
    return None if relpath is None else IgnoreEntry("path", relpath)


def ignore(settings: Settings, index: Index, args: Sequence[str]) -> Resolved:
    """Add what ``args`` name to the ignore list (index and file)."""
    found = resolve(settings, index, args)
    if found.entries:
        userlists.add_ignored(settings, index, found.entries)
    return found


def unignore(settings: Settings, index: Index, args: Sequence[str]) -> tuple[Resolved, int]:
    """Remove what ``args`` name from the ignore list; returns it and how many entries went."""
    found = resolve(settings, index, args, removing=True)
    removed = userlists.remove_ignored(settings, index, found.entries) if found.entries else 0
    return found, removed


# --- identify --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identified:
    """What ``identify`` did: the pair, the tag added and the tags of ours taken off."""

    photo_id: PhotoId
    content_id: ContentId
    path: LocalPath | None
    added: str | None
    removed: tuple[str, ...] = ()


def identify(settings: Settings, client: FlickrClient, index: Index, photo_id: str, path: str) -> Identified:
    """Flickr photo ``photo_id`` is the picture in ``path``: record it (index and file), link
    them, and give the photo our machine tag for that picture (taking off one of ours that named
    another picture)."""
    pid = _photo_id(photo_id)
    location, cid = picture_at(settings, index, path)
    account, tags = _own_photo(client, pid)
    ours = content_tag(cid)
    removed = move_machine_tag(client, pid, cid, tags)
    if (pid, cid) in userlists.load(settings, index).different_pairs:
        userlists.remove_different(settings, index, [(pid, cid)])
    userlists.add_identified(settings, index, [Identification(pid, cid, location.relpath)])
    index.upsert_account(account)
    index.add_link(account.nsid, pid, cid, "identified")
    log.info("identified: photo %s is %s (%s)", pid, location.relpath, ours)
    return Identified(pid, cid, location, ours, tuple(removed))


def undo_identify(settings: Settings, client: FlickrClient, index: Index, photo_id: str) -> Identified:
    """Forget that ``photo_id`` was identified by hand and take the machine tag identify gave it
    off again; matching then decides as if it never had been."""
    pid = _photo_id(photo_id)
    known = {i.photo_id: i for i in userlists.load(settings, index).identified}
    if pid not in known:
        raise UsageError(
            f"photo {pid} was not identified by hand", hint="`flickrsync identify --list` shows those"
        )
    item = known[pid]
    account, tags = _own_photo(client, pid)
    ours = clean_tag(content_tag(item.content_id))
    removed = take_off_tags(client, pid, lambda t: t == ours, tags)
    userlists.remove_identified(settings, index, [pid])
    index.upsert_account(account)
    if any(link.photo_id == pid for link in index.links(account.nsid)):
        index.remove_link(account.nsid, pid)
    return Identified(pid, item.content_id, None, None, tuple(removed))


def different(settings: Settings, index: Index, photo_id: str, path: str) -> Distinction:
    """Flickr photo ``photo_id`` is not the picture in ``path``: record it (index and file).
    Raises :class:`UsageError` for a pair identified by hand."""
    pid = _photo_id(photo_id)
    location, cid = picture_at(settings, index, path)
    if any(i.photo_id == pid and i.content_id == cid for i in userlists.load(settings, index).identified):
        raise UsageError(
            f"photo {pid} was identified as {location.relpath} by hand",
            hint=f"`flickrsync identify --undo {pid}` first",
        )
    pair = Distinction(pid, cid, location.relpath)
    userlists.add_different(settings, index, [pair])
    log.info("different: photo %s is not %s", pid, location.relpath)
    return pair


def undo_different(settings: Settings, index: Index, photo_id: str, path: str | None) -> int:
    """Forget that ``photo_id`` is not the picture in ``path`` (every such pair of the photo when
    ``path`` is None); returns how many pairs went. :class:`UsageError` when there was none."""
    pid = _photo_id(photo_id)
    pairs = [
        (d.photo_id, d.content_id) for d in userlists.load(settings, index).different if d.photo_id == pid
    ]
    if path is not None:
        _where, cid = picture_at(settings, index, path)
        pairs = [p for p in pairs if p[1] == cid]
    if not pairs:
        raise UsageError(
            f"photo {pid} was not said to be different" + (f" from {path}" if path is not None else ""),
            hint="`flickrsync identify --list` shows those",
        )
    return userlists.remove_different(settings, index, pairs)


def _photo_id(text: str) -> PhotoId:
    if not _PHOTO_ID.fullmatch(text.strip()):
        raise UsageError(f"{text!r} is not a Flickr photo id", hint="give the number in the photo's address")
    return PhotoId(text.strip())


def _own_photo(client: FlickrClient, pid: PhotoId) -> tuple[Account, tuple[tuple[str, str], ...]]:
    """The account, after checking that the photo is its own, and ``(tag id, raw tag)`` of the
    photo's tags (one flickr.photos.getInfo)."""
    if client.token is None:
        raise UsageError("this profile has no token", hint="run `flickrsync auth`")
    account = client.token.account
    try:
        owner, tags = client.tag_ids(pid)
    except FlickrsyncError as exc:
        raise UsageError(f"photo {pid}: {exc}") from None
    if owner and owner != account.nsid:
        raise UsageError(f"photo {pid} belongs to {owner}, not to this account ({account.nsid})")
    return account, tags
