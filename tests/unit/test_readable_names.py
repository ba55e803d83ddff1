"""Names that are not UTF-8: the path keeps its bytes, what people and Flickr read gets U+FFFD
(issue 16 point 9)."""

from __future__ import annotations

import os

import pytest

from flickrsync.matcher import normalize_name
from flickrsync.models import LocalPath, readable
from flickrsync.photosets import flatten_folder

LATIN1 = os.fsdecode(b"caf\xe9")  # as os.listdir gives it: "caf\udce9"


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        (b"caf\xe9", "caf\ufffd"),
        (b"\xc3\x28 broken", "\ufffd( broken"),
        ("café".encode(), "café"),
        (b"plain", "plain"),
    ],
)
def test_readable_decodes_a_names_bytes_with_replacement(raw: bytes, read: str) -> None:
    assert readable(os.fsdecode(raw)) == read


def test_a_surrogate_no_name_holds_is_replaced_too() -> None:
    assert readable("a\ud800b") == "a\ufffdb"


def test_the_path_keeps_its_bytes_the_title_is_readable() -> None:
    path = LocalPath("/pictures", f"{LATIN1} trip/{LATIN1}.jpg")
    assert os.fsencode(os.path.join(path.root, path.relpath)) == b"/pictures/caf\xe9 trip/caf\xe9.jpg"
    assert path.stem == LATIN1
    assert path.title == "caf\ufffd"


def test_a_name_compares_as_the_title_it_was_uploaded_with() -> None:
    assert normalize_name(LATIN1) == normalize_name("CAF\ufffd")
    assert normalize_name(LATIN1) != normalize_name("café")


def test_a_folder_that_is_not_utf8_makes_a_readable_album_title() -> None:
    assert flatten_folder(f"2019/{LATIN1} trip") == "2019, caf\ufffd trip"
