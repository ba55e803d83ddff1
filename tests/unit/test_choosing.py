"""Choosing per photo (choosing.py): the settings of a folder, and what an upload says."""

from __future__ import annotations

import pytest
from tests.syncfakes import cid, pic

from flickrsync.choosing import (
    MAX_TAGS,
    FolderRule,
    FolderSettings,
    PictureSettings,
    edited_text,
    is_ignored_path,
    literal_chars,
    parse_sources,
    privacy,
    settings_for,
    upload_tags,
    upload_text,
    uploadable_path,
    with_privacy,
)
from flickrsync.fingerprint import PictureMeta
from flickrsync.models import LocalPath, UploadOptions, content_tag

BASE = PictureSettings(extra_tags="mine", origins=(("extra_tags", "[DEFAULT] line 3"),))
RULES = (
    FolderRule("Trips", (("is_public", True, "[folder:Trips] line 5"),), 0),
    FolderRule("Trips/*", (("is_family", True, "[folder:Trips/*] line 7"),), 1),
    FolderRule("Trips/2019", (("is_public", False, "[folder:Trips/2019] line 9"),), 2),
    FolderRule("*", (("hidden", 1, "[folder:*] line 11"),), 3),
    FolderRule("Tr?ps", (("safety_level", 2, "[folder:Tr?ps] line 13"),), 4),
    FolderRule("Trips", (("safety_level", 3, "[folder:Trips] line 15"),), 5),
)


@pytest.mark.parametrize(
    ("folder", "public", "family", "hidden", "safety"),
    [
        ("", False, False, 1, 1),
        ("Other", False, False, 1, 1),
        ("Trips", True, False, 1, 3),
        ("Trips/2018/Rome", True, True, 1, 3),
        ("Trips/2019", False, True, 1, 3),
        ("Trips/2019/Oslo", False, True, 1, 3),
        ("Tripsy", False, False, 1, 1),
    ],
)
def test_the_most_specific_glob_wins_key_by_key(
    folder: str, public: bool, family: bool, hidden: int, safety: int
) -> None:
    found = settings_for(folder, BASE, RULES)
    assert (found.is_public, found.is_family, found.hidden, found.safety_level) == (
        public,
        family,
        hidden,
        safety,
    )
    assert found.extra_tags == "mine"


def test_where_each_value_came_from() -> None:
    found = settings_for("Trips/2019/Oslo", BASE, RULES)
    assert found.origin("is_public") == "[folder:Trips/2019] line 9"
    assert found.origin("is_family") == "[folder:Trips/*] line 7"
    assert found.origin("safety_level") == "[folder:Trips] line 15", "a tie goes to the later section"
    assert found.origin("extra_tags") == "[DEFAULT] line 3"
    assert found.origin("resize") == "default"


def test_literal_characters_measure_how_specific_a_glob_is() -> None:
    assert [literal_chars(g) for g in ("*", "Trips", "Trips/*", "Trips/2019", "Tr?ps", "[ab]c*")] == [
        0,
        5,
        6,
        10,
        4,
        1,
    ]


def test_folder_settings_are_remembered_and_know_what_any_folder_sets() -> None:
    folders = FolderSettings(BASE, (*RULES, FolderRule("Drafts", (("ignore", True, "x"),), 9)))
    assert folders("Trips/2019") is folders("Trips/2019")
    assert folders.any("ignore")
    assert not folders.any("resize")


def test_ignored_paths_cover_what_is_under_them() -> None:
    ignored = {"Drafts", "a/b.jpg"}
    assert is_ignored_path("Drafts/x.jpg", ignored)
    assert is_ignored_path("a/b.jpg", ignored)
    assert not is_ignored_path("a/b.jpg2", ignored)
    assert not is_ignored_path("Drafts2/x.jpg", ignored)
    picture = pic("a", "Drafts/x.jpg", "Keep/x.jpg", "z/x.jpg")
    folders = FolderSettings(BASE, (FolderRule("Keep", (("ignore", True, "o"),), 0),))
    found = uploadable_path(picture, folders, ignored)
    assert found is not None
    assert found[0] == LocalPath(picture.paths[0].root, "z/x.jpg"), "the first path neither ignored"
    assert uploadable_path(pic("b", "Drafts/y.jpg"), folders, ignored) is None


def meta(**sources: str | tuple[str, ...]) -> PictureMeta:
    names = {"title": "XMP-dc:Title", "iptc": "IPTC:ObjectName", "caption": "IPTC:Caption-Abstract"}
    lists = {"subject": "XMP-dc:Subject", "keywords": "IPTC:Keywords", "hier": "XMP-lr:HierarchicalSubject"}
    texts = tuple((names[k], v) for k, v in sources.items() if k in names and isinstance(v, str))
    kw = tuple((lists[k], v) for k, v in sources.items() if k in lists and isinstance(v, tuple))
    return PictureMeta(texts, kw)  # type: ignore[arg-type]


def test_an_uploads_text_comes_from_the_metadata_in_the_configured_order() -> None:
    found = upload_text(
        "IMG_1", meta(title="Harbour", iptc="Other", caption="Boats.", keywords=("sea",)), BASE
    )
    assert (found.title, found.description, found.tags) == ("Harbour", "Boats.", ("mine", "sea"))
    assert (found.title_from, found.description_from, found.tags_from) == (
        "XMP-dc:Title",
        "IPTC:Caption-Abstract",
        "IPTC:Keywords",
    )
    iptc_first = PictureSettings(title_from=("IPTC:ObjectName", "XMP-dc:Title"))
    assert upload_text("IMG_1", meta(title="Harbour", iptc="Other"), iptc_first).title == "Other"


def test_without_metadata_the_title_is_the_file_name() -> None:
    for settings in (BASE, PictureSettings(title_from=())):
        found = upload_text("IMG_0001", meta(title="ignored"), settings) if not settings.title_from else None
        assert found is None or found.title == "IMG_0001"
    found = upload_text("IMG_0001", None, BASE)
    assert (found.title, found.title_from, found.description, found.tags) == (
        "IMG_0001",
        "file name",
        "",
        ("mine",),
    )


def test_hierarchical_keywords_give_their_leaves_when_no_flat_ones() -> None:
    found = upload_text("x", meta(hier=("Places|France|Paris", "Animals|Birds")), PictureSettings())
    assert found.tags == ("Paris", "Birds")
    assert found.tags_from == "XMP-lr:HierarchicalSubject"


def test_too_many_tags_are_cut_with_a_warning_and_ours_always_fits() -> None:
    keywords = tuple(f"k{i}" for i in range(500))
    found = upload_text("x", meta(subject=keywords), BASE)
    assert len(found.tags) == MAX_TAGS - 1
    assert any("cut to 74" in w for w in found.warnings)
    tags = upload_tags(cid("a"), "", found.tags)
    assert len(tags) == MAX_TAGS
    assert tags[0] == content_tag(cid("a"))


def test_a_forged_machine_tag_among_keywords_is_never_sent() -> None:
    forged = f"flickrsync:imagehash={'0' * 64}"
    found = upload_text("x", meta(subject=(forged, "checksum:md5=00", "ok")), PictureSettings())
    assert found.tags == ("ok",)


def test_plan_edits_are_cut_to_the_same_limits() -> None:
    found = edited_text("T" * 300, "d", ["a", "A", '"b"'])
    assert (len(found.title), found.tags) == (255, ("a", "b"))
    assert found.title_from == "plan"


@pytest.mark.parametrize("word", ["private", "friends", "family", "friends+family", "public"])
def test_privacy_words_round_trip(word: str) -> None:
    assert privacy(with_privacy(UploadOptions(safety_level=2), word)) == word


def test_metadata_sources_are_checked() -> None:
    known = ("XMP-dc:Title", "IPTC:ObjectName")
    assert parse_sources("iptc:objectname, XMP-dc:Title  IPTC:ObjectName", known) == (
        "IPTC:ObjectName",
        "XMP-dc:Title",
    )
    assert parse_sources("  ", known) == ()
    with pytest.raises(
        ValueError, match=r"'XMP-dc:Titel' is not a metadata source here .did you mean `XMP-dc:Title`"
    ):
        parse_sources("XMP-dc:Titel", known)
