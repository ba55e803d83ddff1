"""What a run says when something goes wrong (issue 16 points 8, 14, 15): one line on stderr,
the right exit code, no traceback on the terminal, no secret in a message or the log."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, picture_bytes, run_cli, seed_spec

pytestmark = pytest.mark.integration


def write_config(home: Path, body: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.ini").write_text(body)
    (home / "config.ini").chmod(0o600)


def test_an_internal_error_is_one_line_and_its_traceback_is_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, f"[DEFAULT]\ndirectory = {tmp_path}\n")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug at https://live.staticflickr.com/1/2_0123456789_o.jpg")

    monkeypatch.setattr("flickrsync.cli.commands.library.find_duplicates", broken)
    log = tmp_path / "logs" / "flickrsync.log"
    for extra in ([], ["-v"]):
        code, out, err = run_cli(["--home", str(tmp_path), *extra, "duplicates"])
        assert (code, out) == (1, "")
        assert err == (
            "flickrsync: internal error: RuntimeError: a bug at "
            f"https://live.staticflickr.com/1/2_***_o.jpg; details in {log}\n"
        )
    text = log.read_text()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: a bug at https://live.staticflickr.com/1/2_***_o.jpg" in text
    assert "0123456789" not in text


def test_a_damaged_index_exits_2(tmp_path: Path) -> None:
    write_config(tmp_path, f"[DEFAULT]\ndirectory = {tmp_path}\ndatabase = {tmp_path}/index.db\n")
    (tmp_path / "index.db").write_bytes(b"this is not an SQLite database, nor anything else" * 100)
    code, _out, err = run_cli(["--home", str(tmp_path), "scan"])
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(f"flickrsync: error: {tmp_path}/index.db: not a usable index")


def test_profiles_that_would_share_files_stop_every_command_with_exit_2(tmp_path: Path) -> None:
    write_config(tmp_path, f"[DEFAULT]\ndirectory = {tmp_path}\n[my work]\n[my_work]\n")
    for command in (["-p", "my work", "scan"], ["--all-profiles", "status"], ["-p", "my_work", "auth"]):
        code, _out, err = run_cli(["--home", str(tmp_path), *command])
        assert code == 2, command
        [line] = err.splitlines()
        assert "profiles [my work] and [my_work] would share their token and lock files" in line
    code, out, _err = run_cli(["--home", str(tmp_path), "config", "check"])
    assert code == 2
    assert "would share" in out or "would share" in _err


def test_no_private_url_secret_in_messages_or_logs(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    """A sync2 that downloads private photos, one through a failing static host, writing the
    debug log to the home and to --log-file: no original secret anywhere, every log file 0600."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("mine.jpg", 1)  # not an empty library: no safety stop
    lib.ff.seed_photos([seed_spec(picture_bytes(900 + i), f"private {i}", is_public=0) for i in range(3)])
    lib.ff.set_faults(1.0, kinds=["http503"], targets=["static"], max_faults=1)
    extra_log = tmp_path / "elsewhere.log"
    result = lib.run("--debug", "--log-file", str(extra_log), "sync2", "--yes")
    assert result.code == 0, result
    assert len(lib.new_files()) == 3
    lib.ff.clear_faults()
    result2 = lib.run("-v", "sync2", "--yes", "--full")
    assert result2.code == 0, result2
    secrets = {p["originalsecret"] for p in lib.photos()} | {p["secret"] for p in lib.photos()}
    assert all(secrets)
    home_log = lib.home / "logs" / "flickrsync.log"
    texts = {
        "stderr": result.err + result2.err,
        "stdout": result.out + result2.out,
        "log": home_log.read_text(),
        "--log-file": extra_log.read_text(),
    }
    assert "retrying" in texts["stderr"]  # the failing download was said, redacted
    assert "_***_o." in texts["--log-file"]
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, (where, secret)
    for path in (home_log, extra_log):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_full_disk_under_the_home_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index's disk is full (SQLite answers SQLITE_FULL): one line saying so, exit 1 — not
    "not a usable index" with advice to throw it away."""
    write_config(tmp_path, f"[DEFAULT]\ndirectory = {tmp_path}\n")
    connect = sqlite3.connect

    def full(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.execute("PRAGMA max_page_count = 4")
        assert isinstance(conn, sqlite3.Connection)
        return conn

    monkeypatch.setattr(sqlite3, "connect", full)
    code, out, err = run_cli(["--home", str(tmp_path), "scan"])
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line == (
        f"flickrsync: error: {tmp_path}/index-DEFAULT.db: cannot open the index: the disk is full "
        "(free some space and run again)"
    )
