"""What the library and the account hold once a plan's transfers are done (pure, like the planner).

:func:`uploaded_photo` is the photo an upload leaves on Flickr, as the remote index keeps it right
after the upload; :func:`preview_after_transfers` is the state a dry run plans the photoset step
on (:func:`flickrsync.photosets.plan_photosets`), with stand-in ids for what does not exist yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from flickrsync.matcher import Match, MatchResult, exact_date
from flickrsync.models import ContentId, Download, LocalPicture, PhotoId, Plan, RemotePhoto, Upload
from flickrsync.tags import MACHINE_TAG, clean_tag


def uploaded_photo(action: Upload, photo_id: PhotoId, picture: LocalPicture) -> RemotePhoto:
    """What Flickr will hold (and list) after ``action`` stored the picture as ``photo_id``:
    the title, the clean forms of the tags sent, the date taken the file carries. Used for the
    remote index right after an upload and for a dry run's preview; the next listing brings
    Flickr's own record."""
    clean = dict.fromkeys(map(clean_tag, action.tags))  # each clean form once, in order
    clean.pop("", None)  # a tag with no letter or digit: Flickr drops it
    tags = tuple(clean)
    date = exact_date(picture.date_taken)
    return RemotePhoto(
        id=photo_id,
        title=action.title,
        secret="",
        server="",
        tags=tags,
        machine_tags=tuple(filter(MACHINE_TAG.match, tags)),
        date_taken=date,
        date_taken_unknown=date is None,
        description=action.description,
        media=action.media,
        is_public=action.options.is_public,
        is_friend=action.options.is_friend,
        is_family=action.options.is_family,
    )


#: Stand-in photo ids for uploads in a preview start with this (never a real Flickr id).
PREVIEW_PREFIX = "new:"


def preview_after_transfers(
    plan: Plan,
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    match: MatchResult,
) -> tuple[list[LocalPicture], list[RemotePhoto], MatchResult]:
    """The indexes and match as they will be once ``plan``'s uploads and downloads are done, with
    stand-in ids (``new:<content id>``; downloads as pictures ``download:<photo id>``), so a dry
    run can show the set changes that will follow. Never give these ids to the executor."""
    pictures = {p.content_id: p for p in local}
    new_remote = list(remote)
    new_local = list(local)
    matches = list(match.matches)
    local_only = set(match.local_only)
    remote_only = set(match.remote_only)
    by_id = {r.id: r for r in remote}
    for action in plan.actions:
        if isinstance(action, Upload):
            picture = pictures[action.content_id]
            pid = PhotoId(PREVIEW_PREFIX + action.content_id)
            new_remote.append(uploaded_photo(action, pid, picture))
            matches.append(Match(action.content_id, pid, "machine_tag", "preview: uploaded"))
            local_only.discard(action.content_id)
        elif isinstance(action, Download):
            photo = by_id[action.photo_id]
            cid = ContentId("download:" + action.photo_id)
            new_local.append(
                LocalPicture(
                    content_id=cid,
                    id_kind="file",
                    media=photo.media,
                    format=photo.original_format or "",
                    paths=(action.dest,),
                    size=0,
                    date_taken=exact_date(photo.date_taken),
                    flickr_id=photo.id,
                )
            )
            matches.append(Match(cid, photo.id, "flickr_id", "preview: downloaded"))
            remote_only.discard(action.photo_id)
    after = MatchResult(
        matches=tuple(sorted(matches, key=attrgetter("content_id"))),
        local_only=tuple(sorted(local_only)),
        remote_only=tuple(sorted(remote_only, key=lambda p: (len(p), p))),
        duplicates=match.duplicates,
        undecided=match.undecided,
    )
    return new_local, new_remote, after
