"""Flickr's tag syntax (flickrsync.tags): parsed, written and cleaned as Flickr does."""

from __future__ import annotations

import pytest

from fakeflickr import text as fakeflickr_text
from flickrsync.tags import clean_tag, format_tags, parse_tags


@pytest.mark.parametrize(
    "raw",
    ["New York", "Ferté-Milon", "f/5.0", "London (Ont.)", "tna:DepartmentReference=COAL",
     "geh:maker=Atget, Eugène", "dc:identifier=http://hdl.loc.gov/x.1", "ns:pred=", "--", "İstanbul"],
)  # fmt: skip
def test_clean_tags_as_the_emulator_reads_reference_5_6(raw: str) -> None:
    parsed = fakeflickr_text.parse_tag(raw)
    assert clean_tag(raw) == (parsed.clean if parsed is not None else "")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["a", "b"], "a b"),
        (["new york"], '"new york"'),
        (['say "hi"', "  spaced   out "], '"say hi" "spaced out"'),
        (["", "x"], "x"),
    ],
)
def test_format_tags(tags: list[str], expected: str) -> None:
    assert format_tags(tags) == expected


def test_tags_string_round_trip() -> None:
    tags = ("flickrsync:imagehash=ab", "new york", 'say "cheese"', "  spaced   out ")
    assert parse_tags(format_tags(tags)) == (
        "flickrsync:imagehash=ab",
        "new york",
        "say cheese",
        "spaced out",
    )
