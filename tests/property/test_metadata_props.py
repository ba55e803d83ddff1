"""Hostile input never crashes the metadata reader: it only ever returns values and warnings.

Random bytes behind real signatures, random XML, and damaged copies of metadata-rich files (built
here, plus the small real samples) must give a PictureMeta -- never an exception -- quickly; what
the reader returns is always clean; and the scan's same-read path agrees with the reader alone.
"""

from __future__ import annotations

import functools
import io

import pillow_heif
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flickrsync.errors import MediaError
from flickrsync.fingerprint import (
    FlickrText,
    PictureMeta,
    fingerprint_with_metadata,
    fit_for_flickr,
    read_metadata,
    read_sidecar,
)
from flickrsync.fingerprint._meta import MAX_DESCRIPTION_BYTES, MAX_TAG_CHARS, MAX_TITLE_CHARS, MULTILINE
from tests.conftest import SHARED
from tests.fingerprint_samples import photo, save
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
    utf16,
    xmp_packet,
)

FAST = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

_PACKET = xmp_packet(
    description(
        alt("dc:title", ("x-default", "Title ☀"), ("fr", "Titre")),
        alt("dc:description", ("x-default", "Line one\nline two")),
        bag("dc:subject", "a", "b", "c"),
        bag("lr:hierarchicalSubject", "A|B|c"),
    )
)


@functools.cache
def _seeds() -> tuple[bytes, ...]:
    """Metadata-rich files of every container, and the small real samples."""
    records = iim((1, 90, b"\x1b%G"), (2, 5, b"Nom"), (2, 120, b"Caption"), (2, 25, b"kw"))
    exif = exif_block(
        description=(2, b"Description\0"),
        make=(2, b"Make\0"),
        xp_title=(1, utf16("XP title")),
        xp_keywords=(1, utf16("x;y")),
    )
    hexed = b"\niptc\n      20\n" + b"8BIM\x04\x04\0\0".hex().encode() + records.hex().encode() + b"\n"
    image = photo(48, 32, seed=5)
    heic = io.BytesIO()
    pillow_heif.from_pillow(image).save(heic, quality=50, xmp=_PACKET, exif=exif)
    seeds = [
        jpeg_with(app1_xmp(_PACKET), app13(records, name=b"n"), exif=exif),
        png_with(
            png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + _PACKET),
            png_chunk(b"tEXt", b"Raw profile type iptc\0" + hexed),
        ),
        save(image, "WEBP", exif=exif, xmp=_PACKET),
        save(image, "TIFF", tiffinfo={270: "TIFF description", 700: _PACKET}),
        heic.getvalue(),
        _PACKET,
    ]
    folder = SHARED / "photos" / "real"
    if folder.is_dir():
        seeds += [p.read_bytes() for p in sorted(folder.iterdir()) if p.stat().st_size < 60_000]
    return tuple(seeds)


def _check(meta: PictureMeta) -> None:
    for warning in meta.warnings:
        assert warning
        assert "\n" not in warning
    for source, text in meta.texts:
        assert text == text.strip()
        assert text
        allowed = "\n" if source in MULTILINE else ""
        assert all(c >= " " or c in allowed for c in text), (source, text)
    for _source, values in meta.lists:
        assert values
        assert len(set(values)) == len(values)
        assert all(v and v == v.strip() and all(c >= " " for c in v) for v in values)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_seeds())))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        how = draw(st.sampled_from(["cut", "flip", "set", "insert", "delete"]))
        at = draw(st.integers(0, len(data) - 1))
        if how == "cut":
            del data[at:]
        elif how == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "set":
            data[at] = draw(st.sampled_from([0, 0x1C, 0x3C, 0xFF, draw(st.integers(0, 255))]))
        elif how == "insert":
            data[at:at] = draw(st.sampled_from([b"<", b"&", b"\x1c\x02\x19", b"\0\0", b"]]>", b"\xff\xe1"]))
        else:
            del data[at : at + draw(st.integers(1, 8))]
    return bytes(data)


@FAST
@given(damaged())
def test_damaged_files_give_metadata_and_warnings_only(data: bytes) -> None:
    meta = read_metadata(io.BytesIO(data))
    _check(meta)
    try:
        fingerprint_and_meta = fingerprint_with_metadata(io.BytesIO(data))
    except MediaError:
        return
    # the scan's same-read path finds exactly what the reader alone finds
    assert fingerprint_and_meta[1] == meta


@FAST
@given(
    st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\0\x08\0\0\0", b"MM\0*\0\0\0\x08"]),
    st.binary(max_size=2048),
)
def test_random_bytes_behind_a_signature(magic: bytes, rest: bytes) -> None:
    _check(read_metadata(io.BytesIO(magic + rest)))


_XMLISH = st.lists(
    st.sampled_from(
        [
            "<rdf:Description>",
            "</rdf:Description>",
            "<dc:title>",
            "</dc:title>",
            "<rdf:Alt>",
            "<rdf:li xml:lang='x-default'>",
            "</rdf:li>",
            "<dc:subject><rdf:Bag>",
            "&amp;",
            "&#0;",
            "&#x1F600;",
            "<![CDATA[",
            "]]>",
            "<!-- c -->",
            "<?pi x?>",
            "<!DOCTYPE a [<!ENTITY e 'x'>]>",
            "text \u0085\u2028 é",
            "\x00",
            "\ud800",
        ]
    ),
    max_size=30,
).map("".join)


@FAST
@given(_XMLISH, st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_random_xml_in_a_sidecar(body: str, encoding: str) -> None:
    packet = xmp_packet(body, encoding=encoding, errors="surrogatepass" if "utf" in encoding else "replace")
    _check(read_sidecar(packet))


@FAST
@given(st.text(max_size=400), st.text(max_size=3000), st.lists(st.text(max_size=300), max_size=120))
def test_fit_for_flickr_is_within_the_limits_and_stable(title: str, text: str, tags: list[str]) -> None:
    fitted = fit_for_flickr(title, text, tags)
    assert len(fitted.title) <= MAX_TITLE_CHARS
    assert len(fitted.description.encode("utf-8", "surrogatepass")) <= MAX_DESCRIPTION_BYTES
    assert len(fitted.tags) <= 74
    assert all(len(t) <= MAX_TAG_CHARS and '"' not in t for t in fitted.tags)
    again = fit_for_flickr(fitted.title, fitted.description, fitted.tags)
    assert again == FlickrText(fitted.title, fitted.description, fitted.tags)
