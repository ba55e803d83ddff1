"""The Flickr client, `flickrsync auth` and `flickrsync status` against fakeflickr on loopback.

Real HTTP on 127.0.0.1 (a free port per test): the wire, OAuth signatures, faults and limits are
the emulator's, not mocks.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import stat
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import astuple, replace
from pathlib import Path

import httpx
import pytest
from tests.fakeflickr.client import jpeg
from tests.fakeflickr_fixtures import FakeFlickrFixture

from flickrsync.accounts import open_client
from flickrsync.cli import main
from flickrsync.client import FlickrClient
from flickrsync.config import Settings, load_settings
from flickrsync.errors import AuthError
from flickrsync.index import Index
from flickrsync.listing import WalkReport
from flickrsync.models import AccessToken, Account, ContentId, Nsid, PhotoId, RemotePhoto, content_tag
from flickrsync.oauth import load_token, save_token
from flickrsync.retry import Backoff, RateBudget
from flickrsync.runstate import indexed_state, list_remote, store_listing
from flickrsync.wire import new_http_client

pytestmark = pytest.mark.integration

FAST = Backoff(attempts=10, base=0.01, cap=0.1, rate_limited=0.05)
YEAR = 365 * 86400
T0 = 1_300_000_000


def write_config(home: Path, fakeflickr: FakeFlickrFixture, extra: str = "") -> Path:
    home.mkdir(parents=True, exist_ok=True)
    pictures = home.parent / "pictures"
    pictures.mkdir(exist_ok=True)
    config = home / "config.ini"
    config.write_text(
        "[DEFAULT]\n"
        f"api_key = {fakeflickr.consumer_key}\n"
        f"api_secret = {fakeflickr.consumer_secret}\n"
        "username = demo\n"
        f"directory = {pictures}\n"
        f"endpoint = {fakeflickr.base_url}\n" + extra
    )
    config.chmod(0o600)  # it holds the API secret, as `flickrsync init` makes it
    return config


def settings_for(tmp_path: Path, fakeflickr: FakeFlickrFixture, profile: str | None = None) -> Settings:
    home = tmp_path / "home"
    if not (home / "config.ini").exists():
        write_config(home, fakeflickr, "\n[work]\n")
    return load_settings(home, profile)


def store_token(settings: Settings, fakeflickr: FakeFlickrFixture, perms: str = "write") -> AccessToken:
    minted = fakeflickr.mint_token(perms=perms)
    token = AccessToken(
        minted.token,
        minted.secret,
        "read" if perms == "read" else "write",
        Account(Nsid(minted.user_nsid), minted.username),
    )
    save_token(settings.token_file, token)
    return token


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with new_http_client(4) as client:
        yield client


class PipedVerifier:
    """stdin for an in-process `flickrsync auth`: when the CLI reads the code, open the page it
    printed (as the user would), and answer with the element ``id="verifier"``."""

    def __init__(self, capsys: pytest.CaptureFixture[str], tamper: bool = False) -> None:
        self.capsys = capsys
        self.tamper = tamper
        self.printed = ""
        self.seen: dict[str, str] = {}

    def isatty(self) -> bool:
        return False

    def readline(self, size: int | None = -1, /) -> str:
        self.printed += self.capsys.readouterr().out
        (url,) = [line for line in self.printed.splitlines() if line.startswith("http")]
        # the user's browser: urllib, which logs nothing (only flickrsync's logs are checked)
        with urllib.request.urlopen(url) as page:
            html = page.read().decode()
        match = re.search(r'id="verifier">([^<]+)<', html)
        assert match is not None, html
        self.seen = {"url": url, "request_token": url.split("oauth_token=")[1].split("&")[0]}
        verifier = match.group(1)
        self.seen["verifier"] = verifier
        return ("999-999-999" if self.tamper else verifier) + "\n"


# --- auth ------------------------------------------------------------------------------------


def test_auth_through_the_cli_with_stdin_piped(
    tmp_path: Path,
    fakeflickr: FakeFlickrFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    write_config(home, fakeflickr, "\n[work]\n")
    stdin = PipedVerifier(capsys)
    monkeypatch.setattr(sys, "stdin", stdin)
    fakeflickr.reset_calls()

    assert main(["--home", str(home), "auth", "-p", "work"]) == 0

    out = stdin.printed + capsys.readouterr().out
    url_lines = [line for line in out.splitlines() if line.startswith("http")]
    assert url_lines == [stdin.seen["url"]], "the authorize URL on its own line"
    assert "perms=write" in url_lines[0]
    assert (
        f"logged in to Flickr as demo ({fakeflickr.default_user}), Demo User with write permission [work]"
        in out
    )
    token_file = home / "tokens" / "work.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    token = load_token(token_file, "work")
    assert token is not None
    assert (token.perms, token.account.nsid, token.account.username) == (
        "write",
        fakeflickr.default_user,
        "demo",
    )
    calls = fakeflickr.calls()
    assert calls["oauth.request_token"] == 1
    assert calls["oauth.access_token"] == 1
    assert calls["flickr.test.login"] == 1
    assert calls["flickr.auth.oauth.checkToken"] == 1
    # the stored token works: status says so
    assert main(["--home", str(home), "status", "-p", "work", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == 1
    (profile,) = doc["profiles"]
    assert profile["authorization"] == "valid"
    assert profile["perms"] == "write"
    assert profile["account"]["nsid"] == fakeflickr.default_user


def test_auth_with_a_wrong_verifier_exits_2(
    tmp_path: Path,
    fakeflickr: FakeFlickrFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    write_config(home, fakeflickr, "\n[work]\n")
    monkeypatch.setattr(sys, "stdin", PipedVerifier(capsys, tamper=True))
    assert main(["--home", str(home), "auth", "-p", "work"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("flickrsync: error")]
    assert len(lines) == 1
    assert "rejected the verification code" in lines[0]
    assert "flickrsync auth -p work" in lines[0]
    assert "Traceback" not in err
    assert not (home / "tokens" / "work.json").exists()


def test_auth_with_nothing_on_stdin_exits_2(
    tmp_path: Path,
    fakeflickr: FakeFlickrFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    write_config(home, fakeflickr)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["--home", str(home), "auth"]) == 2
    assert "no verification code" in capsys.readouterr().err


def test_auth_subprocess_with_a_real_pipe(tmp_path: Path, fakeflickr: FakeFlickrFixture) -> None:
    home = tmp_path / "home"
    write_config(home, fakeflickr)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "flickrsync", "--home", str(home), "auth"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    url = process.stdout.readline().strip()
    assert url.startswith(f"{fakeflickr.base_url}/services/oauth/authorize?oauth_token=")
    match = re.search(r'id="verifier">([^<]+)<', httpx.get(url).text)
    assert match is not None
    out, err = process.communicate(match.group(1) + "\n", timeout=60)
    assert process.returncode == 0, err
    assert "logged in to Flickr as demo" in out
    assert stat.S_IMODE((home / "tokens" / "DEFAULT.json").stat().st_mode) == 0o600


def test_a_flickrsync_011_config_file_works(
    tmp_path: Path,
    fakeflickr: FakeFlickrFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """0.1.1's own template, filled in as its users did, plus only the emulator's address."""
    home = tmp_path / ".flickrsync"
    home.mkdir()
    (tmp_path / "Pictures").mkdir()
    text = (
        "[DEFAULT]\n"
        f"api_key = {fakeflickr.consumer_key}\n"
        f"api_secret = {fakeflickr.consumer_secret}\n"
        "username = demo\n"
        f"directory = {tmp_path}/Pictures\n"
        f"database = {home}/flickrsync.db\n"
    )
    (home / "config.ini").write_text(text + f"endpoint = {fakeflickr.base_url}\n")
    monkeypatch.setattr(sys, "stdin", PipedVerifier(capsys))
    assert main(["--home", str(home), "auth"]) == 0
    assert "logged in to Flickr as demo" in capsys.readouterr().out
    assert main(["--home", str(home), "status"]) == 0
    out = capsys.readouterr().out
    assert f"[DEFAULT] demo ({fakeflickr.default_user})" in out
    assert "token:     valid (write)" in out
    assert f"directory: {tmp_path}/Pictures\n" in out


# --- permissions and broken tokens -----------------------------------------------------------


def test_read_token_is_refused_for_writes_with_the_clear_message(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path, fakeflickr, "work")
    token = store_token(settings, fakeflickr, perms="read")
    photo = PhotoId(fakeflickr.seed_photo(title="x"))
    with pytest.raises(AuthError) as info:
        open_client(settings, http, need="write")
    assert "has read permission; write is needed" in str(info.value)
    assert "run `flickrsync auth -p work`" in str(info.value)
    # a token file that claims write while Flickr granted read: Flickr's code 99 says the same
    save_token(settings.token_file, AccessToken(token.token, token.secret, "write", token.account))
    client = open_client(settings, http, backoff=FAST)
    fakeflickr.reset_calls()
    with pytest.raises(AuthError) as info:
        client.add_tags(photo, ["nope"])
    assert "Flickr error 99" in str(info.value)
    assert "run `flickrsync auth -p work`" in str(info.value)
    assert fakeflickr.calls().get("flickr.photos.addTags") == 1, "not retried"
    assert fakeflickr.photo(photo)["tags"] == []
    # status shows it, and exits 1: this profile cannot sync
    assert main(["--home", str(settings.home), "status", "-p", "work"]) == 1
    out = capsys.readouterr().out
    assert "read-only token" in out
    assert "flickrsync auth -p work" in out


def test_revoked_token_says_run_auth(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path, fakeflickr, "work")
    token = store_token(settings, fakeflickr)
    fakeflickr.revoke_token(token.token)
    client = open_client(settings, http, backoff=FAST)
    with pytest.raises(AuthError) as info:
        client.test_login()
    assert "flickrsync auth -p work" in str(info.value)
    assert main(["--home", str(settings.home), "status", "-p", "work", "-p", "DEFAULT"]) == 1
    out = capsys.readouterr().out
    assert "[work] demo" in out
    assert "NOT VALID" in out
    assert "[DEFAULT] no account" in out
    assert "token:     none" in out


def test_missing_token_on_a_write_path(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client
) -> None:
    settings = settings_for(tmp_path, fakeflickr, "work")
    with pytest.raises(AuthError, match=r"not authorised.*flickrsync auth -p work"):
        open_client(settings, http)


# --- listing ---------------------------------------------------------------------------------


def test_listing_12000_photos_across_the_deep_paging_cap(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client
) -> None:
    settings = settings_for(tmp_path, fakeflickr)
    store_token(settings, fakeflickr)
    specs = [
        {"title": f"p{i}", "date_upload": T0 + (8 * YEAR * i) // 12_000, "tags": f"n{i % 7}"}
        for i in range(12_000)
    ]
    seeded = fakeflickr.seed_photos(specs)
    fakeflickr.reset_calls()
    client = open_client(settings, http, backoff=FAST)
    report = WalkReport()
    photos = list(client.walk_photos(report=report))
    ids = [p.id for p in photos]
    assert len(ids) == len(set(ids)) == 12_000
    assert set(ids) == set(seeded)
    assert report.complete
    assert report.total == 12_000
    calls = fakeflickr.calls()["flickr.people.getPhotos"]
    assert calls == report.calls
    assert 24 <= calls <= 24 + report.windows
    by_id = {p.id: p for p in photos}
    sample = by_id[PhotoId(seeded[1234])]
    assert sample.title == "p1234"
    assert sample.tags == ("n2",)
    assert sample.date_upload == specs[1234]["date_upload"]
    assert sample.url_o is not None
    assert sample.url_small is not None


def test_a_stored_listing_is_the_account_as_the_index_reads_it_back(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client
) -> None:
    """A run takes the photos of a complete listing as the account the index holds, without
    reading them back: they must be exactly what it would read, field types included."""
    settings = settings_for(tmp_path, fakeflickr)
    nsid = store_token(settings, fakeflickr).account.nsid
    specs: list[dict[str, object]] = [
        {"title": "plain", "date_upload": T0, "date_taken": "2011-02-03 04:05:06"},
        {"title": "Été à Zürich 🌍", "description": "line one\nline <b>two</b> & more", "date_upload": T0 + 5,
         "tags": 'café "two words" flickrsync:imagehash=' + "ab" * 32, "is_public": 0, "is_friend": 1},
        {"title": "", "date_upload": T0 + 9, "is_public": 0, "is_family": 1, "granularity": 4,
         "date_taken": "2009-06-01 00:00:00"},
        {"title": "a clip", "media": "video", "date_upload": T0 + 12, "last_update": T0 + 99},
    ]  # fmt: skip
    fakeflickr.seed_photos(specs)
    client = open_client(settings, http, backoff=FAST)
    with Index.open(tmp_path / "index.db") as index:
        index.upsert_account(Account(nsid, "demo"))
        index.upsert_remote_photos(nsid, [RemotePhoto(PhotoId("1"), "gone since", "s", "1")])
        listing = list_remote(client, since=None, want_sets=False, known_sets={}, workers=1)
        assert listing.full
        assert listing.complete
        # A listing of changes, or an incomplete one, is not the whole account.
        for part in (replace(listing, full=False), replace(listing, complete=False)):
            assert store_listing(index, nsid, part, None, now=T0 + 100) is None
            assert len(index.remote_photos(nsid)) == len(specs) + 1
        stored = store_listing(index, nsid, listing, None, now=T0 + 100)
        assert stored is not None
        assert len(stored) == len(specs)
        read = index.remote_photos(nsid)
        assert stored == read
        assert [[(v, type(v)) for v in astuple(p)] for p in stored] == [
            [(v, type(v)) for v in astuple(p)] for p in read
        ]
        assert indexed_state(index, nsid, stored=stored) == indexed_state(index, nsid)


def test_listing_when_the_cap_answers_error_20(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client
) -> None:
    settings = settings_for(tmp_path, fakeflickr)
    store_token(settings, fakeflickr)
    fakeflickr.configure(deep_page_cap=1000, deep_page_mode="error")
    seeded = fakeflickr.seed_photos([{"date_upload": T0 + 977 * i} for i in range(3100)])
    client = open_client(settings, http, backoff=FAST, listing_cap=1000)
    photos, report = client.list_photos()
    assert sorted(p.id for p in photos) == sorted(seeded)
    assert report.complete


# --- faults, lost answers, rate limits -------------------------------------------------------


def test_faults_at_20_percent_everything_succeeds_nothing_duplicated(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client
) -> None:
    settings = settings_for(tmp_path, fakeflickr)
    store_token(settings, fakeflickr)
    seeded = fakeflickr.seed_photos([{"date_upload": T0 + 3600 * i} for i in range(600)])
    fakeflickr.configure(ticket_delay=0.05)
    client = open_client(settings, http, backoff=FAST, ticket_poll=0.05)
    all_kinds = ("http500", "http502", "http503", "code105", "drop", "drop_after_commit", "slow")
    # seed 1: this call sequence (lost uploads looked up with search lagging, fakeflickr's
    # default) draws every kind of fault, drop and drop_after_commit included.
    fakeflickr.set_faults(
        0.2, seed=1, kinds=all_kinds, slow_seconds=0.05, targets=("rest", "upload", "replace", "oauth")
    )
    fakeflickr.reset_calls()

    uploaded: dict[str, PhotoId] = {}
    for i in range(12):
        tag = content_tag(ContentId(f"{i:064x}"))
        uploaded[tag] = client.upload_once(
            io.BytesIO(jpeg()), f"IMG_{i:04d}.jpg", machine_tag=tag, tags=[tag], asynchronous=i % 3 == 0
        )
    set_id = client.create_photoset_once(
        "Holiday", uploaded[content_tag(ContentId(f"{0:064x}"))], "[created by flickrsync]"
    )
    for photo_id in list(uploaded.values())[1:]:
        assert client.add_to_photoset(set_id, photo_id) in (True, False)
    client.add_tags(PhotoId(seeded[0]), ["visited"])
    listing, report = client.list_photos()
    kinds = Counter(f["kind"] for f in fakeflickr.faults()["injected"])
    assert kinds["drop_after_commit"] > 0
    assert kinds["drop"] > 0
    # Downloads from the static host. (No drop_after_commit there: fakeflickr then leaks the open
    # file it was serving, which pytest turns into an error; reported to the emulator's owner.)
    fakeflickr.set_faults(
        0.2, seed=4, kinds=[k for k in all_kinds if k != "drop_after_commit"], targets=("static",)
    )
    downloads = []
    for photo in listing[:15]:
        assert photo.url_o is not None
        out = io.BytesIO()
        downloads.append((photo.id, client.download(photo.url_o, out), out.getvalue()))
    assert fakeflickr.faults()["injected"], "some downloads failed first"
    fakeflickr.clear_faults()
    state = fakeflickr.state()
    mine = [p for p in state["photos"] if p["id"] not in set(seeded)]
    assert len(mine) == 12, "no upload stored twice"
    for tag, photo_id in uploaded.items():
        holders = [p["id"] for p in mine if tag in [t["clean"] for t in p["tags"]]]
        assert holders == [photo_id]
    sets = [s for s in state["photosets"] if s["title"] == "Holiday"]
    assert len(sets) == 1, "the photoset was created once"
    assert sorted(sets[0]["photos"]) == sorted(uploaded.values())
    assert {p.id for p in listing} == {p["id"] for p in state["photos"]}
    assert report.complete
    files = {p["id"]: p for p in state["photos"]}
    for photo_id, item, data in downloads:
        assert item.size == len(data) > 0
        assert hashlib.md5(data).hexdigest() == item.md5 == files[photo_id]["file_md5"]
    calls = fakeflickr.calls()
    assert calls["upload"] > 12, "some uploads were answered with faults"
    stats = client.stats()
    assert stats.retries > 0


def test_dropped_upload_answer_is_found_by_machine_tag_not_uploaded_again(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client
) -> None:
    settings = settings_for(tmp_path, fakeflickr)
    store_token(settings, fakeflickr)
    client = open_client(settings, http, backoff=FAST)
    fakeflickr.configure(search_index_delay=30)  # a fresh upload is not in search yet
    fakeflickr.set_faults(1.0, kinds=("drop_after_commit",), targets=("upload",), max_faults=1)
    tag = content_tag(ContentId("ab" * 32))
    photo_id = client.upload_once(io.BytesIO(jpeg()), "IMG_1.jpg", machine_tag=tag, tags=[tag])
    assert fakeflickr.calls()["upload"] == 1
    assert [p["id"] for p in fakeflickr.photos()] == [photo_id]


def test_rate_limited_by_flickr_the_client_waits_instead_of_failing(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client
) -> None:
    settings = settings_for(tmp_path, fakeflickr)
    store_token(settings, fakeflickr)
    fakeflickr.set_rate_limit(4, window=0.5)
    client = open_client(settings, http, backoff=FAST, budget=RateBudget(10_000))
    for _ in range(12):
        assert client.test_login().username == "demo"
    assert client.stats().retries > 0, "Flickr said 429 and the client waited"


def test_client_budget_keeps_under_flickrs_limit(
    tmp_path: Path, fakeflickr: FakeFlickrFixture, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, fakeflickr)
    store_token(settings, fakeflickr)
    fakeflickr.set_rate_limit(5, window=0.5)
    budget = RateBudget(5, period=0.55)
    client = open_client(settings, http, backoff=FAST, budget=budget)
    results: list[str] = []

    def work() -> None:
        for _ in range(4):
            results.append(client.test_login().username)

    with caplog.at_level(logging.INFO, logger="flickrsync.retry"):
        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == ["demo"] * 12
    assert client.stats().retries == 0, "never cut off: no 429"
    assert budget.waited > 0
    assert "rate budget" in caplog.text


# --- secrets never logged --------------------------------------------------------------------


def test_no_secret_in_debug_logs_of_auth_upload_and_listing(
    tmp_path: Path,
    fakeflickr: FakeFlickrFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    home = tmp_path / "home"
    write_config(home, fakeflickr)
    stdin = PipedVerifier(capsys)
    monkeypatch.setattr(sys, "stdin", stdin)
    with caplog.at_level(logging.DEBUG):
        assert main(["--home", str(home), "--debug", "auth"]) == 0
        settings = load_settings(home, None)
        token = load_token(settings.token_file, "DEFAULT")
        assert token is not None
        fakeflickr.seed_photos([{"date_upload": T0 + i} for i in range(30)])
        fakeflickr.set_faults(0.3, seed=1, kinds=("drop_after_commit", "http502"), targets=("upload", "rest"))
        logging.getLogger("flickrsync").setLevel(logging.DEBUG)
        logging.getLogger("flickrsync").propagate = True
        with new_http_client() as http:
            client = open_client(settings, http, backoff=FAST)
            tag = content_tag(ContentId("cd" * 32))
            client.upload_once(io.BytesIO(jpeg()), "a.jpg", machine_tag=tag, tags=[tag])
            client.list_photos()
            with pytest.raises(AuthError):
                FlickrClient(
                    http,
                    api_key=settings.api_key,
                    api_secret="wrong",
                    token=token,
                    endpoints=settings.endpoints,
                    backoff=FAST,
                ).test_login()
    captured = capsys.readouterr()
    logfile = (home / "logs" / "flickrsync.log").read_text()
    ours = [
        logging.Formatter("%(name)s %(message)s").format(r)
        for r in caplog.records
        if not r.name.startswith(("fakeflickr", "werkzeug"))  # the emulator's own logs
    ]
    everything = "\n".join([*ours, logfile, captured.err])
    assert "GET flickr.people.getPhotos" in everything, "debug logging was on"
    secrets = {
        "consumer secret": fakeflickr.consumer_secret,
        "token": token.token,
        "token secret": token.secret,
        "request token": stdin.seen["request_token"],
        "verifier": stdin.seen["verifier"],
    }
    for name, value in secrets.items():
        assert value not in everything, f"the {name} was logged"
    assert "oauth_signature" not in everything
    assert "Authorization" not in everything
