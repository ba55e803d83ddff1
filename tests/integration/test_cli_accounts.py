"""`flickrsync auth` / `status` without a network: what they say before talking to Flickr."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from flickrsync.accounts import profile_status
from flickrsync.cli import main
from flickrsync.config import load_settings
from flickrsync.models import AccessToken, Account, Nsid
from flickrsync.oauth import save_token
from flickrsync.retry import Backoff


def write_config(home: Path, body: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.ini").write_text(body)
    (home / "config.ini").chmod(0o600)  # it holds the API secret, as `flickrsync init` makes it


def test_auth_without_api_key_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(tmp_path, "[DEFAULT]\ndirectory = /tmp\n[work]\napi_key = k\n")
    assert main(["--home", str(tmp_path), "auth", "-p", "work"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "[work] has no api_secret" in err[0]


def test_auth_takes_one_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(tmp_path, "[DEFAULT]\ndirectory = /tmp\napi_key = k\napi_secret = s\n[a]\n[b]\n")
    assert main(["--home", str(tmp_path), "auth", "-p", "a", "-p", "b"]) == 2
    assert "one profile at a time" in capsys.readouterr().err


def test_status_of_unauthorised_profiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pictures = tmp_path / "pics"
    pictures.mkdir()
    write_config(
        tmp_path / "home",
        f"[DEFAULT]\napi_key = k\napi_secret = s\ndirectory = {pictures}\n"
        f"[a]\n[b]\ndirectory = {tmp_path}/gone\n",
    )
    # Neither profile can sync (no token): exit 1, so a script can tell.
    assert main(["--home", str(tmp_path / "home"), "status", "--all-profiles"]) == 1
    out = capsys.readouterr().out
    assert out.count("no account") == 3  # [DEFAULT] names an account (api_key, directory): it is one
    assert "run `flickrsync auth`" in out
    assert "token:     none" in out
    assert "run `flickrsync auth -p a`" in out
    assert "run `flickrsync auth -p b`" in out
    assert f"directory: {pictures}\n" in out
    assert f"directory: {tmp_path}/gone (missing)" in out
    assert main(["--home", str(tmp_path / "home"), "status", "-p", "b", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "status"
    assert doc["profiles"] == [
        {
            "profile": "b",
            "directory": f"{tmp_path}/gone",
            "directory_exists": False,
            "authorization": "missing",
            "account": None,
            "perms": None,
            "problem": "not authorised: run `flickrsync auth -p b`",
            "index_pictures": None,
            "index_videos": None,
            "index_problems": None,
            "remote_photos": None,
            "last_sync": None,
            "usable": False,
        }
    ]


def test_status_with_a_damaged_token_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    write_config(home, f"[DEFAULT]\napi_key = k\napi_secret = s\ndirectory = {tmp_path}\n[a]\n")
    (home / "tokens").mkdir(mode=0o700)
    (home / "tokens" / "a.json").write_text("{garbage")
    assert main(["--home", str(home), "status", "-p", "a"]) == 1
    out = capsys.readouterr().out
    assert "NOT VALID" in out
    assert "the token file is damaged" in out
    assert "flickrsync auth -p a" in out


def test_status_when_flickr_cannot_be_reached(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_config(home, f"[DEFAULT]\napi_key = k\napi_secret = s\ndirectory = {tmp_path}\n")
    settings = load_settings(home, None)
    save_token(settings.token_file, AccessToken("t", "s", "write", Account(Nsid("1@N01"), "me")))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as http:
        result = profile_status(
            settings, http, backoff=Backoff(attempts=2, base=0.001), sleep=lambda _s: None
        )
    assert result.authorization == "unknown"
    assert result.account == Account(Nsid("1@N01"), "me")
    assert result.problem is not None
    assert "ConnectError" in result.problem
