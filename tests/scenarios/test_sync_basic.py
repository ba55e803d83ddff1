"""The sync engine end to end through the CLI against fakeflickr: the basic promises."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.pictures import make_jpeg

from flickrsync.cli import main
from flickrsync.config import load_settings
from flickrsync.models import AccessToken, Account, Nsid
from flickrsync.oauth import save_token

pytestmark = pytest.mark.integration


def setup_profile(fakeflickr: FakeFlickrFixture, home: Path, library: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    library.mkdir(parents=True, exist_ok=True)
    (home / "config.ini").write_text(
        f"[DEFAULT]\napi_key = {fakeflickr.consumer_key}\napi_secret = {fakeflickr.consumer_secret}\n"
        f"endpoint = {fakeflickr.base_url}\ndirectory = {library}\n"
    )
    (home / "config.ini").chmod(0o600)  # it holds the API secret, as `flickrsync init` makes it
    token = fakeflickr.mint_token(perms="write")
    settings = load_settings(home, "DEFAULT")
    save_token(
        settings.token_file,
        AccessToken(token.token, token.secret, "write", Account(Nsid(token.user_nsid), token.username)),
    )


def run_json(home: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["--home", str(home), *args, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1])


@pytest.fixture
def world(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> tuple[Path, Path]:
    home, library = tmp_path / "home", tmp_path / "Pictures"
    setup_profile(fakeflickr, home, library)
    return home, library


def test_sync_uploads_each_picture_once_then_nothing(
    fakeflickr: FakeFlickrFixture, world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, lib = world
    make_jpeg(lib / "2020" / "Trip" / "a.jpg", 1, date="2020:05:01 10:00:00")
    make_jpeg(lib / "2020" / "Trip" / "b.jpg", 2, date="2020:05:01 10:00:01")
    (lib / "copies").mkdir()
    (lib / "copies" / "a copy.jpg").write_bytes((lib / "2020" / "Trip" / "a.jpg").read_bytes())
    before = {p: p.read_bytes() for p in lib.rglob("*.jpg")}
    code, doc = run_json(home, capsys, "sync")
    assert code == 0, doc
    assert doc["outcome"]["uploaded"] == 2
    photos = fakeflickr.photos()
    assert sorted(p["title"] for p in photos) == ["a", "b"]
    assert all(any(t["raw"].startswith("flickrsync:imagehash=") for t in p["tags"]) for p in photos), photos
    sets = {s["title"]: s for s in fakeflickr.photosets()}
    assert set(sets) == {"2020, Trip", "copies"}
    fakeflickr.reset_calls()
    code, doc = run_json(home, capsys, "sync")
    assert code == 0
    assert doc["actions"] == []
    calls = fakeflickr.calls()
    assert sum(calls.values()) <= 3, calls
    assert {p: p.read_bytes() for p in lib.rglob("*.jpg")} == before
    assert fakeflickr.deletions() == []
    assert main(["--home", str(home), "status"]) == 0
    out = capsys.readouterr().out
    assert "index:     2 pictures, 0 videos, 0 problems; 2 Flickr photos" in out
    assert "last sync: 2" in out  # a date


def test_sync2_downloads_into_set_folders_and_never_uploads_them_back(
    fakeflickr: FakeFlickrFixture, world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, lib = world
    make_jpeg(lib / "mine.jpg", 7)
    ids = fakeflickr.seed_photos(
        [
            {"title": "Harbour", "date_taken": "2019-07-01 12:00:00", "generate": True},
            {"title": "../../etc/passwd", "date_taken": "2019-07-02 12:00:00", "generate": True},
        ]
    )
    fakeflickr.create_photoset("Summer 2019", [ids[0]])
    code, doc = run_json(home, capsys, "sync2")
    assert code == 0, doc
    assert doc["outcome"]["downloaded"] == 2
    files = sorted(str(p.relative_to(lib)) for p in lib.rglob("*") if p.is_file())
    assert "Summer 2019/Harbour.jpg" in files, files
    assert all(not f.startswith("..") for f in files)
    assert len(fakeflickr.photos()) == 3  # mine.jpg uploaded; nothing downloaded went back
    code, doc = run_json(home, capsys, "sync2")
    assert code == 0
    assert doc["actions"] == [], doc["actions"]
    assert len(fakeflickr.photos()) == 3
    harbour = lib / "Summer 2019" / "Harbour.jpg"
    assert abs(os.stat(harbour).st_mtime - time.mktime((2019, 7, 1, 12, 0, 0, 0, 0, -1))) < 2


def test_photos_another_tool_uploaded_are_tagged_not_uploaded_again(
    fakeflickr: FakeFlickrFixture, world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, lib = world
    pic = make_jpeg(lib / "IMG_0001.jpg", 3, date="2018:03:04 05:06:07")
    data = base64.b64encode(pic.read_bytes()).decode()
    fakeflickr.seed_photos([{"title": "IMG_0001", "date_taken": "2018-03-04 05:06:07", "image_base64": data}])
    code, doc = run_json(home, capsys, "sync", "--no-photosets")
    assert code == 0, doc
    assert doc["outcome"]["uploaded"] == 0
    assert doc["outcome"]["tagged"] == 1
    [photo] = fakeflickr.photos()
    assert any(t["raw"].startswith("flickrsync:imagehash=") for t in photo["tags"])


def test_dry_run_changes_nothing(
    fakeflickr: FakeFlickrFixture, world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, lib = world
    make_jpeg(lib / "x" / "a.jpg", 1)
    code, doc = run_json(home, capsys, "sync2", "--dry-run")
    assert code == 0
    assert doc["outcome"] is None
    assert [a["action"] for a in doc["actions"]] == ["upload", "create_set"]
    assert fakeflickr.photos() == []
    assert fakeflickr.photosets() == []


def test_an_unreadable_picture_fails_the_run_but_the_rest_is_done(
    fakeflickr: FakeFlickrFixture, world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, lib = world
    make_jpeg(lib / "good.jpg", 1)
    (lib / "notes.jpg").write_text("I am text")
    code = main(["--home", str(home), "sync"])
    err = capsys.readouterr().err
    assert code == 1
    assert "notes.jpg" in err
    assert [p["title"] for p in fakeflickr.photos()] == ["good"]


def test_an_emptied_album_keeps_its_last_photo_unless_pruned(
    fakeflickr: FakeFlickrFixture, world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    home, lib = world
    make_jpeg(lib / "Trip" / "a.jpg", 1, date="2020:05:01 10:00:00")
    make_jpeg(lib / "Trip" / "b.jpg", 2, date="2020:05:01 10:00:01")
    assert run_json(home, capsys, "sync")[0] == 0
    for name in ("a.jpg", "b.jpg"):
        (lib / "Trip" / name).rename(lib / name)  # out of the album's folder, into the root
    code, doc = run_json(home, capsys, "sync")
    assert code == 0, doc
    assert doc["outcome"]["uploaded"] == 0
    [album] = fakeflickr.photosets()
    assert album["title"] == "Trip"
    assert len(album["photos"]) == 1  # Flickr would delete an album that loses its last photo
    code, doc = run_json(home, capsys, "photosets", "--prune")
    assert code == 0, doc
    assert fakeflickr.photosets() == []
    assert len(fakeflickr.photos()) == 2  # the album went, never a photo
    assert [d["kind"] for d in fakeflickr.deletions()] == ["photoset"]


def test_several_accounts_in_one_run_each_with_its_own_library_and_index(
    fakeflickr: FakeFlickrFixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    setup_profile(fakeflickr, home, tmp_path / "Pictures")
    other = fakeflickr.create_user("work")
    token = fakeflickr.mint_token(user=other["nsid"], perms="write")
    with (home / "config.ini").open("a") as config:
        config.write(f"\n[work]\ndirectory = {tmp_path / 'Work'}\n")
    save_token(
        load_settings(home, "work").token_file,
        AccessToken(token.token, token.secret, "write", Account(Nsid(token.user_nsid), token.username)),
    )
    make_jpeg(tmp_path / "Pictures" / "home.jpg", 1)
    make_jpeg(tmp_path / "Work" / "office.jpg", 2)
    make_jpeg(tmp_path / "Work" / "desk.jpg", 3)
    assert main(["--home", str(home), "-p", "DEFAULT", "-p", "work", "sync", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {d["profile"]: d["outcome"]["uploaded"] for d in docs} == {"DEFAULT": 1, "work": 2}
    assert [p["title"] for p in fakeflickr.photos(owner=fakeflickr.default_user)] == ["home"]
    assert sorted(p["title"] for p in fakeflickr.photos(owner=other["nsid"])) == ["desk", "office"]
    # The work account's token revoked: that profile fails with a clear line, the other goes on.
    fakeflickr.revoke_token(token.token)
    make_jpeg(tmp_path / "Pictures" / "new.jpg", 4)
    code = main(["--home", str(home), "-p", "DEFAULT", "-p", "work", "sync"])
    err = capsys.readouterr().err
    assert code == 2
    assert "[work]" in err, err
    assert "flickrsync auth -p work" in err, err
    assert sorted(p["title"] for p in fakeflickr.photos(owner=fakeflickr.default_user)) == ["home", "new"]


def test_on_a_terminal_it_asks_first_and_no_means_nothing_is_done(
    fakeflickr: FakeFlickrFixture,
    world: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, lib = world
    make_jpeg(lib / "a.jpg", 1)
    asked: list[str] = []

    def answer(question: str, default: bool = True) -> bool:
        asked.append(question)
        return False

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("click.confirm", answer)
    assert main(["--home", str(home), "sync"]) == 0
    assert asked == ["[DEFAULT] go ahead?"]
    assert "[DEFAULT] stopped: nothing was done" in capsys.readouterr().out
    assert fakeflickr.photos() == []
    # --yes does not ask.
    assert main(["--home", str(home), "sync", "--yes"]) == 0
    assert len(asked) == 1
    assert [p["title"] for p in fakeflickr.photos()] == ["a"]


def test_two_flickr_copies_of_one_picture_are_downloaded_once_not_on_every_run(
    fakeflickr: FakeFlickrFixture,
    world: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    home, lib = world
    make_jpeg(lib / "mine.jpg", 1)
    data = base64.b64encode(make_jpeg(tmp_path / "twin.jpg", 5, size=(640, 480)).read_bytes()).decode()
    fakeflickr.seed_photos(
        [
            {"title": "twin", "date_taken": "2019-07-01 12:00:00", "image_base64": data},
            {"title": "twin copy", "date_taken": "2019-07-01 12:00:00", "image_base64": data},
        ]
    )
    assert run_json(home, capsys, "sync2")[0] == 0
    files = sorted(p.name for p in (lib / "Flickr").iterdir())
    assert files == ["twin copy.jpg", "twin.jpg"]  # nothing told them apart before downloading
    for _ in range(2):
        code, doc = run_json(home, capsys, "sync2")
        assert code == 0
        assert doc["actions"] == []
        assert doc["summary"]["duplicates_on_flickr"] == 1  # reported, never deleted
    assert sorted(p.name for p in (lib / "Flickr").iterdir()) == files
    assert len(fakeflickr.photos()) == 3


def test_a_flickr_photo_dated_2300_is_downloaded_with_its_date_and_every_run_after_is_clean(
    fakeflickr: FakeFlickrFixture, world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16: a file time after 2262 (64 bits of nanoseconds) crashed every scan and sync for
    good, and sync2 itself gave downloads such times."""
    home, lib = world
    make_jpeg(lib / "mine.jpg", 7)
    fakeflickr.seed_photos([{"title": "Far", "date_taken": "2300-01-01 00:00:00", "generate": True}])
    code, doc = run_json(home, capsys, "sync2")
    assert code == 0, doc
    assert doc["outcome"]["downloaded"] == 1
    [far] = (lib / "Flickr").iterdir()
    taken = int(time.mktime((2300, 1, 1, 0, 0, 0, 0, 0, -1))) * 1_000_000_000
    if os.stat(far).st_mtime_ns != taken:
        pytest.skip(f"the file system of {lib} holds no time after 2262")
    assert main(["--home", str(home), "scan"]) == 0
    assert "read                 0 files" in capsys.readouterr().out
    for command in ("sync2", "sync"):
        code, doc = run_json(home, capsys, command)
        assert (code, doc["actions"]) == (0, []), doc
    assert os.stat(far).st_mtime_ns == taken
    assert len(fakeflickr.photos()) == 2  # mine.jpg went up; the download never went back
