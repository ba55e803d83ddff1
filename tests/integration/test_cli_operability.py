"""Living with the tool (issue 15): config check, private secrets, honest status, per-command help,
shell completion, logs and what the summaries say. Runs the CLI in-process (``cli.main``), against
fakeflickr where Flickr is needed; the completion test runs bash itself."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, picture_bytes, run_cli, seed_spec

from flickrsync.cli import cli, main
from flickrsync.cli.logs import BACKUPS, MAX_BYTES, close_logging, setup_logging
from flickrsync.config import load_settings
from flickrsync.index import Index
from flickrsync.oauth import load_token

pytestmark = pytest.mark.integration


def write_config(home: Path, body: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.ini"
    path.write_text(body)
    path.chmod(0o600)
    return path


# --- 1. config validation and `config check` --------------------------------------------------


def test_a_typo_in_config_ini_stops_every_command_with_one_line(tmp_path: Path) -> None:
    write_config(tmp_path, f"[DEFAULT]\ndirectory = {tmp_path}\n\n[work]\ntrasnfers = 8\n")
    for command in (["scan"], ["status"], ["sync", "-p", "work"], ["duplicates"]):
        code, out, err = run_cli(["--home", str(tmp_path), *command])
        assert code == 2, (command, err)
        assert out == ""
        assert err.splitlines() == [
            f"flickrsync: error: {tmp_path}/config.ini line 5: [work] trasnfers: unknown key "
            "(did you mean `transfers`?)"
        ]


def test_config_check_shows_each_value_and_where_it_came_from(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        f"[DEFAULT]\napi_key = 0123456789abcdef\napi_secret = fedcba9876543210\ndirectory = {tmp_path}\n"
        "\n[work]\ndirectory = /srv/work\ntransfers = 8\n",
    )
    code, out, err = run_cli(["--home", str(tmp_path), "config", "check"])
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"config file: {tmp_path}/config.ini"
    assert "[DEFAULT]" in lines
    assert "[work]" in lines
    work = lines[lines.index("[work]") :]
    assert "  directory              /srv/work   ([work] line 7)" in work
    assert "  transfers              8   ([work] line 8)" in work
    assert "  api_key                0123… (set)   ([DEFAULT] line 2)" in work
    assert "  api_secret             (set, hidden)   ([DEFAULT] line 3)" in work
    assert "  hidden                 2   (default)" in work
    assert lines[-1] == "ok: 2 profiles, no problems"
    assert "fedcba9876543210" not in out
    # JSON, and an override from the command line
    code, out, _err = run_cli(
        ["--home", str(tmp_path), "config", "check", "-p", "work", "-l", "/x", "--json"]
    )
    assert code == 0
    doc = json.loads(out)
    assert (doc["kind"], doc["ok"], doc["problems"]) == ("config", True, [])
    [work_doc] = doc["profiles"]
    directory = next(v for v in work_doc["values"] if v["key"] == "directory")
    assert directory == {
        "key": "directory",
        "value": "/x",
        "origin": {"kind": "option", "section": None, "line": None, "option": "--directory"},
    }


def test_config_check_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        f"[DEFAULT]\ndirectory = {tmp_path}\nwatermark = 1024\n[a]\ntransfers = 0\nsafety_level = 9\n",
    )
    code, out, err = run_cli(["--home", str(tmp_path), "config", "check"])
    assert code == 2
    assert out.splitlines()[-1] == "3 problems (listed on stderr)"
    errors = err.splitlines()
    assert len(errors) == 3
    assert "line 3: [DEFAULT] watermark: unknown key" in errors[0]
    assert "line 5: [a] transfers = 0 is out of range (use 1..32)" in errors[1]
    assert "line 6: [a] safety_level = 9 is out of range (use 1..3)" in errors[2]


# --- 2. secrets stay private ------------------------------------------------------------------


def test_init_makes_the_home_and_config_private(tmp_path: Path) -> None:
    home = tmp_path / "fresh" / "home"
    assert main(["--home", str(home), "init"]) == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "config.ini").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "logs").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "logs" / "flickrsync.log").stat().st_mode) == 0o600
    (home / "config.ini").chmod(0o644)
    code, out, err = run_cli(["--home", str(home), "init"])
    assert code == 0
    assert "left unchanged" in out
    assert f"run `chmod 600 {home / 'config.ini'}`" in err


def test_readable_secrets_are_warned_about_once_with_the_chmod(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, f"[DEFAULT]\napi_key = k\napi_secret = s\ndirectory = {tmp_path}\n[a]\n[b]\n"
    )
    config.chmod(0o644)
    token = load_settings(tmp_path, "a").token_file
    token.parent.mkdir(mode=0o700)
    token.write_text("{}")
    token.chmod(0o640)
    code, _out, err = run_cli(["--home", str(tmp_path), "scan", "--all-profiles", "--json"])
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("flickrsync: warning:")]
    assert warnings == [
        f"flickrsync: warning: {config} holds secrets and other users can read it (mode 0644): "
        f"run `chmod 600 {config}`",
        f"flickrsync: warning: {token} holds secrets and other users can read it (mode 0640): "
        f"run `chmod 600 {token}`",
    ]
    assert stat.S_IMODE(config.stat().st_mode) == 0o644  # the user's file is theirs to change
    config.chmod(0o600)
    token.chmod(0o600)
    code, _out, err = run_cli(["--home", str(tmp_path), "scan", "--all-profiles", "--json"])
    assert (code, err) == (0, "")


# --- 3, 4. profiles and an honest status -------------------------------------------------------


def test_status_is_0_only_when_every_profile_can_sync_and_last_sync_counts_idle_runs(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("a.jpg", 1)
    assert lib.run("status").code == 0  # token valid with write, directory there
    assert "last sync: never" in lib.run("status").out
    assert lib.run("sync", "--yes").code == 0
    database = load_settings(lib.home, None).database
    with Index.open(database) as index:
        [account] = index.accounts()
        index.update_sync_state(account.nsid, synced_at=1_000_000_000)  # long ago
    again = lib.run("sync", "--yes")
    assert "nothing to do: everything is in sync" in again.out
    with Index.open(database) as index:
        synced = index.sync_state(account.nsid).synced_at
    assert synced is not None
    assert synced > 1_000_000_000  # the idle run counts
    status = lib.run("status", "--json")
    [profile] = status.json()["profiles"]
    assert profile["usable"] is True
    assert profile["last_sync"] is not None
    assert not profile["last_sync"].startswith("2001")
    # A dry run is no sync.
    with Index.open(database) as index:
        index.update_sync_state(account.nsid, synced_at=1_000_000_000)
    assert lib.run("sync", "--dry-run").code == 0
    with Index.open(database) as index:
        assert index.sync_state(account.nsid).synced_at == 1_000_000_000
    # The token revoked: the profile cannot sync, status says so with exit 1.
    token = load_token(load_settings(lib.home, None).token_file, "DEFAULT")
    assert token is not None
    fakeflickr.revoke_token(token.token)
    revoked = lib.run("status")
    assert revoked.code == 1
    assert "NOT VALID" in revoked.out


def test_all_profiles_runs_default_when_it_names_an_account(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    """The README's two-account example: [DEFAULT] is the main account, [work] the second."""
    lib = SyncLib.create(fakeflickr, tmp_path, config=f"\n[work]\ndirectory = {tmp_path / 'Work'}\n")
    (tmp_path / "Work").mkdir()
    lib.add("a.jpg", 1)
    result = lib.run("scan", "--all-profiles", "--json")
    assert result.code == 0, result
    docs = [json.loads(line) for line in result.out.splitlines()]
    assert [d["profile"] for d in docs] == ["DEFAULT", "work"]
    assert [d["counts"]["pictures"] for d in docs] == [1, 0]


# --- 5. help and completion --------------------------------------------------------------------

GLOBAL_FLAGS = ("--home", "--config", "--profile", "--all-profiles", "--directory", "--database", "--yes")


def test_global_options_are_listed_once_in_the_main_help() -> None:
    text = CliRunner().invoke(cli, ["--help"], terminal_width=80).output
    for flag in (*GLOBAL_FLAGS, "--verbose", "--quiet", "--log-file", "--debug"):
        assert text.count(flag) == 1, flag
    # every one-line summary fits: click cuts a long one with "..."
    commands = text[text.index("Commands:") :]
    assert "..." not in commands
    shown = [name for name, command in cli.commands.items() if not command.hidden]
    assert len(commands.splitlines()) == 1 + len(shown)


@pytest.mark.parametrize(
    ("command", "own", "not_own", "globals_named", "globals_not"),
    [
        (["sync"], ["--dry-run", "--prune"], ["--force", "--home"], ["-p NAME", "-y"], ["-u"]),
        (["sync2"], ["--force", "--prune", "--no-photosets"], ["--profile"], ["--all-profiles"], ["-u"]),
        (["download"], ["--force", "--dry-run"], ["--prune", "--no-photosets"], ["-y"], ["-u"]),
        (
            ["init"],
            [],
            ["--all-profiles", "--home"],
            ["--home DIR", "-v"],
            ["--all-profiles", "-y", "-p NAME"],
        ),
        (["inspect"], ["--json"], ["-y"], ["-p NAME", "-l DIR"], ["-y", "--all-profiles"]),
        (["status"], ["--json"], ["--username"], ["--all-profiles"], ["-y", "-u"]),
    ],
)
def test_each_command_shows_only_what_applies(
    command: list[str], own: list[str], not_own: list[str], globals_named: list[str], globals_not: list[str]
) -> None:
    """The options section holds the command's own options only; one line names the global
    options that apply to it (and only those)."""
    text = CliRunner().invoke(cli, [*command, "--help"], terminal_width=100).output
    options, _sep, epilog = text.partition("Global options that apply here")
    epilog = " ".join(epilog.split())
    for flag in own:
        assert flag in options, (command, flag)
    for flag in not_own:
        assert flag not in options, (command, flag)
    for flag in globals_named:
        assert f" {flag}," in epilog or f" {flag}." in epilog, (command, flag)
    for flag in globals_not:
        assert f" {flag}," not in epilog, (command, flag)
        assert f" {flag}." not in epilog, (command, flag)


def test_global_options_work_in_either_position_and_are_ignored_where_they_mean_nothing(
    tmp_path: Path,
) -> None:
    """Every global option is taken before or after the command; one that means nothing for the
    command is ignored (a debug line in the log), so scripts and 0.1.1 cron lines keep working."""
    write_config(tmp_path, f"[DEFAULT]\ndirectory = {tmp_path}\n[w]\ndirectory = {tmp_path}\n")
    assert run_cli(["--home", str(tmp_path), "-p", "w", "scan", "-q"])[0] == 0
    assert run_cli(["scan", "--home", str(tmp_path), "-q", "-p", "w"])[0] == 0
    for args in (
        ["--all-profiles", "init"],
        ["init", "--all-profiles", "-y", "-u", "bob"],
        ["-y", "scan", "-q"],
        ["scan", "-q", "--noprompt", "-u", "bob"],
        ["-y", "-p", "w", "completion", "bash"],
    ):
        code, _out, err = run_cli(["--home", str(tmp_path), *args])
        assert (code, err) == (0, ""), args
    log = (tmp_path / "logs" / "flickrsync.log").read_text()
    assert "-y/--yes/--noprompt means nothing for `flickrsync scan`; ignored" in log
    assert "-u/--username means nothing for `flickrsync init`; ignored" in log
    # ignored means ignored: `inspect` works on one profile, and --all-profiles does not change that
    picture = tmp_path / "a.txt"
    picture.write_text("not a picture")
    code, out, err = run_cli(["--home", str(tmp_path), "--all-profiles", "inspect", str(picture)])
    assert code == 1, err
    assert "text file" in out
    # a command's own options are still its own
    code, _out, err = run_cli(["--home", str(tmp_path), "download", "--prune"])
    assert code == 2
    assert "No such option '--prune'" in err
    code, _out, err = run_cli(["--home", str(tmp_path), "scan", "-v", "-q"])
    assert code == 2
    assert "contradict" in err


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_completes_commands_and_options(tmp_path: Path) -> None:
    """Source the script `flickrsync completion bash` prints, then ask bash to complete, as a
    shell does on TAB: the answers come from the installed ``flickrsync`` program."""
    code, script, _err = run_cli(["completion", "bash"])
    assert code == 0
    assert "_FLICKRSYNC_COMPLETE" in script
    (tmp_path / "completion.bash").write_text(script)

    def complete(*words: str) -> list[str]:
        words_list = " ".join(f"'{w}'" for w in words)
        program = (
            f"source {tmp_path / 'completion.bash'}\n"
            f"COMP_WORDS=({words_list})\n"
            f"COMP_CWORD={len(words) - 1}\n"
            # as bash calls it on TAB: the command, the word being completed, the word before
            f"_flickrsync_completion flickrsync '{words[-1]}' '{words[-2]}'\n"
            'printf "%s\\n" "${COMPREPLY[@]}"\n'
        )
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        env.pop("_FLICKRSYNC_COMPLETE", None)
        result = subprocess.run(
            ["bash", "--norc", "--noprofile", "-c", program],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert complete("flickrsync", "sy") == ["sync", "sync2"]
    assert complete("flickrsync", "config", "") == ["check"]
    assert set(complete("flickrsync", "download", "--")) >= {"--dry-run", "--force", "--json", "--full"}
    assert "--prune" not in complete("flickrsync", "download", "--")
    assert complete("flickrsync", "completion", "") == ["bash", "zsh", "fish"]
    assert "--all-profiles" in complete("flickrsync", "--a")


def test_completion_scripts_for_zsh_and_fish() -> None:
    for shell, marker in (
        ("zsh", "#compdef flickrsync"),
        ("fish", "complete --no-files --command flickrsync"),
    ):
        code, script, _err = run_cli(["completion", shell])
        assert code == 0
        assert marker in script
        assert "_FLICKRSYNC_COMPLETE" in script


# --- 6. logs ------------------------------------------------------------------------------------


def test_the_log_of_a_full_run_holds_no_secret(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("2020/a.jpg", 1)
    lib.add("2020/b.jpg", 2)
    fakeflickr.seed_photos([seed_spec(picture_bytes(3), "c", sets=["Elsewhere"])])
    assert lib.run("sync2", "--yes", "--debug").code == 0
    assert lib.run("status").code == 0
    log = (lib.home / "logs" / "flickrsync.log").read_text()
    assert "flickr.photos.search" in log or "flickr.people.getPhotos" in log  # the calls are there
    assert "uploaded: " in log  # so are the per-file lines, without -v
    token = load_token(load_settings(lib.home, None).token_file, "DEFAULT")
    assert token is not None
    for secret in (fakeflickr.consumer_secret, token.secret):
        assert secret not in log
    assert stat.S_IMODE((lib.home / "logs" / "flickrsync.log").stat().st_mode) == 0o600


def test_verbose_quiet_and_log_file(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("2020/a.jpg", 1)
    lib.add("b.jpg", 2)
    fakeflickr.seed_photos([seed_spec(picture_bytes(2), "b", date="2019-05-01 08:02:00")])
    dry = lib.run("sync", "--dry-run", "-v")
    assert dry.code == 0, dry
    assert f"[DEFAULT] to upload: {lib.root}/2020/a.jpg (" in dry.err
    assert f"[DEFAULT] matched: {lib.root}/b.jpg = photo " in dry.err
    quiet = lib.run("sync", "--yes", "-q", "--log-file", str(tmp_path / "run.log"))
    assert quiet.code == 0, quiet
    assert quiet.err == ""
    [final] = quiet.out.splitlines()
    assert final.startswith("[DEFAULT] done: 1 uploaded (")
    assert final.endswith(" s")
    log = (tmp_path / "run.log").read_text()
    assert f"[DEFAULT] uploaded: {lib.root}/2020/a.jpg as photo " in log
    assert stat.S_IMODE((tmp_path / "run.log").stat().st_mode) == 0o600
    assert not (lib.home / "logs" / "flickrsync.log").read_text().count("as photo")  # not there
    code, _out, err = run_cli(
        ["--home", str(lib.home), "status", "--log-file", str(tmp_path / "no" / "x.log")]
    )
    assert code == 2
    assert "cannot write the log file" in err


def test_the_log_is_rotated_and_private(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "home")
    try:
        assert path == tmp_path / "home" / "logs" / "flickrsync.log"
        [handler] = [
            h for h in logging.getLogger("flickrsync").handlers if isinstance(h, RotatingFileHandler)
        ]
        assert (handler.maxBytes, handler.backupCount) == (MAX_BYTES, BACKUPS)
        logging.getLogger("flickrsync.test").info("x" * 100)
        handler.doRollover()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the fresh file too
        assert stat.S_IMODE(path.with_name("flickrsync.log.1").stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        close_logging()


# --- 9. summaries -------------------------------------------------------------------------------


def test_summaries_count_only_what_the_command_does(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("Trip/a.jpg", 1)
    fakeflickr.seed_photos([seed_spec(picture_bytes(5), "only-on-flickr")])
    sets = lib.run("photosets", "--dry-run")
    assert sets.code == 0, sets
    assert "matched" not in sets.out
    assert "to upload" not in sets.out
    assert "photosets " in sets.out
    down = lib.run("download", "--yes")
    assert down.code == 0, down
    assert "to upload" not in down.out
    final = down.out.splitlines()[-1]
    assert final.startswith("[DEFAULT] done: 1 downloaded (")
    assert "uploaded" not in final
    assert "tagged" not in final
    assert "photoset" not in final
    assert " KB)" in final  # a small download is not "0.0 MB"
    up = lib.run("sync", "--yes")
    assert up.code == 0, up
    assert "to download" not in up.out
    assert "downloaded" not in up.out.splitlines()[-1]
    assert " KB)" in up.out
    assert "0.0 MB" not in up.out
