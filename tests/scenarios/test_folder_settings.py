"""Per-folder settings (issue 12 point 2): [folder:GLOB] sections, the most specific glob wins,
and `inspect FILE` shows what applies and where each value came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, content_id

pytestmark = pytest.mark.integration

CONFIG = """\
extra_tags = mine
[folder:Public]
is_public = 1
[folder:Public/Private*]
is_public = 0
extra_tags = secret "top shelf"
[folder:Family]
is_family = 1
safety_level = 2
hidden = 1
[folder:Drafts]
ignore = 1
"""


def test_per_folder_privacy_tags_safety_and_ignore(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path, config=CONFIG)
    a = lib.add("Public/a.jpg", 1)
    b = lib.add("Public/PrivateStuff/b.jpg", 2)
    c = lib.add("Family/c.jpg", 3)
    lib.add("Drafts/d.jpg", 4)
    e = lib.add("e.jpg", 5)

    done = lib.run("sync", "--yes")
    assert done.code == 0, done
    photos = {cid: found[0] for cid, found in lib.photos_by_content().items()}
    assert set(photos) == {content_id(a), content_id(b), content_id(c), content_id(e)}, "Drafts is ignored"

    def visibility(data: bytes) -> tuple[int, int, int]:
        p = photos[content_id(data)]
        return (p["ispublic"], p["isfriend"], p["isfamily"])

    def tags(data: bytes) -> set[str]:
        return {t["raw"] for t in photos[content_id(data)]["tags"] if not t["machine"]}

    assert visibility(a) == (1, 0, 0)
    assert visibility(b) == (0, 0, 0), "the more specific Public/Private* wins"
    assert visibility(c) == (0, 0, 1)
    assert visibility(e) == (0, 0, 0)
    assert tags(a) == {"mine"}
    assert tags(b) == {"secret", "top shelf"}, "a folder's extra_tags replace the profile's"
    assert photos[content_id(c)]["safety_level"] == 1, "moderate (Flickr answers 0-2 for 1-3)"
    assert photos[content_id(c)]["hidden"] == 1
    assert photos[content_id(a)]["hidden"] == 2

    shown = lib.run("inspect", str(lib.root / "Public/PrivateStuff/b.jpg"))
    assert shown.code == 0, shown
    lines = {line.split()[0]: line for line in shown.out.splitlines()[1:] if line.startswith("    ")}
    assert lines["is_public"].split()[1:3] == ["0", "(no)"]
    assert lines["is_public"].endswith("([folder:Public/Private*] line 10)")
    assert lines["extra_tags"].endswith("([folder:Public/Private*] line 11)")
    assert lines["safety_level"].endswith("(default)")
    doc = lib.run("inspect", "--json", str(lib.root / "Family/c.jpg")).json()
    (report,) = doc["files"]
    settings = {s["key"]: s for s in report["settings"]}
    assert settings["is_family"] == {
        "key": "is_family",
        "value": "1 (yes)",
        "origin": "[folder:Family] line 13",
    }
    assert settings["extra_tags"]["origin"] == "[DEFAULT] line 6"


def test_bad_folder_sections_are_named_with_their_line(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    with (lib.home / "config.ini").open("a") as config:
        config.write("[folder:Trips]\nis_publik = 1\nresize = 50\n[folder:]\nhidden = 1\n")
    checked = lib.run("config", "check")
    assert checked.code == 2
    errors = checked.err.splitlines()
    assert any(
        "line 7: [folder:Trips] is_publik: not a folder setting" in e and "`is_public`" in e for e in errors
    )
    assert any("line 8: [folder:Trips] resize = 50 is too small" in e for e in errors), errors
    assert any("[folder:] names no folder" in e for e in errors), errors
    refused = lib.run("sync", "--dry-run")
    assert refused.code == 2
    assert "is_publik" in refused.err
