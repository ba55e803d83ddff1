"""`flickrsync scan`, `duplicates` and `inspect`, run in-process through ``cli.main``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.pictures import fake_mp4, make_jpeg

from flickrsync.cli import main
from flickrsync.index import Index
from flickrsync.models import Account, ContentId, Nsid, PhotoId


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    lib = tmp_path / "Pictures"
    make_jpeg(lib / "2020" / "a.jpg", 1, date="2020:01:02 03:04:05", orientation=6)
    make_jpeg(lib / "2020" / "b.jpg", 2)
    (lib / "copies").mkdir()
    (lib / "copies" / "a.jpg").write_bytes((lib / "2020" / "a.jpg").read_bytes())
    fake_mp4(lib / "clip.mp4")
    (lib / "2020" / "a.xmp").write_text("<x/>")
    work = tmp_path / "Work"
    make_jpeg(work / "w.jpg", 9)
    (home / "config.ini").write_text(
        f"[DEFAULT]\ndirectory = {lib}\nexclude = *.tmp.jpg\n\n[work]\ndirectory = {work}\n"
    )
    (home / "config.ini").chmod(0o600)  # as `flickrsync init` makes it
    return home


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def out_json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_scan_prints_counts_and_exits_0(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(home, "scan") == 0
    out = capsys.readouterr()
    assert "pictures             2" in out.out
    assert "videos               1" in out.out
    assert "duplicates           1 groups (1 extra copies" in out.out
    assert "read                 4 files" in out.out
    assert "ignored              1 other files (.xmp 1)" in out.out
    assert out.err == ""
    assert run(home, "scan") == 0
    assert "read                 0 files" in capsys.readouterr().out


def test_scan_json(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(home, "scan", "--json", "--perceptual") == 0
    [doc] = out_json(capsys)
    assert (doc["schema"], doc["kind"], doc["profile"]) == (1, "scan", "DEFAULT")
    assert doc["counts"]["pictures"] == 2
    assert doc["counts"]["duplicate_groups"] == 1
    assert doc["read"] == 4
    assert doc["perceptual"] == 2
    assert doc["problems"] == []
    assert doc["ignored"] == {".xmp": 1}


def test_scan_lists_problems_on_stderr_and_exits_1(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "Pictures"
    (lib / "2020" / "notes.jpg").write_text("I am text")
    (lib / "2020" / "empty.jpg").write_bytes(b"")
    (lib / "2020" / "ignored.tmp.jpg").write_text("excluded by a glob")
    assert run(home, "scan") == 1
    out = capsys.readouterr()
    assert "problems             2" in out.out
    err = out.err.splitlines()
    assert f"flickrsync: problem: {lib}/2020/empty.jpg: empty file" in err
    assert any(line.startswith(f"flickrsync: problem: {lib}/2020/notes.jpg: not a picture") for line in err)
    assert len(err) == 2
    # JSON lists them too, and the exit code stays 1 on every later scan until fixed.
    assert run(home, "scan", "--json") == 1
    [doc] = out_json(capsys)
    assert sorted(p["relpath"] for p in doc["problems"]) == ["2020/empty.jpg", "2020/notes.jpg"]
    assert {p["problem_kind"] for p in doc["problems"]} == {"media"}
    (lib / "2020" / "notes.jpg").unlink()
    (lib / "2020" / "empty.jpg").unlink()
    assert run(home, "scan") == 0


def test_missing_pictures_directory_is_exit_2(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "unmounted"
    assert run(home, "--directory", str(missing), "scan") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        f"flickrsync: error: profile [DEFAULT]: pictures directory {missing} does not exist"
    )


def test_unreadable_pictures_directory_is_exit_2(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = os.fsencode(tmp_path / "Pictures")
    original = os.scandir

    def scandir(path: Any) -> Any:
        if os.fsencode(path) == lib:  # as chmod 000 would for a normal user
            raise PermissionError(13, "Permission denied")
        return original(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert run(home, "scan") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"flickrsync: error: profile [DEFAULT]: pictures directory {tmp_path / 'Pictures'} cannot be read: "
        "Permission denied (check its permissions)"
    ]


def test_each_profile_has_its_own_index(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(home, "--all-profiles", "scan", "--json") == 0
    docs = out_json(capsys)
    assert [(d["profile"], d["counts"]["pictures"]) for d in docs] == [("work", 1)]  # named profiles only
    assert run(home, "scan", "--json", "-p", "work") == 0
    [work] = out_json(capsys)
    assert work["database"].endswith("index-work.db")
    assert run(home, "scan", "--json") == 0
    [default] = out_json(capsys)
    assert default["database"] != work["database"]
    assert default["counts"]["pictures"] == 2


def test_status_counts_the_pictures_of_each_index(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = (home / "config.ini").read_text()
    (home / "config.ini").write_text(
        config.replace("[DEFAULT]\n", "[DEFAULT]\napi_key = k\napi_secret = s\n")
    )
    assert run(home, "status", "--all-profiles") == 1  # no token: no profile can sync
    # [DEFAULT] now names an account (api_key and directory): --all-profiles includes it.
    assert capsys.readouterr().out.count("index:     none yet") == 2  # before the first scan
    assert not list(home.glob("*.db"))  # status never creates an index
    assert run(home, "scan", "-p", "work") == 0
    capsys.readouterr()
    assert run(home, "status", "-p", "work", "--json") == 1
    [doc] = out_json(capsys)
    assert doc["profiles"][0]["index_pictures"] == 1
    assert run(home, "scan") == 0
    capsys.readouterr()
    assert run(home, "status") == 1
    out = capsys.readouterr().out
    assert "index:     2 pictures, 1 videos, 0 problems" in out  # a duplicate is one picture
    assert "last sync: never" in out


def test_duplicates(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(home, "duplicates") == 0  # scans first
    out = capsys.readouterr().out
    lib = tmp_path / "Pictures"
    assert "1 duplicate groups, 1 extra copies" in out
    assert f"  {lib}/2020/a.jpg\n  {lib}/copies/a.jpg\n" in out
    (lib / "copies" / "a.jpg").unlink()
    assert run(home, "duplicates", "--no-scan", "--json") == 0  # the index as it was
    [doc] = out_json(capsys)
    [group] = doc["groups"]
    assert [p["relpath"] for p in group["paths"]] == ["2020/a.jpg", "copies/a.jpg"]
    assert group["media"] == "photo"
    assert run(home, "duplicates", "--json") == 0
    assert out_json(capsys)[0]["groups"] == []


def test_inspect_in_library_outside_and_broken(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "Pictures"
    assert run(home, "scan", "--json") == 0
    [scan] = out_json(capsys)
    with Index.open(Path(scan["database"])) as index:
        [picture] = index.duplicates()
        nsid = Nsid("1@N01")
        index.upsert_account(Account(nsid, "me"))
        index.add_link(nsid, PhotoId("42"), picture.content_id, "machine_tag")
    outside = make_jpeg(tmp_path / "elsewhere" / "a.jpg", 1, date="2020:01:02 03:04:05", orientation=6)
    text = tmp_path / "elsewhere" / "text.jpg"
    text.write_text("hello")
    argv = ["inspect", str(lib / "2020" / "a.jpg"), str(outside), str(text), "--json"]
    assert run(home, *argv) == 1  # one file is not a picture
    [doc] = out_json(capsys)
    inside, copy, broken = doc["files"]
    assert inside["indexed"] == "yes"
    assert inside["relpath"] == "2020/a.jpg"
    assert inside["content_id"] == picture.content_id
    assert inside["orientation"] == 6
    assert inside["date_taken"] == "2020-01-02 03:04:05"
    assert inside["phash"]
    assert [d["relpath"] for d in inside["duplicates"]] == ["copies/a.jpg"]
    assert inside["links"] == [
        {
            "nsid": "1@N01",
            "photo_id": "42",
            "content_id": picture.content_id,
            "rule": "machine_tag",
            "linked_at": inside["links"][0]["linked_at"],
        }
    ]
    # Same bytes outside the library: not indexed, but known as a duplicate of both copies.
    assert copy["indexed"] == "outside the library"
    assert copy["content_id"] == picture.content_id
    assert len(copy["duplicates"]) == 2
    assert broken["content_id"] is None
    assert "not a picture" in broken["problem"]
    # Text form.
    assert run(home, "inspect", str(lib / "2020" / "a.jpg")) == 0
    text_out = capsys.readouterr().out
    assert "date taken    2020-01-02 03:04:05" in text_out
    assert "orientation   6 (rotate 90° CW to view)" in text_out
    assert f"duplicate     {lib}/copies/a.jpg" in text_out
    assert "on Flickr     photo 42 of 1@N01 (matched by machine_tag)" in text_out


def test_scan_and_inspect_a_file_dated_2300(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16: ``touch -d 2300-01-01 a.jpg; flickrsync scan`` ended in struct.error."""
    far = tmp_path / "Pictures" / "2020" / "b.jpg"
    ns = 10_413_792_000 * 10**9  # 2300-01-01 00:00:00 UTC: more nanoseconds than 64 bits hold
    os.utime(far, ns=(ns, ns))
    if far.stat().st_mtime_ns != ns:
        pytest.skip(f"the file system of {far} holds no time after 2262")
    assert run(home, "scan") == 0
    assert "read                 4 files" in capsys.readouterr().out
    assert run(home, "scan", "--json") == 0
    [doc] = out_json(capsys)
    assert (doc["read"], doc["problems"]) == (0, [])
    assert run(home, "inspect", str(far), "--json") == 0
    [doc] = out_json(capsys)
    [found] = doc["files"]
    assert (found["mtime_ns"], found["indexed"]) == (ns, "yes")


def test_inspect_without_any_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pic = make_jpeg(tmp_path / "x.jpg", 3)
    assert main(["--home", str(tmp_path / "nohome"), "inspect", str(pic), "--json"]) == 0
    [doc] = out_json(capsys)
    [file] = doc["files"]
    assert file["format"] == "jpeg"
    assert file["indexed"] is None
    assert main(["--home", str(tmp_path / "nohome"), "inspect", str(tmp_path / "missing.jpg")]) == 1
    assert "No such file" in capsys.readouterr().out


def test_undecodable_names_in_output(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = tmp_path / "Pictures"
    raw = os.path.join(os.fsencode(lib), b"caf\xe9.jpg")
    with open(raw, "wb") as handle:
        handle.write(b"not a picture")
    assert run(home, "scan", "--json") == 1
    [doc] = out_json(capsys)
    [problem] = doc["problems"]
    assert os.fsencode(problem["relpath"]) == b"caf\xe9.jpg"  # lossless through JSON
    assert run(home, "scan") == 1
    assert "caf\\xe9.jpg: not a picture" in capsys.readouterr().err


@pytest.mark.slow
def test_subprocess_smoke(home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flickrsync", "--home", str(home), "scan"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "pictures             2" in result.stdout


def test_picture_id_is_stable_across_cli_runs(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "Pictures"
    assert run(home, "inspect", "--json", str(lib / "2020" / "b.jpg")) == 0
    [first] = out_json(capsys)
    os.rename(lib / "2020" / "b.jpg", lib / "moved.jpg")
    assert run(home, "inspect", "--json", str(lib / "moved.jpg")) == 0
    [second] = out_json(capsys)
    assert ContentId(first["files"][0]["content_id"]) == second["files"][0]["content_id"]


def test_readme_documents_every_library_option() -> None:
    from flickrsync.cli import cli

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in ("scan", "duplicates", "inspect"):
        assert f"### `flickrsync {name}" in readme, name
        command = cli.commands[name]
        own = [p for p in command.params if p.name in ("perceptual", "no_scan", "as_json")]
        for param in own:
            for option in param.opts:
                assert f"`{option}`" in readme, (name, option)
