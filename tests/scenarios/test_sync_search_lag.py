"""A run that died after Flickr stored an upload, settled by the next run while Flickr's search
still lags behind that upload (fakeflickr's default, as on Flickr; REFERENCE §4.2).

The next run must find the photo anyway — through the photos uploaded since the attempt
(``people.getPhotos`` with ``min_upload_date``) — and link it, never upload it again. The
kill -9 tests (test_sync_crash.py) reach this state by chance; here it is built on purpose.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.synchelpers import SyncLib, content_id
from tests.wire_recorder import WireRecorder, recording_fakeflickr

from fakeflickr.testing import FakeFlickrHandle
from flickrsync import scanner
from flickrsync.accounts import open_client
from flickrsync.config import load_settings
from flickrsync.index import Index
from flickrsync.models import Account, ContentId, LocalPath, Nsid, content_tag
from flickrsync.wire import new_http_client

pytestmark = pytest.mark.integration


@pytest.fixture
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeFlickrHandle, WireRecorder]]:
    with recording_fakeflickr(tmp_path_factory.mktemp("fakeflickr")) as both:
        yield both


def test_an_upload_stored_before_the_run_died_is_found_while_search_lags(
    recorded: tuple[FakeFlickrHandle, WireRecorder], tmp_path: Path
) -> None:
    ff, recorder = recorded
    assert ff.state(photos=False)["config"]["search_index_delay"] > 0, "search lags, as on Flickr"
    lib = SyncLib.create(ff, tmp_path)
    data = lib.add("Trip/a.jpg", 1)
    lib.add("Trip/b.jpg", 2)
    cid = ContentId(content_id(data))
    tag = content_tag(cid)

    # The run that died: it committed its intent, its upload reached Flickr, its answer never
    # came back (the process was killed), so the journal still holds the intent.
    settings = load_settings(lib.home, None)
    with Index.open(settings.database) as index:
        index.upsert_account(Account(Nsid(lib.nsid), "demo"))
        [record] = scanner.index_files(index, [LocalPath(str(lib.root), "Trip/a.jpg")])
        assert record.fingerprint is not None
        assert record.fingerprint.content_id == cid
        index.begin_upload(Nsid(lib.nsid), cid, record.path)
    with new_http_client(1) as http:
        client = open_client(settings, http)
        stored = client.upload(io.BytesIO(data), "a.jpg", title="a", tags=[tag])
    recorder.clear()

    result = lib.run("sync", "--yes")
    assert result.code == 0, result
    assert "settled 1 uploads an earlier run left unfinished (1 had reached Flickr, 0 had not)" in result.out
    assert result.writes["upload"] == 1, "only b.jpg: a.jpg was on Flickr already"
    assert [p["id"] for p in lib.photos_by_content()[cid]] == [stored]

    # How it was found: search (by machine tag) had nothing yet; the photos uploaded since the
    # attempt were looked through.
    searches = [r for r in recorder.requests if r.kind == "flickr.photos.search"]
    assert [r.get("machine_tags") for r in searches] == [tag]
    recent = [
        r
        for r in recorder.requests
        if r.kind == "flickr.people.getPhotos" and r.get("min_upload_date") is not None
    ]
    assert len(recent) == 1
    assert "machine_tags" in (recent[0].get("extras") or "").split(",")
