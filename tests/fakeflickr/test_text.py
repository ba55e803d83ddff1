"""fakeflickr's text rules: tag strings, raw/clean forms (pairs recorded from Flickr), machine
tags and their search patterns, descriptions, date arguments."""

from __future__ import annotations

from datetime import datetime

import pytest

from fakeflickr.text import (
    MachineTagQuery,
    clean_text,
    parse_english_date,
    parse_machine_tag_query,
    parse_mysql_datetime,
    parse_tag,
    parse_tags,
    parse_taken_bound,
    parse_timestamp_or_datetime,
    split_tag_string,
    store_description,
)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ('Amsterdam "central station"', ["Amsterdam", "central station"]),
        ("  a   b\tc\n", ["a", "b", "c"]),
        ('dc:title="mr. camera" x', ["dc:title=mr. camera", "x"]),
        ('"unterminated quote', ["unterminated quote"]),
        ('"" empty', ["empty"]),
        ("", []),
    ],
)
def test_split_tag_string(tags: str, expected: list[str]) -> None:
    assert split_tag_string(tags) == expected


# raw -> clean pairs as recorded in getInfo responses (REFERENCE §5.6).
@pytest.mark.parametrize(
    ("raw", "clean", "machine"),
    [
        ("Church", "church", False),
        ("Wesleyan Church", "wesleyanchurch", False),
        ("Ferté-Milon", "fertémilon", False),
        ("black & white", "blackwhite", False),
        ("Fuji X-T3", "fujixt3", False),
        ("f/5.0", "f50", False),
        ("George_Eastman_House", "georgeeastmanhouse", False),
        ("London (Ont.)", "londonont", False),
        ("geo:locality=Ngaruawahia", "geo:locality=ngaruawahia", True),
        ("tna:DepartmentReference=COAL", "tna:departmentreference=coal", True),
        (
            "dc:identifier=http://hdl.loc.gov/loc.pnp/fsac.1a33844",
            "dc:identifier=httphdllocgovlocpnpfsac1a33844",
            True,
        ),
        ("geh:accession=1978:1628:0030", "geh:accession=197816280030", True),
        ("geh:maker=Atget, Eugène", "geh:maker=atgeteugène", True),
        ("checksum:sha1=DA39A3EE", "checksum:sha1=da39a3ee", True),
        ("my_ns:pred_1=Value", "my_ns:pred_1=value", True),
        ("1ns:pred=value", "1nspredvalue", False),  # namespace must start with a letter
        ("ns:pred=", "nspred", False),  # no value: not a machine tag
    ],
)
def test_clean_forms_match_recorded_pairs(raw: str, clean: str, machine: bool) -> None:
    tag = parse_tag(raw)
    assert tag is not None
    assert (tag.raw, tag.clean, tag.machine) == (raw, clean, machine)


def test_punctuation_only_tags_are_dropped_and_duplicates_collapse() -> None:
    tags = parse_tags('--- Foo foo "F O O" bar')
    assert [(t.raw, t.clean) for t in tags] == [("Foo", "foo"), ("bar", "bar")]


def test_clean_text_is_unicode_aware() -> None:
    assert clean_text("ÉCOLE Ünï 2024!") == "écoleünï2024"
    assert clean_text("東京 タワー") == "東京タワー"


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("checksum:sha1=da39", MachineTagQuery("checksum", "sha1", "da39")),
        ("dc:", MachineTagQuery("dc", None, None)),
        ("dc:title=", MachineTagQuery("dc", "title", None)),
        ('dc:title="mr. camera"', MachineTagQuery("dc", "title", "mrcamera")),
        ('*:*="mr. camera"', MachineTagQuery(None, None, "mrcamera")),
        ("*:title=", MachineTagQuery(None, "title", None)),
        ('dc:*="mr. camera"', MachineTagQuery("dc", None, "mrcamera")),
        ("DC:Title=X", MachineTagQuery("dc", "title", "x")),
        ("plain", None),
        ("*:", None),
        ("1dc:title=x", None),
    ],
)
def test_machine_tag_queries(term: str, expected: MachineTagQuery | None) -> None:
    assert parse_machine_tag_query(term) == expected


def test_machine_tag_like_patterns_escape_underscores() -> None:
    assert MachineTagQuery("my_ns", "sha1", "ab").like_pattern() == "my\\_ns:sha1=ab"
    assert MachineTagQuery(None, None, "ab").like_pattern() == "%:%=ab"
    assert MachineTagQuery("dc", None, None).like_pattern() == "dc:%"
    assert MachineTagQuery("dc", "title", None).like_pattern() == "dc:title=%"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (
            'A poster for the "Game of Thrones" TV series',
            "A poster for the &quot;Game of Thrones&quot; TV series",
        ),
        ("G & C Ltd", "G &amp; C Ltd"),
        ("Photographer's title", "Photographer's title"),
        (
            '<a href="http://x.example/">x</a> & <b>bold</b>',
            '<a href="http://x.example/">x</a> &amp; <b>bold</b>',
        ),
        ("1 < 2 <script>", "1 &lt; 2 &lt;script&gt;"),
        ("[created by flickrsync]", "[created by flickrsync]"),
    ],
)
def test_descriptions_are_stored_html_escaped_like_flickr(given: str, stored: str) -> None:
    assert store_description(given) == stored


def test_date_arguments() -> None:
    assert parse_mysql_datetime("2004-04") == datetime(2004, 4, 1)
    assert parse_mysql_datetime("2004-04-05 10:11:12") == datetime(2004, 4, 5, 10, 11, 12)
    assert parse_mysql_datetime("2004-13-01") is None
    assert parse_mysql_datetime("yesterday") is None
    assert parse_timestamp_or_datetime("1700000000") == 1700000000
    assert parse_timestamp_or_datetime("2023-11-14 22:13:20") == 1700000000
    assert parse_taken_bound("1700000000") == "2023-11-14 22:13:20"
    assert parse_taken_bound("2004") == "2004-01-01 00:00:00"
    assert parse_english_date("2013-09-08") == 1378598400
    assert parse_english_date("1378598400") == 1378598400
    assert parse_english_date("not a date") is None
