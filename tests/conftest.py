"""Shared pytest fixtures. Paths to optional external test data live here, in one place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


#: Real sample photos and recorded Flickr responses, present in the development environment
#: only (a user's clone has no ../shared). Tests that need them skip with this reason.
def _find_shared() -> Path:
    """``$FLICKRSYNC_SHARED``, else the first ``shared`` folder beside the repo or an ancestor
    (git worktrees live one level deeper than the main checkout)."""
    if os.environ.get("FLICKRSYNC_SHARED"):
        return Path(os.environ["FLICKRSYNC_SHARED"])
    for parent in REPO.parents:
        if (parent / "shared" / "flickr-api").is_dir() or (parent / "shared" / "photos").is_dir():
            return parent / "shared"
    return REPO.parent / "shared"


SHARED = _find_shared()
SHARED_REASON = f"needs the shared test data at {SHARED} (not part of a user's clone)"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the calling test with a clear reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(SHARED_REASON)
    return path


def exiftool_path() -> str:
    """exiftool 13.x with ImageDataHash (installed by `make test` from npm), or skip."""
    candidate = os.environ.get("FLICKRSYNC_EXIFTOOL") or str(
        REPO / ".tools/node_modules/exiftool-vendored.pl/bin/exiftool"
    )
    if Path(candidate).is_file():
        return candidate
    found = shutil.which("exiftool")
    if found is None:
        pytest.skip("exiftool 13.x not installed (run `make test`, which installs it from npm)")
    return found


# The `fakeflickr` fixture (a fresh emulator per test) for the whole suite.
pytest_plugins = ["tests.fakeflickr_fixtures"]
