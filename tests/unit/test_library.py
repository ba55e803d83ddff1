"""The one writer of the pictures tree: new files appear whole under a fresh name, with the
umask's mode and the photo's date, never outside the library, never over a user's file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from flickrsync import library
from flickrsync.errors import DiskFullError, LocalFileError
from flickrsync.models import LocalPath


@pytest.fixture
def root(tmp_path: Path) -> Path:
    lib = tmp_path / "Pictures"
    lib.mkdir()
    return lib


def new(root: Path, relpath: str, data: bytes = b"picture", **place: float) -> LocalPath:
    dest = LocalPath(str(root), relpath)
    temp = library.temp_relpath(dest)
    with library.create(dest, temp) as out:
        out.file.write(data)
        placed = out.place(**place)
    library.release(dest.root, temp)
    return placed


def everything(top: Path) -> list[str]:
    return sorted(p.relative_to(top).as_posix() for p in top.rglob("*"))


def test_a_new_file_appears_whole_under_its_name(root: Path) -> None:
    dest = LocalPath(str(root), "Trip/Harbour.jpg")
    temp = library.temp_relpath(dest)
    with library.create(dest, temp) as out:
        out.file.write(b"all of it")
        out.file.flush()
        assert everything(root) == ["Trip", temp]  # only the hidden temporary file so far
        assert Path(os.fsdecode(out.path)).read_bytes() == b"all of it"
        placed = out.place()
    assert placed == dest
    # The temporary name stays until the index has recorded the file (a kill then loses nothing).
    assert sorted(everything(root)) == sorted(["Trip", "Trip/Harbour.jpg", temp])
    library.release(dest.root, temp)
    assert everything(root) == ["Trip", "Trip/Harbour.jpg"]
    assert (root / "Trip/Harbour.jpg").read_bytes() == b"all of it"


def test_temporary_names_are_hidden_fixed_length_and_recognised(root: Path) -> None:
    dest = LocalPath(str(root), "a/" + "x" * 240 + ".jpg")
    temp = library.temp_relpath(dest)
    folder, name = temp.rsplit("/", 1)
    assert folder == "a"
    assert name.startswith(".")
    assert len(name) == len(library.TEMP_PREFIX) + 16
    assert library.is_temp_name(name)
    assert temp != library.temp_relpath(dest)
    for other in (".Harbour.jpg.a1b2c3d4.part", "Harbour.jpg", library.TEMP_PREFIX, name + "x"):
        assert not library.is_temp_name(other)


def test_a_taken_name_gets_a_number_and_is_never_overwritten(root: Path) -> None:
    (root / "Harbour.jpg").write_bytes(b"mine")
    (root / "Harbour (2).jpg").write_bytes(b"mine too")
    placed = new(root, "Harbour.jpg", b"from Flickr")
    assert placed.relpath == "Harbour (3).jpg"
    assert (root / "Harbour.jpg").read_bytes() == b"mine"
    assert (root / "Harbour (2).jpg").read_bytes() == b"mine too"
    assert (root / "Harbour (3).jpg").read_bytes() == b"from Flickr"


def test_a_name_taken_while_writing_is_not_replaced(root: Path) -> None:
    dest = LocalPath(str(root), "IMG.jpg")
    temp = library.temp_relpath(dest)
    with library.create(dest, temp) as out:
        out.file.write(b"from Flickr")
        (root / "IMG.jpg").write_bytes(b"someone else")
        placed = out.place()
    library.release(dest.root, temp)
    assert placed.relpath == "IMG (2).jpg"
    assert (root / "IMG.jpg").read_bytes() == b"someone else"


def test_when_every_name_is_taken_nothing_is_saved(root: Path) -> None:
    for n in range(1, library.MAX_NAME_TRIES + 1):
        (root / ("a.jpg" if n == 1 else f"a ({n}).jpg")).write_bytes(b"mine")
    before = everything(root)
    with pytest.raises(LocalFileError, match="names taken"):
        new(root, "a.jpg")
    assert everything(root) == before


def test_leaving_without_placing_removes_the_temporary_file(root: Path) -> None:
    dest = LocalPath(str(root), "Trip/x.jpg")
    with library.create(dest, library.temp_relpath(dest)) as out:
        out.file.write(b"half")
        # the download fails here: the context is left without place()
    assert everything(root) == ["Trip"]


@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_files_and_folders_follow_the_umask(root: Path, mask: int, file_mode: int, dir_mode: int) -> None:
    old = os.umask(mask)
    try:
        new(root, "Trip/2019/a.jpg")
    finally:
        os.umask(old)
    assert stat.S_IMODE((root / "Trip/2019/a.jpg").stat().st_mode) == file_mode
    assert stat.S_IMODE((root / "Trip").stat().st_mode) == dir_mode
    assert stat.S_IMODE((root / "Trip/2019").stat().st_mode) == dir_mode


def test_the_modification_time_is_set_before_the_file_gets_its_name(root: Path) -> None:
    new(root, "a.jpg", mtime=1_300_000_000.7)
    assert (root / "a.jpg").stat().st_mtime_ns == 1_300_000_000 * 1_000_000_000


def test_a_time_the_file_system_cannot_hold_is_left_to_the_os(root: Path) -> None:
    new(root, "a.jpg", mtime=1e30)
    assert (root / "a.jpg").read_bytes() == b"picture"


def test_a_link_to_a_folder_outside_the_library_is_never_written_through(root: Path, tmp_path: Path) -> None:
    """Issue 16 point 13: a folder was created outside the library through a symlinked folder
    before the inside-the-library check."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "Trip").symlink_to(outside, target_is_directory=True)
    with pytest.raises(LocalFileError, match="link leading outside the pictures folder"):
        new(root, "Trip/2019/Holiday/a.jpg")
    assert everything(outside) == []


def test_a_link_deeper_down_is_checked_too(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "A").mkdir()
    (root / "A" / "B").symlink_to(outside, target_is_directory=True)
    with pytest.raises(LocalFileError, match="outside"):
        new(root, "A/B/C/a.jpg")
    assert everything(outside) == []


def test_a_dangling_link_is_not_created_through(root: Path, tmp_path: Path) -> None:
    (root / "Trip").symlink_to(tmp_path / "not yet", target_is_directory=True)
    with pytest.raises(LocalFileError, match="outside"):
        new(root, "Trip/a.jpg")
    assert not (tmp_path / "not yet").exists()


def test_a_link_inside_the_library_is_followed(root: Path) -> None:
    (root / "2019" / "Trip").mkdir(parents=True)
    (root / "Trip").symlink_to(root / "2019" / "Trip", target_is_directory=True)
    placed = new(root, "Trip/a.jpg", b"x")
    assert placed.relpath == "Trip/a.jpg"
    assert (root / "2019" / "Trip" / "a.jpg").read_bytes() == b"x"


def test_a_loop_of_links_is_refused(root: Path) -> None:
    (root / "a").symlink_to(root / "b", target_is_directory=True)
    (root / "b").symlink_to(root / "a", target_is_directory=True)
    with pytest.raises(LocalFileError):
        new(root, "a/x.jpg")


def test_the_root_itself_may_be_a_link(tmp_path: Path) -> None:
    real = tmp_path / "disk" / "Pictures"
    real.mkdir(parents=True)
    (tmp_path / "Pictures").symlink_to(real, target_is_directory=True)
    new(tmp_path / "Pictures", "Trip/a.jpg", b"x")
    assert (real / "Trip" / "a.jpg").read_bytes() == b"x"


def test_a_file_where_a_folder_should_be(root: Path) -> None:
    (root / "Trip").write_bytes(b"not a folder")
    with pytest.raises(LocalFileError, match="not a folder"):
        new(root, "Trip/a.jpg")


@pytest.mark.parametrize("folder", ["../out", "a/../../out", "a/./b"])
def test_a_folder_that_climbs_out_is_refused(root: Path, folder: str) -> None:
    dest = LocalPath(str(root), f"{folder}/a.jpg")
    with pytest.raises(LocalFileError, match="not a folder inside"):
        library.create(dest, library.temp_relpath(dest))


def test_a_temporary_name_of_another_rule_is_refused(root: Path) -> None:
    dest = LocalPath(str(root), "a.jpg")
    with pytest.raises(ValueError, match="not a temporary name"):
        library.create(dest, ".a.jpg.part")
    with pytest.raises(ValueError, match="not a temporary name"):
        library.create(dest, "other/" + library.temp_relpath(dest))


def test_a_full_disk_is_typed(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = LocalPath(str(root), "a.jpg")

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with library.create(dest, library.temp_relpath(dest)) as out:
        out.file.write(b"x")
        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(DiskFullError):
            out.place()
    monkeypatch.undo()
    assert everything(root) == []


def test_without_hard_links_the_file_is_renamed_into_place(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some network and FAT file systems refuse link(2): a check, then rename(2)."""
    (root / "a.jpg").write_bytes(b"mine")

    def no_links(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    placed = new(root, "a.jpg", b"from Flickr")
    assert placed.relpath == "a (2).jpg"
    assert everything(root) == ["a (2).jpg", "a.jpg"]
    assert (root / "a.jpg").read_bytes() == b"mine"


# --- after a kill --------------------------------------------------------------------------


def test_recover_finds_a_placed_file_by_the_inode_its_temporary_name_shares(root: Path) -> None:
    (root / "Trip").mkdir()
    (root / "Trip" / "Harbour.jpg").write_bytes(b"mine")
    dest = LocalPath(str(root), "Trip/Harbour.jpg")
    temp = library.temp_relpath(dest)
    with library.create(dest, temp) as out:
        out.file.write(b"from Flickr")
        placed = out.place()
    # killed here: placed, not yet recorded
    assert placed.relpath == "Trip/Harbour (2).jpg"
    assert library.recover(dest, temp) == placed
    library.release(dest.root, temp)
    assert everything(root) == ["Trip", "Trip/Harbour (2).jpg", "Trip/Harbour.jpg"]


def test_recover_finds_a_file_placed_under_another_name_than_planned(root: Path) -> None:
    """A video whose original Flickr refused lands as its largest version, ``Clip.mp4`` for a
    planned ``Clip.mov``: after a kill, its inode still finds it."""
    (root / "Flickr").mkdir()
    (root / "Flickr" / "Other.mp4").write_bytes(b"the user's")
    planned = LocalPath(str(root), "Flickr/Clip.mov")
    temp = library.temp_relpath(planned)
    with library.create(LocalPath(str(root), "Flickr/Clip.mp4"), temp) as out:
        out.file.write(b"a version of the video")
        placed = out.place()
    assert library.recover(planned, temp) == placed == LocalPath(str(root), "Flickr/Clip.mp4")
    library.release(planned.root, temp)
    assert everything(root) == ["Flickr", "Flickr/Clip.mp4", "Flickr/Other.mp4"]


def test_recover_removes_an_incomplete_temporary_file_and_nothing_else(root: Path) -> None:
    (root / "Trip").mkdir()
    dest = LocalPath(str(root), "Trip/Harbour.jpg")
    temp = library.temp_relpath(dest)
    (root / temp).write_bytes(b"half a picture")
    theirs = [root / "Trip" / ".Harbour.jpg.notes.part", root / "Trip" / (library.TEMP_PREFIX + "mine")]
    for path in theirs:
        path.write_bytes(b"the user's")
    assert library.recover(dest, temp) is None
    assert not (root / temp).exists()
    assert all(p.read_bytes() == b"the user's" for p in theirs)


def test_recover_without_a_temporary_file(root: Path) -> None:
    dest = LocalPath(str(root), "Trip/Harbour.jpg")
    temp = library.temp_relpath(dest)
    assert library.recover(dest, temp) is None  # never started: not even the folder
    (root / "Trip").mkdir()
    assert library.recover(dest, temp) is None
    # A file system without hard links renames the temporary file into place.
    (root / "Trip" / "Harbour.jpg").write_bytes(b"x")
    assert library.recover(dest, temp) == dest


def test_only_temporary_names_are_ever_removed(root: Path) -> None:
    (root / "Trip").mkdir()
    (root / "Trip" / "Harbour.jpg").write_bytes(b"mine")
    library.release(str(root), "Trip/Harbour.jpg")
    assert library.recover(LocalPath(str(root), "Trip/x.jpg"), "Trip/Harbour.jpg") is None
    assert (root / "Trip" / "Harbour.jpg").read_bytes() == b"mine"


def test_make_root(tmp_path: Path) -> None:
    library.make_root(tmp_path / "new" / "Pictures")
    assert (tmp_path / "new" / "Pictures").is_dir()
    library.make_root(tmp_path / "new" / "Pictures")  # already there: fine
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(LocalFileError, match="cannot create the pictures folder"):
        library.make_root(tmp_path / "file" / "Pictures")
