"""config.ini parsing: flickrsync 0.1.1 files work unchanged; errors name file and section."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from flickrsync.config import (
    KEYS,
    TEMPLATE,
    Overrides,
    check_config,
    load_all,
    load_settings,
    loose_permissions,
    write_template,
)
from flickrsync.errors import ConfigError
from flickrsync.models import Endpoints

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
        ("checkers = 33", "out of range"),
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
    # [DEFAULT] names an account of its own (api_key and directory): it is run too, first.
    assert [s.profile for s in load_all(home, [], True)] == ["DEFAULT", "work"]
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


@pytest.mark.parametrize(
    ("body", "names"),
    [
        # [DEFAULT] only holds what the profiles share: it is not an account.
        ("[DEFAULT]\napi_key = k\napi_secret = s\n[a]\ndirectory = /a\n[b]\ndirectory = /b\n", ["a", "b"]),
        ("[DEFAULT]\ndirectory = /d\n[a]\napi_key = k\n", ["a"]),
        # No named profile: [DEFAULT] alone, whatever it holds.
        ("[DEFAULT]\ndirectory = /d\n", ["DEFAULT"]),
    ],
)
def test_all_profiles_takes_default_only_when_it_names_an_account(
    tmp_path: Path, body: str, names: list[str]
) -> None:
    (tmp_path / "config.ini").write_text(body)
    assert [s.profile for s in load_all(tmp_path, [], True)] == names


@pytest.mark.parametrize(
    ("body", "message", "hint"),
    [
        (
            "[DEFAULT]\ndirectory = /d\ntrasnfers = 8\n",
            "line 3: [DEFAULT] trasnfers: unknown key",
            "`transfers`",
        ),
        (
            "[DEFAULT]\ndirectory = /d\n\n[work]\nwatermark = 1024\n",
            "line 5: [work] watermark: unknown key",
            "README",
        ),
        ("[DEFAULT]\ndirectory = /d\n[p]\nIs_Publik = 1\n", "line 4: [p] is_publik", "`is_public`"),
        ("[default]\ndirectory = /d\n", "line 1: [default] is not a section", "[DEFAULT]"),
    ],
)
def test_unknown_keys_and_sections_name_file_line_and_closest_key(
    tmp_path: Path, body: str, message: str, hint: str
) -> None:
    (tmp_path / "config.ini").write_text(body)
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, None)
    text = str(err.value)
    assert text.startswith(str(tmp_path / "config.ini"))
    assert message in text
    assert hint in text


def test_a_bad_value_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[DEFAULT]\ndirectory = /d\n# a comment\n[p]\ntransfers = 99\n")
    with pytest.raises(ConfigError, match=re.escape("config.ini line 5: [p] transfers = 99 is out of range")):
        load_settings(tmp_path, "p")


def test_every_key_of_the_template_is_known() -> None:
    """The template's own keys (commented out or not) are exactly the known keys."""
    written = set(re.findall(r"^#? ?([a-z_]+) =", TEMPLATE, flags=re.MULTILINE))
    assert written == set(KEYS)


def test_every_key_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| key | meaning | default |") :]
    for key in KEYS:
        assert f"`{key}`" in table, key


def test_check_collects_every_problem_and_where_each_value_came_from(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text(
        "[DEFAULT]\n"
        "api_key = 0123456789\n"
        "api_secret = topsecret\n"
        "directory = /pictures\n"
        "trasnfers = 8\n"
        "[work]\n"
        "directory = /work\n"
        "transfers = 0\n"
        "is_public = perhaps\n"
    )
    report = check_config(tmp_path, overrides=Overrides(database=str(tmp_path / "x.db")))
    assert not report.ok
    unknown, shared = report.problems
    assert "line 5: [DEFAULT] trasnfers: unknown key (did you mean `transfers`?)" in unknown
    # one --database for two profiles: they would share it
    assert f"profiles [DEFAULT] and [work] would share the index {tmp_path / 'x.db'}" in shared
    default, work = report.profiles
    assert (default.profile, default.problems) == ("DEFAULT", ())
    assert len(work.problems) == 2
    assert "line 8: [work] transfers = 0 is out of range" in work.problems[0]
    assert "line 9: [work] is_public = 'perhaps' is not a yes/no value" in work.problems[1]
    values = {v.key: v for v in work.values}
    assert list(values) == list(KEYS)
    assert (values["directory"].value, str(values["directory"].origin)) == ("/work", "[work] line 7")
    assert (values["api_key"].value, str(values["api_key"].origin)) == ("0123… (set)", "[DEFAULT] line 2")
    assert values["api_secret"].value == "(set, hidden)"
    assert "topsecret" not in repr(report)
    assert (values["database"].value, str(values["database"].origin)) == (
        str(tmp_path / "x.db"),
        "command line --database",
    )
    assert (values["transfers"].value, str(values["transfers"].origin)) == ("4", "[work] line 8")
    assert (values["hidden"].value, str(values["hidden"].origin)) == ("2", "default")


def test_check_of_a_file_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("directory = /d\n")
    report = check_config(tmp_path)
    assert not report.ok
    assert report.profiles == ()
    assert "cannot parse" in report.problems[0]


def test_template_is_private(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    assert write_template(home / "config.ini")
    assert stat.S_IMODE((home / "config.ini").stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(home.parent.stat().st_mode) == 0o700
    assert loose_permissions(home / "config.ini") is None
    os.chmod(home / "config.ini", 0o644)
    warning = loose_permissions(home / "config.ini")
    assert warning is not None
    assert f"run `chmod 600 {home / 'config.ini'}`" in warning
    assert "0644" in warning


# --- issue 16 point 8: one profile, one set of files ----------------------------------------


def test_profile_names_that_would_share_files_are_a_config_error(tmp_path: Path) -> None:
    """`my work` and `my_work` would share a token, a lock and an index: refused, naming both;
    so are two names equal but for case (one file on macOS) and two profiles given one index."""
    base = f"[DEFAULT]\napi_key = k\napi_secret = s\ndirectory = {tmp_path}\n"
    (tmp_path / "config.ini").write_text(base + "[my work]\n[other]\n[my_work]\n")
    with pytest.raises(ConfigError) as caught:
        load_all(tmp_path, ["other"], False)
    assert str(caught.value) == (
        f"{tmp_path}/config.ini: profiles [my work] and [my_work] would share their token and lock files "
        "(my_work.json, my_work.lock) (rename one of them: file names keep letters, digits and -_. of a "
        "profile's name)"
    )
    assert caught.value.exit_code == 2
    (tmp_path / "config.ini").write_text(base + "[Work]\n[work]\n")
    with pytest.raises(ConfigError, match=r"profiles \[Work\] and \[work\] would share"):
        load_settings(tmp_path, "Work")
    (tmp_path / "config.ini").write_text(
        base + "[a]\ndatabase = /srv/one.db\n[b]\ndatabase = /srv/./one.db\n"
    )
    with pytest.raises(ConfigError, match=r"profiles \[a\] and \[b\] would share the index /srv/one.db"):
        load_all(tmp_path, [], True)
    report = check_config(tmp_path)
    assert any("would share the index" in problem for problem in report.problems)
    assert not report.ok


def test_an_index_given_on_the_command_line_is_shared_only_by_the_profiles_run(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text(f"[DEFAULT]\ndirectory = {tmp_path}\n[a]\n[b]\n")
    one = load_all(tmp_path, ["a"], False, Overrides(database=str(tmp_path / "x.db")))
    assert one[0].database == tmp_path / "x.db"
    with pytest.raises(ConfigError, match=r"profiles \[a\] and \[b\] would share the index"):
        load_all(tmp_path, ["a", "b"], False, Overrides(database=str(tmp_path / "x.db")))


def test_unambiguous_profile_names_keep_their_file_names(tmp_path: Path) -> None:
    """Existing users' files are found where earlier versions put them."""
    (tmp_path / "config.ini").write_text(
        f"[DEFAULT]\ndirectory = {tmp_path}\ndatabase = {tmp_path}/flickrsync.db\n[my work]\n[.x]\n"
    )
    default, work, dotted = load_all(tmp_path, ["DEFAULT", "my work", ".x"], False)
    assert default.token_file == tmp_path / "tokens" / "DEFAULT.json"
    assert default.database == tmp_path / "flickrsync.db"
    assert (work.token_file.name, work.lock_file.name, work.database.name) == (
        "my_work.json",
        "my_work.lock",
        "flickrsync-my_work.db",
    )
    assert (dotted.token_file.name, dotted.database.name) == ("x.json", "flickrsync-x.db")


def test_a_config_ini_starting_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Windows' Notepad writes a UTF-8 BOM: the file is read, line numbers unchanged."""
    (tmp_path / "config.ini").write_bytes(
        f"\ufeff[DEFAULT]\ndirectory = {tmp_path}\ntrasnfers = 3\n".encode()
    )
    with pytest.raises(ConfigError, match="line 3: \\[DEFAULT\\] trasnfers: unknown key"):
        load_settings(tmp_path, None)
    (tmp_path / "config.ini").write_bytes(
        f"\ufeff[DEFAULT]\ndirectory = {tmp_path}\ntransfers = 3\n".encode()
    )
    assert load_settings(tmp_path, None).transfers == 3
