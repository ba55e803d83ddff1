"""What ``flickrsync status`` reports for each profile.

For every profile: the Flickr account, whether its token still works and with which permission
(Flickr is asked, a few quick tries only), the pictures directory, what the profile's index holds,
and whether a sync can run (:func:`usable`). Plain data out
(:class:`~flickrsync.models.ProfileStatus`); the CLI renders it. The index is only read, and never
created: a profile before its first scan has no index figures.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from flickrsync.accounts import budgets_for, profile_status
from flickrsync.config import Settings
from flickrsync.index import Index
from flickrsync.models import ProfileStatus
from flickrsync.oauth import perms_at_least
from flickrsync.retry import Backoff
from flickrsync.wire import new_http_client

#: A status is a quick look: a few tries only when Flickr cannot be reached.
QUICK_BACKOFF = Backoff(attempts=3, base=1.0, cap=4.0)


@dataclass(frozen=True, slots=True)
class IndexFigures:
    """What a profile's index holds (the ``index_*`` fields of :class:`ProfileStatus`)."""

    index_pictures: int
    index_videos: int
    index_problems: int
    #: Flickr photos in the remote index; None before the first listing.
    remote_photos: int | None
    #: When the last sync finished without errors (local time), None if never.
    last_sync: str | None


def statuses(all_settings: Sequence[Settings]) -> list[ProfileStatus]:
    """The status of each profile, in order."""
    budgets = budgets_for(all_settings)
    with new_http_client() as http:
        found = []
        for settings in all_settings:
            status = profile_status(settings, http, budget=budgets[settings.api_key], backoff=QUICK_BACKOFF)
            figures = index_figures(settings.database)
            if figures is not None:
                status = replace(status, **asdict(figures))
            found.append(replace(status, usable=usable(status)))
    return found


def usable(status: ProfileStatus) -> bool:
    """Whether a sync of the profile can run: its token is valid (Flickr said so) with write
    permission, and its pictures directory is there. ``status`` exits 1 when one is not."""
    return (
        status.authorization == "valid"
        and status.perms is not None
        and perms_at_least(status.perms, "write")
        and status.directory_exists
    )


def index_figures(database: Path) -> IndexFigures | None:
    """What the profile's index holds; None before its first scan (nothing is created)."""
    if not database.is_file():
        return None
    with Index.open(database) as index:
        counts = index.counts()
        accounts = index.accounts()
        states = [index.sync_state(a.nsid) for a in accounts]
        remote = sum(len(index.remote_photo_ids(a.nsid)) for a in accounts)
    synced = [s.synced_at for s in states if s.synced_at]
    return IndexFigures(
        index_pictures=counts.pictures,
        index_videos=counts.videos,
        index_problems=counts.problems,
        remote_photos=remote if states else None,
        last_sync=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(max(synced))) if synced else None,
    )
