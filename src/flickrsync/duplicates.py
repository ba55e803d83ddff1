"""What ``flickrsync duplicates`` reports: pictures held by several files.

A duplicate is one picture (one content id) at several paths. The index is brought up to date
first (cheap when little changed) unless the caller asks for the index as it is. Plain data out
(:class:`DuplicatesReport`); the CLI renders it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flickrsync import scanner
from flickrsync.config import Settings
from flickrsync.index import Index
from flickrsync.localfs import ProgressCallback
from flickrsync.models import LocalPicture


@dataclass(frozen=True, slots=True)
class DuplicatesReport:
    """One profile's duplicate groups, each picture with every path that holds it."""

    profile: str
    groups: tuple[LocalPicture, ...]
    #: The scan before the listing found files it could not index (``flickrsync scan`` lists them).
    scan_failed: bool = False

    @property
    def extra_copies(self) -> int:
        return sum(len(p.paths) - 1 for p in self.groups)


def find_duplicates(
    settings: Settings, *, rescan: bool = True, progress: ProgressCallback | None = None
) -> DuplicatesReport:
    """The profile's duplicate groups, after a scan for changes unless ``rescan`` is False."""
    scan_failed = False
    if rescan:
        scan_failed = scanner.scan_profile(settings, progress=progress).failed
    with Index.open(settings.database) as index:
        groups = tuple(index.duplicates())
    return DuplicatesReport(settings.profile, groups, scan_failed)
