"""config.ini parsing: flickrsync 0.1.1 files work unchanged; errors name file and section."""

from __future__ import annotations

from pathlib import Path

import pytest

from flickrsync.config import Endpoints, Overrides, load_all, load_settings, write_template
from flickrsync.errors import ConfigError

#: flickrsync 0.1.1's own template (flickrsync/etc/config.ini), filled in as a user would.
CONFIG_011 = """\
[DEFAULT]
api_key = 0123456789abcdef0123456789abcdef
api_secret = fedcba9876543210
username = somebody
directory = ~/Pictures
database = ~/.flickrsync/flickrsync.db

[work]
api_key = 11111111111111111111111111111111
api_secret = 2222222222222222
directory = /srv/work-pictures
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.ini").write_text(CONFIG_011)
    return home


def test_011_default_profile_reads_unchanged(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(home.parent))
    s = load_settings(home, None)
    assert s.profile == "DEFAULT"
    assert s.api_key == "0123456789abcdef0123456789abcdef"
    assert s.api_secret == "fedcba9876543210"
    assert s.username == "somebody"
    assert s.directory == home.parent / "Pictures"
    assert s.database == home.parent / ".flickrsync/flickrsync.db"
    assert s.endpoints == Endpoints()
    assert s.upload.is_public is False


def test_named_profile_inherits_and_gets_its_own_index(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(home.parent))
    s = load_settings(home, "work")
    assert s.api_key == "11111111111111111111111111111111"
    assert s.username == "somebody"  # inherited from [DEFAULT]
    assert s.directory == Path("/srv/work-pictures")
    assert s.database == home.parent / ".flickrsync/flickrsync-work.db"
    assert s.token_file != load_settings(home, None).token_file


def test_overrides_win(home: Path, tmp_path: Path) -> None:
    s = load_settings(
        home, "work", Overrides(directory=str(tmp_path), database=str(tmp_path / "x.db"), username="u2")
    )
    assert (s.directory, s.database, s.username) == (tmp_path, tmp_path / "x.db", "u2")


def test_unknown_profile_names_file_and_profiles(home: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(home, "nope")
    text = str(err.value)
    assert str(home / "config.ini") in text
    assert "[nope]" in text
    assert "work" in text


def test_missing_file_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="flickrsync init"):
        load_settings(tmp_path, None)


def test_missing_directory_names_section(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[DEFAULT]\napi_key = k\n[p]\napi_secret = s\n")
    with pytest.raises(ConfigError, match=r"\[p\] has no directory"):
        load_settings(tmp_path, "p")


def test_missing_api_key_is_reported_when_needed(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[DEFAULT]\ndirectory = /tmp\n")
    s = load_settings(tmp_path, None)
    with pytest.raises(ConfigError, match=r"\[DEFAULT\] has no api_key"):
        s.require_api_key()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("transfers = many", "is not a number"),
        ("transfers = 0", "out of range"),
        ("is_public = perhaps", "yes/no"),
        ("endpoint = ftp://x", "http(s) URL"),
        ("groups =\n    Birds = notagroup", "bad line"),
    ],
)
def test_bad_values_name_key_and_section(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "config.ini").write_text(f"[DEFAULT]\ndirectory = /tmp\n[p]\n{line}\n")
    with pytest.raises(ConfigError, match=r"\[p\]") as err:
        load_settings(tmp_path, "p")
    assert message in str(err.value)


def test_endpoint_maps_every_url(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[DEFAULT]\ndirectory = /tmp\nendpoint = http://127.0.0.1:9/\n")
    e = load_settings(tmp_path, None).endpoints
    assert e.rest == "http://127.0.0.1:9/services/rest/"
    assert e.upload == "http://127.0.0.1:9/services/upload/"
    assert e.replace == "http://127.0.0.1:9/services/replace/"
    assert e.oauth == "http://127.0.0.1:9/services/oauth/"


def test_all_profiles_and_repeated_p(home: Path) -> None:
    assert [s.profile for s in load_all(home, [], True)] == ["work"]
    assert [s.profile for s in load_all(home, ["work", "DEFAULT", "work"], False)] == ["work", "DEFAULT"]
    assert [s.profile for s in load_all(home, [], False)] == ["DEFAULT"]


def test_template_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    assert write_template(path)
    path.write_text("mine")
    assert not write_template(path)
    assert path.read_text() == "mine"
    assert write_template(tmp_path / "fresh.ini")
    # the template itself parses, with [DEFAULT] usable once directory is set
    s = load_settings(tmp_path, None, config_file=tmp_path / "fresh.ini")
    assert s.profile == "DEFAULT"
