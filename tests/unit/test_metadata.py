"""A picture's own title, description and keywords (issue 12 point 1): the readers and the rules.

Files here are built byte by byte, so each test states exactly what the file holds; the files
exiftool writes and reads are in test_metadata_exiftool.py.
"""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from tests.conftest import shared_path
from tests.metadata_samples import (
    alt,
    app1_xmp,
    app13,
    bag,
    description,
    exif_block,
    iim,
    jpeg_with,
    png_chunk,
    png_with,
    segment,
    utf16,
    xmp_packet,
)

from flickrsync.fingerprint import (
    DESCRIPTION_FROM,
    TAGS_FROM,
    TITLE_FROM,
    Chosen,
    PictureMeta,
    choose_tags,
    choose_text,
    fingerprint_bytes,
    fingerprint_with_metadata,
    fit_for_flickr,
    merge,
    read_metadata,
    read_sidecar,
)
from flickrsync.fingerprint._meta import clean_keywords, clean_text, is_placeholder


def meta_of(data: bytes) -> PictureMeta:
    return read_metadata(io.BytesIO(data))


# --- XMP ------------------------------------------------------------------------------------------


def test_xmp_title_description_subject_and_hierarchical_keywords() -> None:
    packet = xmp_packet(
        description(
            alt("dc:title", ("x-default", "Sunset"), ("fr", "Coucher")),
            alt("dc:description", ("de", "Erste"), ("x-default", "Line one\nline two")),
            bag("dc:subject", "sea", "sun", "sea"),
            bag("lr:hierarchicalSubject", "Places|France|Paris", "People|Anna"),
        )
    )
    meta = meta_of(jpeg_with(app1_xmp(packet)))
    assert meta.text("XMP-dc:Title") == "Sunset"
    assert meta.text("XMP-dc:Description") == "Line one\nline two"
    assert meta.keywords("XMP-dc:Subject") == ("sea", "sun")
    assert meta.keywords("XMP-lr:HierarchicalSubject") == ("Places|France|Paris", "People|Anna")
    assert meta.warnings == ()


def test_xmp_language_alternative_without_x_default_gives_the_first() -> None:
    packet = xmp_packet(description(alt("dc:title", ("fr", "Bonjour"), ("en", "Hello"))))
    assert meta_of(jpeg_with(app1_xmp(packet))).text("XMP-dc:Title") == "Bonjour"


def test_xmp_simple_forms_attributes_and_several_descriptions() -> None:
    """Writers differ: a property as an attribute, as plain text, spread over Description nodes."""
    packet = xmp_packet(
        description(attributes=" dc:title='Attribute title'")
        + description("<dc:description>Plain text</dc:description>")
        + description(bag("dc:subject", "one"))
        + description(bag("dc:subject", "ignored: first wins"))
    )
    meta = meta_of(jpeg_with(app1_xmp(packet)))
    assert meta.text("XMP-dc:Title") == "Attribute title"
    assert meta.text("XMP-dc:Description") == "Plain text"
    assert meta.keywords("XMP-dc:Subject") == ("one",)


def test_xmp_packet_with_junk_after_it_and_no_wrapper() -> None:
    packet = xmp_packet(description(alt("dc:title", ("x-default", "T"))), wrapper=False)
    meta = meta_of(jpeg_with(app1_xmp(packet + b"\0\0\0garbage\xff")))
    assert (meta.text("XMP-dc:Title"), meta.warnings) == ("T", ())


def test_xmp_cut_off_part_way_gives_what_came_before_with_a_warning() -> None:
    packet = xmp_packet(description(alt("dc:title", ("x-default", "Kept")), bag("dc:subject", "a", "b")))
    cut = packet[: packet.index(b"<rdf:li>b")] + b"\0" * 40
    meta = meta_of(jpeg_with(app1_xmp(cut)))
    assert meta.text("XMP-dc:Title") == "Kept"
    assert len(meta.warnings) == 1
    assert meta.warnings[0].startswith("XMP is damaged or cut off (")
    assert meta.warnings[0].endswith("): read up to there")


def test_xmp_that_is_not_xml_is_a_warning() -> None:
    meta = meta_of(jpeg_with(app1_xmp(b"\x01\x02 not xml at all")))
    assert meta.texts == ()
    assert meta.warnings[0].startswith("XMP is not XML (")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le"])
def test_billion_laughs_xmp_gives_no_metadata_and_a_warning_at_once(encoding: str) -> None:
    packet = BILLION_LAUGHS.decode().encode(encoding)
    start = time.perf_counter()
    for meta in (meta_of(jpeg_with(app1_xmp(packet))), read_sidecar(packet)):
        assert (meta.texts, meta.lists) == ((), ())
        assert any("document type declaration" in w for w in meta.warnings)
    assert time.perf_counter() - start < 1.0


def test_extended_xmp_is_joined_when_its_guid_matches() -> None:
    guid = "0123456789ABCDEF0123456789ABCDEF"
    main = xmp_packet(description(f"<xmpNote:HasExtendedXMP>{guid}</xmpNote:HasExtendedXMP>"))
    extended = xmp_packet(description(alt("dc:description", ("x-default", "long " * 20_000))))
    chunks = [extended[i : i + 60_000] for i in range(0, len(extended), 60_000)]
    segments = [
        segment(
            0xE1,
            b"http://ns.adobe.com/xmp/extension/\0"
            + guid.encode()
            + struct.pack(">II", len(extended), 60_000 * n)
            + chunk,
        )
        for n, chunk in enumerate(chunks)
    ]
    assert len(segments) == 2
    meta = meta_of(jpeg_with(app1_xmp(main), *reversed(segments)))  # out of order on purpose
    assert meta.text("XMP-dc:Description") == ("long " * 20_000).strip()
    incomplete = meta_of(jpeg_with(app1_xmp(main), segments[0]))
    assert incomplete.text("XMP-dc:Description") is None
    assert incomplete.warnings == ("extended XMP is incomplete: ignored",)
    other_guid = meta_of(jpeg_with(app1_xmp(main.replace(b"0123", b"FFFF")), *segments))
    assert other_guid.text("XMP-dc:Description") is None


# --- IPTC -----------------------------------------------------------------------------------------


def test_iptc_with_the_utf8_character_set() -> None:
    data = jpeg_with(
        app13(
            iim(
                (1, 90, b"\x1b%G"),
                (2, 5, "Été".encode()),
                (2, 120, b"Ligne 1\x00\x07\r\nligne 2"),
                (2, 25, b"caf\xc3\xa9"),
                (2, 25, b"bad \xff byte"),
            ),
            name=b"odd",
        )
    )
    meta = meta_of(data)
    assert meta.text("IPTC:ObjectName") == "Été"
    assert meta.text("IPTC:Caption-Abstract") == "Ligne 1\nligne 2"
    assert meta.keywords("IPTC:Keywords") == ("café", "bad \ufffd byte")


def test_iptc_without_character_set_utf8_when_valid_else_windows_1252() -> None:
    meta = meta_of(jpeg_with(app13(iim((2, 25, "café".encode()), (2, 25, b"caf\xe9 \x80")))))
    assert meta.keywords("IPTC:Keywords") == ("café", "café €")


def test_iptc_extended_length_data_set() -> None:
    caption = ("x" * 40_000).encode()
    record = struct.pack(">BBBH", 0x1C, 2, 120, 0x8004) + struct.pack(">I", len(caption)) + caption
    blob = b"8BIM" + struct.pack(">H", 0x0404) + b"\0\0" + struct.pack(">I", len(record)) + record
    data = jpeg_with(segment(0xED, b"Photoshop 3.0\0" + blob))
    assert meta_of(data).text("IPTC:Caption-Abstract") == "x" * 40_000


# --- EXIF -----------------------------------------------------------------------------------------


def test_exif_description_and_windows_fields() -> None:
    block = exif_block(
        description=(2, b"Hafen im Nebel\0"),
        xp_title=(1, utf16("Titel ☀")),
        xp_comment=(1, utf16("line 1\nline 2")),
        xp_keywords=(1, utf16("a; b ;;c")),
        xp_subject=(1, utf16("Subject")),
    )
    meta = meta_of(jpeg_with(exif=block))
    assert meta.text("IFD0:ImageDescription") == "Hafen im Nebel"
    assert meta.text("IFD0:XPTitle") == "Titel ☀"
    assert meta.text("IFD0:XPComment") == "line 1\nline 2"
    assert meta.text("IFD0:XPSubject") == "Subject"
    assert meta.keywords("IFD0:XPKeywords") == ("a", "b", "c")


def test_exif_invalid_utf16_and_latin1_are_decoded_with_replacement() -> None:
    block = exif_block(description=(2, b"Caf\xe9\0"), xp_title=(1, "odd".encode("utf-16-le") + b"x"))
    meta = meta_of(jpeg_with(exif=block))
    assert meta.text("IFD0:ImageDescription") == "Café"
    assert meta.text("IFD0:XPTitle") == "odd\ufffd"


@pytest.mark.parametrize(
    ("value", "make", "model"),
    [
        (b"OLYMPUS DIGITAL CAMERA         ", b"OLYMPUS IMAGING CORP.", b"E-P3"),
        (b"SAMSUNG", b"SAMSUNG", b"GT-I9000"),
        (b"                               ", b"NIKON", b"E885"),
        (b"000015", b"FUJIFILM", b"DS-7"),
        (b"default", b"Hasselblad", b"L1D-20c"),
        (b"DCIM\\108GOPRO\\GOPR2137.JPG", b"GoPro", b"HERO7"),
        (b"Canon PowerShot S40", b"Canon", b"Canon PowerShot S40"),
    ],
)
def test_camera_placeholders_in_image_description_are_no_description(
    value: bytes, make: bytes, model: bytes
) -> None:
    block = exif_block(description=(2, value + b"\0"), make=(2, make + b"\0"), model=(2, model + b"\0"))
    assert meta_of(jpeg_with(exif=block)).text("IFD0:ImageDescription") is None


def test_dji_windows_fields_are_the_cameras_not_a_persons() -> None:
    block = exif_block(
        make=(2, b"Hasselblad\0"),
        model=(2, b"L1D-20c\0"),
        xp_comment=(1, utf16("0.9.142")),
        xp_keywords=(1, utf16("hdr")),
    )
    meta = meta_of(jpeg_with(exif=block))
    assert (meta.texts, meta.lists) == ((), ())


@pytest.mark.shared
def test_real_camera_placeholders_are_dropped_and_real_captions_kept() -> None:
    def meta(name: str) -> PictureMeta:
        return meta_of(shared_path("photos", "real", name).read_bytes())

    for name in (
        "olympus_pen_e_p3.jpg",  # OLYMPUS DIGITAL CAMERA
        "samsung_galaxy_s_o6.jpg",  # the make
        "polaroid_ion230_futuredate.jpg",  # the make (WWL)
        "fujifilm_ds7_1996.jpg",  # a frame number
        "hasselblad_l1d20c_drone.jpg",  # "default", firmware in XPComment, mode in XPKeywords
        "sony_dsc_hx5v_gps.jpg",  # spaces
    ):
        assert (meta(name).texts, meta(name).lists) == ((), ()), name
    bus = meta("fujifilm_finepix_s2pro_gps.jpg")
    assert choose_text(bus, TITLE_FROM) is not None
    assert bus.text("IFD0:ImageDescription") == "Wilts & Dorset Bus"
    assert bus.keywords("IPTC:Keywords") == ("Wilts & Dorset Bus",)


# --- other containers -------------------------------------------------------------------------------


def test_png_xmp_plain_and_compressed_and_imagemagick_raw_iptc() -> None:
    packet = xmp_packet(description(alt("dc:title", ("x-default", "PNG title"))))
    plain = png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + packet)
    squeezed = png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + zlib.compress(packet))
    records = iim((2, 25, b"raw"), (2, 25, b"profile"))
    hexed = b"\niptc\n" + f"{len(records):8d}\n".encode() + records.hex().encode() + b"\n"
    raw = png_chunk(b"zTXt", b"Raw profile type iptc\0\0" + zlib.compress(hexed))
    for chunk in (plain, squeezed):
        assert meta_of(png_with(chunk)).text("XMP-dc:Title") == "PNG title"
    assert meta_of(png_with(raw)).keywords("IPTC:Keywords") == ("raw", "profile")


def test_png_xmp_that_inflates_too_far_is_refused() -> None:
    bomb = zlib.compress(b" " * (17 * 1024 * 1024), 9)
    meta = meta_of(png_with(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + bomb)))
    assert meta.warnings == ("PNG XML:com.adobe.xmp chunk inflates to more than 16 MB: ignored",)


def test_metadata_comes_from_the_same_read_as_the_content_id() -> None:
    packet = xmp_packet(description(alt("dc:title", ("x-default", "Same read")), bag("dc:subject", "k")))
    data = jpeg_with(app1_xmp(packet), app13(iim((2, 25, b"iptc"))))
    fingerprint, meta = fingerprint_with_metadata(io.BytesIO(data))
    assert fingerprint == fingerprint_bytes(data)
    assert meta == meta_of(data)
    assert meta.text("XMP-dc:Title") == "Same read"
    # editing the metadata leaves the content id alone
    assert fingerprint.content_id == fingerprint_bytes(jpeg_with()).content_id


def test_a_stray_ff00_before_the_metadata_is_walked_past_by_both_reads() -> None:
    """Found by the damaged-file property: a JPEG whose first marker byte became 00 (FF 00, which
    ExifTool hashes as scan data) kept its XMP for the scan's read but lost it for read_metadata."""
    packet = xmp_packet(description(alt("dc:title", ("x-default", "After the stray byte"))))
    data = jpeg_with(segment(0xE0, b"JFIF\0\1\1\0\0\1\0\1\0\0"), app1_xmp(packet))
    damaged = data[:3] + b"\0" + data[4:]
    assert meta_of(damaged).text("XMP-dc:Title") == "After the stray byte"
    assert fingerprint_with_metadata(io.BytesIO(damaged))[1] == meta_of(damaged)


@pytest.mark.parametrize("data", [b"", b"hello, this is text", b"GIF89a" + b"\0" * 20, b"\xff\xd8\xff"])
def test_read_metadata_of_anything_is_empty_never_an_error(data: bytes) -> None:
    meta = meta_of(data)
    assert (meta.texts, meta.lists) == ((), ())


# --- cleaning and hostile values --------------------------------------------------------------------


def test_clean_text_removes_controls_and_keeps_line_breaks_only_where_asked() -> None:
    raw = "  Title\x00\x07 with\ttab\x1b[31m\u2028next\r\nline\x85end  "
    assert clean_text(raw) == "Title with tab[31m next line end"
    assert clean_text(raw, multiline=True) == "Title with tab[31m\nnext\nline\nend"
    assert clean_text("e\u0301") == "é"  # NFC
    assert clean_text("\ufeffBOM") == "BOM"


def test_hostile_values_are_read_whole_and_cut_for_flickr_with_warnings() -> None:
    # C1 controls are valid XML characters (C0 ones are not: a packet with them is not XML)
    long_description = "word " * 2_000 + "\x9b\x85" + "é" * 70_000
    keywords = [f"kw{i}" for i in range(500)]
    packet = xmp_packet(
        description(
            alt("dc:title", ("x-default", "T" * 10_000)),
            alt("dc:description", ("x-default", long_description)),
            bag("dc:subject", *keywords, "flickrsync:imagehash=" + "0" * 64, 'say "cheese"'),
        )
    )
    # in a PNG: a JPEG segment holds at most 64 KB (a JPEG would move the rest to extended XMP)
    meta = meta_of(png_with(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + packet)))
    title = choose_text(meta, TITLE_FROM)
    description_ = choose_text(meta, DESCRIPTION_FROM)
    tags = choose_tags(meta, TAGS_FROM)
    assert title is not None
    assert description_ is not None
    assert tags is not None
    assert len(title[0]) == 10_000
    assert "\x9b" not in description_[0]
    assert "word\né" in description_[0]
    assert len(tags[0]) == 502
    fitted = fit_for_flickr(title[0], description_[0], tags[0])
    assert len(fitted.title) == 255
    assert len(fitted.description.encode()) <= 65_535
    assert fitted.description.endswith("é")  # cut between characters, never inside one
    assert len(fitted.tags) == 74  # one place is flickrsync's content-id tag
    assert not any(t.startswith("flickrsync:") for t in fitted.tags)
    assert fitted.warnings == (
        "title of 10000 characters cut to 255",
        f"description of {len(description_[0].encode())} bytes cut to 65535 (UTF-8)",
        "1 machine tags flickrsync relies on were not taken from the file",
        "501 tags cut to 74 (Flickr takes 75 per photo)",
    )
    assert fit_for_flickr("", "", ['say "cheese"', "New York", "newyork", "NEW-YORK", "—"]).tags == (
        "say cheese",
        "New York",
    )


def test_fit_for_flickr_leaves_values_within_the_limits_alone() -> None:
    fitted = fit_for_flickr("Title", "Line\nline", ["a", "b"], reserved_tags=2)
    assert (fitted.title, fitted.description, fitted.tags, fitted.warnings) == (
        "Title",
        "Line\nline",
        ("a", "b"),
        (),
    )


def test_clean_keywords_drops_empty_and_repeated() -> None:
    assert clean_keywords(["a", " a ", "", "\x00", "b\nc", "A"]) == ("a", "b c", "A")


def test_is_placeholder_keeps_real_descriptions() -> None:
    assert not is_placeholder("Olympus Mons at dawn", camera=["OLYMPUS IMAGING CORP.", "E-P3"])
    assert not is_placeholder("Ankunft", camera=["SAMSUNG", "GT-I9000"])
    assert is_placeholder("olympus digital camera")


# --- choosing and merging ---------------------------------------------------------------------------


def _meta(**kwargs: object) -> PictureMeta:
    return PictureMeta(**kwargs)  # type: ignore[arg-type]


def test_default_orders_prefer_xmp_then_iptc_then_windows() -> None:
    meta = _meta(
        texts=(
            ("IPTC:ObjectName", "iptc title"),
            ("IFD0:XPTitle", "xp title"),
            ("IFD0:ImageDescription", "exif description"),
            ("IFD0:XPComment", "xp comment"),
        ),
        lists=(("IPTC:Keywords", ("i",)), ("IFD0:XPKeywords", ("x",))),
    )
    title = choose_text(meta, TITLE_FROM)
    assert title is not None
    assert (title[0], title[1].source) == ("iptc title", "IPTC:ObjectName")
    described = choose_text(meta, DESCRIPTION_FROM)
    assert described is not None
    assert described[0] == "exif description"
    tags = choose_tags(meta, TAGS_FROM)
    assert tags is not None
    assert tags[0] == ("i",)
    assert choose_text(meta, ("IFD0:XPTitle",)) == ("xp title", Chosen("IFD0:XPTitle", sidecar=False))
    assert choose_text(_meta(), TITLE_FROM) is None


def test_flat_keywords_win_and_hierarchical_leaves_serve_only_without_them() -> None:
    hierarchical = ("Places|France|Paris", "Places|France", "People|Anna", "Paris")
    both = _meta(
        lists=(("XMP-dc:Subject", ("Paris", "France", "Anna")), ("XMP-lr:HierarchicalSubject", hierarchical))
    )
    only_paths = _meta(lists=(("XMP-lr:HierarchicalSubject", hierarchical),))
    chosen = choose_tags(both, TAGS_FROM)
    assert chosen is not None
    assert chosen[0] == ("Paris", "France", "Anna")
    leaves = choose_tags(only_paths, TAGS_FROM)
    assert leaves is not None
    assert (leaves[0], leaves[1].source) == (("Paris", "France", "Anna"), "XMP-lr:HierarchicalSubject")


def test_a_sidecar_wins_over_what_is_embedded_field_by_field() -> None:
    embedded = _meta(
        texts=(("IPTC:ObjectName", "embedded title"), ("IPTC:Caption-Abstract", "embedded caption")),
        lists=(("IPTC:Keywords", ("old",)),),
        warnings=("embedded warning",),
    )
    sidecar = read_sidecar(
        xmp_packet(description(alt("dc:title", ("x-default", "Sidecar title")), bag("dc:subject", "new")))
    )
    assert sidecar.from_sidecar == {"XMP-dc:Title", "XMP-dc:Subject"}
    merged = merge(embedded, sidecar)
    # the order says IPTC first, but the sidecar replaced every embedded title and keyword
    title = choose_text(merged, ("IPTC:ObjectName", "XMP-dc:Title"))
    assert title is not None
    assert (title[0], title[1].sidecar) == ("Sidecar title", True)
    assert choose_tags(merged, ("IPTC:Keywords", "XMP-dc:Subject")) is not None
    assert merged.keywords("IPTC:Keywords") == ()
    # what the sidecar says nothing about stays as embedded
    caption = choose_text(merged, DESCRIPTION_FROM)
    assert caption is not None
    assert (caption[0], caption[1].sidecar) == ("embedded caption", False)
    assert merged.warnings == ("embedded warning",)


def test_a_broken_sidecar_says_so() -> None:
    meta = read_sidecar(b"<x:xmpmeta><not closed")
    assert meta.warnings[0].startswith("XMP sidecar: XMP is")
