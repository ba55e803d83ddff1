"""Coming from flickrsync 0.1.1 (issue 15 point 8): its home, database, photos and albums as it
left them, then the cron line it ran, now run by this flickrsync."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.integration.test_index import OLD_DDL
from tests.synchelpers import SyncLib, date_of, flickr_date, seed_spec

from flickrsync.models import SET_MARKER

pytestmark = pytest.mark.integration


def test_an_011_library_syncs_with_its_albums_kept(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    """Photos 0.1.1 uploaded (title = file name, its signature tag) are matched, not uploaded
    again; its root album 'flickrsync' keeps every photo, also those whose files were moved into
    a folder since; its folder album ' 2014, Holiday' is adopted; the new folder gets an album."""
    database = tmp_path / "home" / "flickrsync.db"
    lib = SyncLib.create(fakeflickr, tmp_path, config=f"username = somebody\ndatabase = {database}\n")
    with sqlite3.connect(database) as old:  # 0.1.1's own tables, as it left them
        for statement in OLD_DDL:
            old.execute(statement)
    layout = {"r1.jpg": 1, "r2.jpg": 2, "2014/Holiday/a.jpg": 3, "2014/Holiday/b.jpg": 4, "Later/r3.jpg": 5}
    datas = {rel: lib.add(rel, seed) for rel, seed in layout.items()}
    ids = lib.ff.seed_photos(
        [
            seed_spec(
                datas[rel],
                Path(rel).stem,
                date=flickr_date(date_of(seed)),
                tags=f'flickrsync:signature="{seed:064x}"',
            )
            for rel, seed in layout.items()
        ]
    )
    photo = dict(zip(layout, ids, strict=True))
    # 0.1.1 put the root's pictures (r3 was there then) in "flickrsync", folders in " a, b" albums
    root = lib.ff.create_photoset(
        "flickrsync", [photo["r1.jpg"], photo["r2.jpg"], photo["Later/r3.jpg"]], description=SET_MARKER
    )
    holiday = lib.ff.create_photoset(
        " 2014, Holiday", [photo["2014/Holiday/a.jpg"], photo["2014/Holiday/b.jpg"]], description=SET_MARKER
    )

    result = lib.run("-u", "somebody", "--noprompt", "sync")  # 0.1.1's cron line
    assert result.code == 0, result
    assert "upload" not in result.calls, result
    assert not any(k.startswith("flickr.photosets.remove") for k in result.calls), result
    sets = {s["id"]: s for s in lib.photosets()}
    assert set(sets[root]["photos"]) == {photo["r1.jpg"], photo["r2.jpg"], photo["Later/r3.jpg"]}
    assert set(sets[holiday]["photos"]) == {photo["2014/Holiday/a.jpg"], photo["2014/Holiday/b.jpg"]}
    later = [s for s in sets.values() if s["title"] == "Later"]
    assert [s["photos"] for s in later] == [[photo["Later/r3.jpg"]]]
    assert len(lib.photosets()) == 3
    # every photo now carries our tag next to 0.1.1's
    for p in lib.photos():
        raws = [t["raw"] for t in p["tags"]]
        assert any(r.startswith("flickrsync:signature=") for r in raws)
        assert any(r.startswith("flickrsync:imagehash=") for r in raws)
    # 0.1.1's tables are left as they were, next to ours
    with sqlite3.connect(database) as db:
        names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"FlickrPhotos", "LocalPhotos"} <= names
    again = lib.run("--noprompt", "sync")
    assert again.code == 0, again
    assert again.writes == {}, again
    # a picture added to the root later joins the root album
    lib.add("r4.jpg", 6)
    assert lib.run("--noprompt", "sync").code == 0
    sets = {s["id"]: s for s in lib.photosets()}
    assert len(sets[root]["photos"]) == 4
