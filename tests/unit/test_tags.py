"""Flickr's tag syntax (flickrsync.tags): parsed, written and cleaned as Flickr does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=30))
def test_a_clean_tag_keeps_letters_and_digits_whatever_the_path(raw: str) -> None:
    """ASCII tags take a faster path than the rest: both keep exactly the lower-cased letters and
    digits (Unicode categories L and N), as the emulator's reading of REFERENCE §5.6 does."""
    parsed = fakeflickr_text.parse_tag(raw)
    assert clean_tag(raw) == (parsed.clean if parsed is not None else "")
