"""Everything flickrsync sends in a full life — `auth`, `status`, `sync`, `download`, `sync2`, a
replace and an asynchronous upload — recorded on the server side as it arrived (issue 9).

Per request: no parameter name twice across the ``Authorization`` header, the query and the body
(oauth_* and method arguments alike; RFC 5849 §3.2 lets a server refuse repeated protocol
parameters with 400, and fakeflickr does); every setter (fakeflickr's own list: perms >= write)
by POST; ``photo`` the last part of a multipart body; no OAuth refusal (fakeflickr verifies every
signature). And per upload: the ``tags`` field holds each tag once — the configured extra tags and
our machine tag, nothing more.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.synchelpers import SyncLib, content_id, picture_bytes, seed_spec
from tests.wire_recorder import WireRecorder, WireRequest, recording_fakeflickr

from fakeflickr.handlers import METHODS
from fakeflickr.testing import FakeFlickrHandle
from fakeflickr.text import split_tag_string
from flickrsync.accounts import open_client
from flickrsync.cli import main
from flickrsync.config import load_settings
from flickrsync.models import PhotoId
from flickrsync.wire import new_http_client

pytestmark = pytest.mark.integration

EXTRA_TAGS = 'holiday "New York"'


@pytest.fixture
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeFlickrHandle, WireRecorder]]:
    with recording_fakeflickr(tmp_path_factory.mktemp("fakeflickr")) as both:
        yield both


class BrowserVerifier:
    """stdin for an in-process `flickrsync auth`: opens the printed page as the user would and
    answers with the code it shows."""

    def __init__(self, printed: io.StringIO) -> None:
        self.printed = printed

    def isatty(self) -> bool:
        return False

    def readline(self, size: int | None = -1, /) -> str:
        (url,) = [line for line in self.printed.getvalue().splitlines() if line.startswith("http")]
        with urllib.request.urlopen(url) as page:
            html = page.read().decode()
        match = re.search(r'id="verifier">([^<]+)<', html)
        assert match is not None, html
        return match.group(1) + "\n"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin
    sys.stdin = BrowserVerifier(out)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    finally:
        sys.stdin = stdin
    return code, out.getvalue(), err.getvalue()


def problems_of(request: WireRequest) -> list[str]:
    """What is wrong with one request on the wire (empty: nothing)."""
    found = []
    where = f"{request.method} {request.kind}"
    if request.repeated:
        found.append(f"{where}: sent more than once: {request.repeated}")
    spec = METHODS.get(request.rest_method or "")
    if spec is not None and spec.needs_post and request.method != "POST":
        found.append(f"{where}: a setter not sent by POST")
    if request.kind in ("upload", "replace"):
        if request.method != "POST":
            found.append(f"{where}: not a POST")
        if not request.parts or request.parts[-1] != "photo" or "photo" not in request.files:
            found.append(f"{where}: the file part `photo` is not the last part: {request.parts}")
    if request.status not in (200, 302) or request.problem is not None:
        found.append(f"{where}: answered HTTP {request.status} {request.problem or ''}")
    signed = request.kind not in ("static", "authorize")
    if signed and request.get("oauth_signature") is None:
        found.append(f"{where}: not signed")
    return found


def test_a_whole_life_on_the_wire_sends_each_parameter_and_each_tag_once(
    recorded: tuple[FakeFlickrHandle, WireRecorder], tmp_path: Path
) -> None:
    ff, recorder = recorded
    root = tmp_path / "Pictures"
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.ini").write_text(
        "[DEFAULT]\n"
        f"api_key = {ff.consumer_key}\n"
        f"api_secret = {ff.consumer_secret}\n"
        f"endpoint = {ff.base_url}\n"
        f"directory = {root}\n"
        f"extra_tags = {EXTRA_TAGS}\n",
        encoding="utf-8",
    )
    lib = SyncLib(ff, home, root, ff.default_user)
    lib.add("2019/Trip/a.jpg", 1)
    matched = lib.add("2019/Trip/b.jpg", 2)
    lib.add("c.jpg", 3)
    # b.jpg is on Flickr already (another client's upload, same bytes, no machine tag): tagged.
    # Two photos only on Flickr, one in a set: downloaded.
    ff.seed_photos(
        [
            seed_spec(matched, "b"),
            seed_spec(picture_bytes(101), "theirs 1", sets=["Theirs"]),
            seed_spec(picture_bytes(102), "theirs 2"),
        ]
    )

    code, out, err = cli("--home", str(home), "auth")
    assert code == 0, out + err
    assert "logged in to Flickr as demo" in out
    code, out, err = cli("--home", str(home), "status")
    assert code == 0, out + err
    assert "token:     valid (write)" in out

    first = lib.run("sync", "--yes")
    assert first.code == 0, first
    assert first.writes["upload"] == 2
    assert first.writes["flickr.photos.addTags"] == 1
    assert first.writes["flickr.photosets.create"] == 1
    ff.seed_photos([seed_spec(picture_bytes(103), "theirs 3")])
    downloaded = lib.run("download", "--yes")
    assert downloaded.code == 0, downloaded
    assert downloaded.calls["static"] >= 3
    lib.forget_downloads()
    lib.add("2019/Trip/d.jpg", 4)
    ff.seed_photos([seed_spec(picture_bytes(104), "theirs 4", sets=["Theirs"])])
    both = lib.run("sync2", "--yes")
    assert both.code == 0, both
    assert both.writes["upload"] == 1
    assert both.calls["static"] >= 1

    # The two upload kinds sync does not use: replace and an asynchronous upload.
    settings = load_settings(home, None)
    with new_http_client(2) as http:
        client = open_client(settings, http)
        photo_id = PhotoId(lib.photo_of(matched)["id"])
        client.replace(photo_id, io.BytesIO(picture_bytes(2, quality=70)), "b.jpg")
        client.upload(io.BytesIO(picture_bytes(5)), "e.jpg", tags=["x"], asynchronous=True)

    requests = recorder.requests
    kinds = {r.kind for r in requests}
    for kind in (
        "request_token",
        "authorize",
        "access_token",
        "flickr.auth.oauth.checkToken",
        "flickr.test.login",
        "flickr.people.getPhotos",
        "flickr.photos.recentlyUpdated",
        "flickr.photos.addTags",
        "flickr.photosets.getList",
        "flickr.photosets.create",
        "flickr.photosets.editPhotos",
        "flickr.photos.upload.checkTickets",
        "upload",
        "replace",
        "static",
    ):
        assert kind in kinds, f"no {kind} request was recorded"
    assert [p for r in requests for p in problems_of(r)] == []

    # checkToken: its oauth_token is the signed protocol parameter *and* the method's argument,
    # so it travels once, in the body (Flickr reads the argument from the request parameters).
    checks = [r for r in requests if r.kind == "flickr.auth.oauth.checkToken"]
    assert len(checks) == 2  # auth, status
    for check in checks:
        assert check.method == "POST"
        assert [name for name, _ in check.body].count("oauth_token") == 1
        assert check.header == []
        assert check.query == []

    # Each upload's tags: the extra tags and the picture's machine tag, each once.
    by_name = {Path(rel).name: data for rel, data in lib.written.items()}
    uploads = [r for r in requests if r.kind == "upload" and r.files["photo"] != "e.jpg"]
    assert sorted(r.files["photo"] for r in uploads) == ["a.jpg", "c.jpg", "d.jpg"]
    for upload in uploads:
        data = by_name[upload.files["photo"]]
        tags = upload.get("tags")
        assert tags is not None
        expected = ["holiday", "New York", f"flickrsync:imagehash={content_id(data)}"]
        assert sorted(split_tag_string(tags)) == sorted(expected), tags
