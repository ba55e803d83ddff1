"""The user's list files (userlists.py): what a line means, written and read back."""

from __future__ import annotations

from flickrsync.models import ContentId, Distinction, Identification, IgnoreEntry, PhotoId
from flickrsync.userlists import (
    Choices,
    format_different,
    format_identify,
    format_ignore,
    normal_relpath,
    parse_different,
    parse_identify,
    parse_ignore,
)

CID = "ab" * 32


def test_ignore_lines() -> None:
    text = (
        "# a comment\n"
        "\n"
        "Drafts/\n"
        "./2019//old/IMG_1.jpg\n"
        "Names # with a hash.jpg\n"
        f"picture:{CID.upper()}  # 2019/IMG_2.jpg\n"
        "photo:53084954382\n"
        "photo:12ab\n"
        "picture:nothex\n"
        "../outside\n"
        "/absolute/path\n"
    )
    entries, problems = parse_ignore(text)
    assert entries == [
        IgnoreEntry("path", "Drafts"),
        IgnoreEntry("path", "2019/old/IMG_1.jpg"),
        IgnoreEntry("path", "Names # with a hash.jpg"),
        IgnoreEntry("picture", CID, "2019/IMG_2.jpg"),
        IgnoreEntry("photo", "53084954382"),
    ]
    assert [n for n, _ in problems] == [8, 9, 10, 11]
    assert "a Flickr photo id" in problems[0][1]
    assert "not a path inside the pictures folder" in problems[2][1]


def test_ignore_files_round_trip() -> None:
    entries = [
        IgnoreEntry("photo", "5"),
        IgnoreEntry("picture", CID, "a b/c.jpg"),
        IgnoreEntry("path", "Ünïcode/folder"),
        IgnoreEntry("path", "bad\udcffname.jpg"),  # a name that is not UTF-8 (surrogate escape)
    ]
    text = format_ignore(entries, "work")
    assert text.startswith("# flickrsync: what profile [work] never uploads")
    read, problems = parse_ignore(text)
    assert problems == []
    assert sorted(read, key=repr) == sorted(entries, key=repr)


def test_identify_files_round_trip() -> None:
    items = [
        Identification(PhotoId("10"), ContentId(CID), "x/y.jpg"),
        Identification(PhotoId("9"), ContentId(CID)),
    ]
    read, problems = parse_identify(format_identify(items, "DEFAULT") + "12 nothex\n")
    assert read == [items[1], items[0]], "sorted as Flickr numbers photos"
    assert problems == [(5, "needs `<Flickr photo id> <content id>`")]


def test_different_files_round_trip() -> None:
    """A photo may be different from several pictures: one line each."""
    other = "cd" * 32
    items = [
        Distinction(PhotoId("10"), ContentId(other)),
        Distinction(PhotoId("10"), ContentId(CID), "x/y.jpg"),
        Distinction(PhotoId("9"), ContentId(CID)),
    ]
    text = format_different(items, "DEFAULT")
    assert text.startswith("# flickrsync: Flickr photos that are NOT a picture, for profile [DEFAULT]")
    read, problems = parse_different(text + "12\n")
    assert read == [items[2], items[1], items[0]]
    assert [n for n, _ in problems] == [len(text.splitlines()) + 1]
    assert Choices(different=tuple(read)).different_pairs == {(PhotoId("9"), CID), ("10", CID), ("10", other)}


def test_relative_paths_are_normalised() -> None:
    assert normal_relpath(" a//b/./c/ ") == "a/b/c"
    assert normal_relpath("a/../b") is None
    assert normal_relpath("") is None
    assert normal_relpath(".") is None
