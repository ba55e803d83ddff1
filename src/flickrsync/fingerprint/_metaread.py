"""Decoding a picture's title, description and keywords from the blocks the format walks keep.

The container parsers (:mod:`._jpeg`, :mod:`._riff`, :mod:`._bmff`, :mod:`._tiff`) already pass
over every metadata block while they compute the content id; they keep the raw blocks in an
:class:`Embedded`, and :func:`decode` turns them into a :class:`~._meta.PictureMeta`:

* **XMP** (``dc:title``, ``dc:description``, ``dc:subject``, ``lr:hierarchicalSubject``) with
  ``xml.etree`` (expat). A packet with a document type declaration is refused before parsing:
  XMP has no use for one, and entity definitions are how "billion laughs" bombs work. Extended
  XMP (JPEG files over 64 KB of XMP) is joined to the main packet when its GUID matches.
* **IPTC-IIM** (ObjectName 2:05, Caption-Abstract 2:120, Keywords 2:25) from a Photoshop image
  resource block (resource 0x0404) or a TIFF IPTC-NAA tag. The character set of 1:90 is honoured
  (``ESC % G``: UTF-8); without it a value that is valid UTF-8 is taken as UTF-8 (what most tools
  write now), anything else as Windows-1252 (ExifTool's default for IPTC).
* **EXIF** ImageDescription (ASCII, in practice UTF-8) and the Windows XP fields (UTF-16LE);
  values cameras write when nobody described the picture are dropped (:func:`~._meta.is_placeholder`).

Nothing here raises on bad input: what cannot be read becomes a one-line warning, and every text
is decoded with replacement and cleaned (:func:`~._meta.clean_text`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from ._meta import (
    LIST_SOURCES,
    MULTILINE,
    TEXT_SOURCES,
    ListSource,
    PictureMeta,
    TextSource,
    clean_keywords,
    clean_text,
    is_placeholder,
)
from ._tiff import (
    IMAGE_DESCRIPTION,
    IPTC_NAA,
    MAKE,
    MODEL,
    PHOTOSHOP,
    XMP_PACKET,
    XP_COMMENT,
    XP_KEYWORDS,
    XP_SUBJECT,
    XP_TITLE,
    ExifFacts,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


@dataclass(slots=True)
class Embedded:
    """The raw metadata blocks of one file, as the container walk found them."""

    #: XMP packets, the main one first (JPEG APP1, TIFF tag 700, PNG iTXt, WebP ``XMP ``, HEIF item)
    xmp: list[bytes] = field(default_factory=list)
    #: JPEG extended XMP chunks: (GUID, full length, offset, bytes)
    xmp_extension: tuple[tuple[bytes, int, int, bytes], ...] = ()
    #: Photoshop image resource blocks (JPEG APP13)
    photoshop: bytes | None = None
    #: EXIF IFD0 facts, whose ``text`` holds the raw text values (and, in a TIFF file, its XMP,
    #: IPTC-NAA and Photoshop blocks)
    exif: ExifFacts | None = None
    #: PNG text chunks with metadata: (chunk type, body from the keyword on)
    png_text: list[tuple[bytes, bytes]] = field(default_factory=list)


def decode(found: Embedded) -> PictureMeta:
    """Every source's value from the raw blocks, cleaned; problems as warnings."""
    warnings: list[str] = []
    texts: dict[TextSource, str] = {}
    lists: dict[ListSource, tuple[str, ...]] = {}
    exif_blocks = dict(found.exif.text) if found.exif else {}
    packets = list(found.xmp)
    png = dict(_png_text(kind, body, warnings) for kind, body in found.png_text)
    packets += [png[k] for k in ("XML:com.adobe.xmp", "Raw profile type xmp") if png.get(k)]
    if XMP_PACKET in exif_blocks:
        packets.append(exif_blocks[XMP_PACKET])
    for number, packet in enumerate(packets):
        guid = _read_xmp(packet, texts, lists, warnings)
        if number == 0 and guid and found.xmp_extension:
            extended = _extended_xmp(found.xmp_extension, guid, warnings)
            if extended is not None:
                _read_xmp(extended, texts, lists, warnings)
    # IPTC: JPEG APP13; PNG raw profile (a Photoshop block as ExifTool writes it, or bare records
    # as ImageMagick does); TIFF IPTC-NAA tag, else the IPTC inside its Photoshop tag
    iim = _photoshop_resources(found.photoshop).get(0x0404) if found.photoshop else None
    raw_iptc = png.get("Raw profile type iptc")
    if iim is None and raw_iptc:
        iim = raw_iptc if raw_iptc[:1] == b"\x1c" else _photoshop_resources(raw_iptc).get(0x0404)
    if iim is None:
        iim = exif_blocks.get(IPTC_NAA)
    if iim is None and PHOTOSHOP in exif_blocks:
        iim = _photoshop_resources(exif_blocks[PHOTOSHOP]).get(0x0404)
    if iim:
        _read_iptc(iim, texts, lists)
    if exif_blocks:
        _read_exif_text(exif_blocks, texts, lists)
    return PictureMeta(
        texts=tuple((s, texts[s]) for s in TEXT_SOURCES if s in texts),
        lists=tuple((s, lists[s]) for s in LIST_SOURCES if s in lists),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def read_sidecar(data: bytes) -> PictureMeta:
    """The metadata of an ``.xmp`` sidecar file (an XMP packet on its own)."""
    embedded = decode(Embedded(xmp=[data]))
    return PictureMeta(
        texts=embedded.texts,
        lists=embedded.lists,
        from_sidecar=frozenset(embedded.sources),
        warnings=tuple(f"XMP sidecar: {w}" for w in embedded.warnings),
    )


# --- text decoding ---------------------------------------------------------------------------------


def _legacy(raw: bytes) -> str:
    """Bytes in an unknown 8-bit or UTF-8 encoding: UTF-8 when they are valid UTF-8 (Latin-1 text
    with accents practically never is), else Windows-1252, decoded with replacement."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _shown(text: str, limit: int) -> str:
    return text[:limit].encode("unicode_escape").decode("ascii")


# --- XMP -------------------------------------------------------------------------------------------

_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_LR = "{http://ns.adobe.com/lightroom/1.0/}"
_XMP_NOTE = "{http://ns.adobe.com/xmp/note/}HasExtendedXMP"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XMP_TEXT: dict[str, TextSource] = {f"{_DC}title": "XMP-dc:Title", f"{_DC}description": "XMP-dc:Description"}
_XMP_LISTS: dict[str, ListSource] = {
    f"{_DC}subject": "XMP-dc:Subject",
    f"{_LR}hierarchicalSubject": "XMP-lr:HierarchicalSubject",
}
_PACKET_ENDS = (b"</x:xmpmeta>", b"</x:xapmeta>", b"</rdf:RDF>")
_MAX_INFLATED = 16 * 1024 * 1024


def _read_xmp(
    packet: bytes,
    texts: dict[TextSource, str],
    lists: dict[ListSource, tuple[str, ...]],
    warnings: list[str],
) -> str | None:
    """Add the packet's values (where no earlier packet gave one); return its extended-XMP GUID."""
    root = _parse_xmp(packet, warnings)
    if root is None:
        return None
    guid = None
    for description in root.iter(f"{_RDF}Description"):
        guid = guid or description.get(_XMP_NOTE)
        for name, source in _XMP_TEXT.items():
            value = description.get(name)
            if (
                source not in texts
                and value
                and (cleaned := clean_text(value, multiline=source in MULTILINE))
            ):
                texts[source] = cleaned
        for child in description:
            if child.tag == _XMP_NOTE:
                guid = guid or (child.text or "").strip()
            elif child.tag in _XMP_TEXT and (source := _XMP_TEXT[child.tag]) not in texts:
                value = _alt_value(child)
                cleaned = clean_text(value, multiline=source in MULTILINE) if value is not None else ""
                if cleaned:
                    texts[source] = cleaned
            elif child.tag in _XMP_LISTS and _XMP_LISTS[child.tag] not in lists:
                values = clean_keywords(text for _, text in _items(child))
                if values:
                    lists[_XMP_LISTS[child.tag]] = values
    return guid


def _parse_xmp(packet: bytes, warnings: list[str]) -> Element | None:
    # imported on first use: most camera files have no XMP, and a plain scan's workers should
    # not pay for the import (~10 ms)
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    plain = packet.replace(b"\0", b"")  # finds the markup in UTF-16/32 packets too
    if b"<!DOCTYPE" in plain or b"<!ENTITY" in plain:
        warnings.append("XMP with a document type declaration (entity definitions): ignored")
        return None
    data = packet.strip(b"\0 \t\r\n")
    if data.startswith(b"<"):
        # keep the packet only: writers pad it and some leave bytes after it
        end = data.rfind(b"<?xpacket end")
        if end >= 0 and data.find(b"?>", end) >= 0:
            data = data[: data.find(b"?>", end) + 2]
        else:
            for marker in _PACKET_ENDS:
                end = data.rfind(marker)
                if end >= 0:
                    data = data[: end + len(marker)]
                    break
    if not data.strip():
        return None
    try:
        return ET.fromstring(data)  # noqa: S314 - DTDs refused above; expat limits amplification
    except ET.ParseError:
        pass
    # again incrementally, so that a packet damaged or cut off part way (zeros over its end, as
    # in a real Canon file) still gives the properties before the damage, as ExifTool does
    parser: ET.XMLPullParser[Element] = ET.XMLPullParser(events=("start",))
    root: Element | None = None
    try:
        parser.feed(data)
        # with only "start" events asked for, every event is ("start", element)
        for _start, element in cast("Iterator[tuple[str, Element]]", parser.read_events()):
            root = element if root is None else root
        parser.close()
    except ET.ParseError as exc:
        what = "is not XML" if root is None else "is damaged or cut off"
        warnings.append(
            f"XMP {what} ({_shown(str(exc), 80)}): {'ignored' if root is None else 'read up to there'}"
        )
    return root


def _items(element: Element) -> Iterator[tuple[str | None, str]]:
    """(language, text) of each ``rdf:li`` of the ``rdf:Alt``/``Bag``/``Seq`` in ``element``; a
    property written as plain text is one item."""
    container = next((c for c in element if c.tag in (f"{_RDF}Alt", f"{_RDF}Bag", f"{_RDF}Seq")), None)
    if container is None:
        yield None, "".join(element.itertext())
        return
    for item in container:
        if item.tag == f"{_RDF}li":
            yield item.get(_LANG), "".join(item.itertext())


def _alt_value(element: Element) -> str | None:
    """A language alternative's ``x-default`` value, else its first one (XMP Part 1, 8.2.2.4)."""
    first = None
    for lang, text in _items(element):
        if lang == "x-default":
            return text
        if first is None:
            first = text
    return first


def _extended_xmp(
    chunks: tuple[tuple[bytes, int, int, bytes], ...], guid: str, warnings: list[str]
) -> bytes | None:
    """The extended XMP packet whose GUID the main packet names, joined from its chunks."""
    wanted = guid.encode("ascii", "replace")
    parts = sorted((offset, data) for g, _full, offset, data in chunks if g == wanted)
    full = next((f for g, f, _o, _d in chunks if g == wanted), 0)
    joined = bytearray()
    for offset, data in parts:
        if offset != len(joined):
            break
        joined += data
    if not parts or len(joined) != full:
        warnings.append("extended XMP is incomplete: ignored")
        return None
    return bytes(joined)


def _png_text(kind: bytes, body: bytes, warnings: list[str]) -> tuple[str, bytes]:
    """(keyword, data) of a PNG text chunk (PNG 1.2, 4.2.3): ``tEXt`` keyword and text; ``zTXt``
    keyword, method and compressed text; ``iTXt`` keyword, flag, method, language, translated
    keyword and text. ``Raw profile type ...`` texts (ImageMagick's convention) are a name, a
    length and the data in hexadecimal, one per line."""
    keyword, _, rest = body.partition(b"\0")
    name = keyword.decode("latin-1")
    compressed = kind == b"zTXt"
    if kind == b"zTXt":
        rest = rest[1:]
    elif kind == b"iTXt":
        compressed = rest[:1] == b"\1"
        parts = rest[2:].split(b"\0", 2)
        rest = parts[2] if len(parts) == 3 else b""
    if compressed:
        inflater = zlib.decompressobj()
        try:
            rest = inflater.decompress(rest, _MAX_INFLATED)
        except zlib.error:
            warnings.append(f"PNG {name} chunk does not decompress: ignored")
            return name, b""
        if inflater.unconsumed_tail:
            warnings.append(f"PNG {name} chunk inflates to more than 16 MB: ignored")
            return name, b""
    if name.startswith("Raw profile type "):
        lines = rest.split(b"\n", 3)  # "", the profile name, the length, the hex digits
        try:
            rest = bytes.fromhex((lines[3] if len(lines) == 4 else b"").decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            warnings.append(f"PNG {name} chunk is not hexadecimal: ignored")
            return name, b""
    return name, rest


# --- IPTC-IIM --------------------------------------------------------------------------------------

_IRB_SIGNATURES = (b"8BIM", b"PHUT", b"AgHg", b"DCSR", b"MeSa")
_UTF8_ESCAPE = b"\x1b%G"


def _photoshop_resources(blob: bytes) -> dict[int, bytes]:
    """Photoshop image resource blocks by resource ID (the first of each): signature, ID, a
    Pascal name padded to even length, a 4-byte size, the data padded to even length."""
    found: dict[int, bytes] = {}
    pos = 0
    while pos + 12 <= len(blob) and blob[pos : pos + 4] in _IRB_SIGNATURES:
        resource = int.from_bytes(blob[pos + 4 : pos + 6], "big")
        name = blob[pos + 6]
        at = pos + 6 + ((name + 2) & ~1)
        if at + 4 > len(blob):
            break
        size = int.from_bytes(blob[at : at + 4], "big")
        found.setdefault(resource, blob[at + 4 : at + 4 + size])
        pos = at + 4 + size + (size & 1)
    return found


def _iim_records(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(record, dataset, value) of the IIM data sets in ``data`` (IPTC-IIM 4.2, section 1.5)."""
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 0x1C:
        record, dataset = data[pos + 1], data[pos + 2]
        length = int.from_bytes(data[pos + 3 : pos + 5], "big")
        pos += 5
        if length & 0x8000:  # extended data set: the low bits count the bytes of the length
            count = length & 0x7FFF
            if count > 4 or pos + count > len(data):
                return
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        yield record, dataset, data[pos : pos + length]
        pos += length


def _read_iptc(data: bytes, texts: dict[TextSource, str], lists: dict[ListSource, tuple[str, ...]]) -> None:
    utf8 = False
    name = caption = None
    keywords = []
    for record, dataset, value in _iim_records(data):
        if (record, dataset) == (1, 90):
            utf8 = value.startswith(_UTF8_ESCAPE)
        elif record == 2 and dataset == 5 and name is None:
            name = value
        elif record == 2 and dataset == 120 and caption is None:
            caption = value
        elif record == 2 and dataset == 25:
            keywords.append(value)

    def text(raw: bytes) -> str:
        return raw.decode("utf-8", "replace") if utf8 else _legacy(raw)

    if name is not None and (cleaned := clean_text(text(name))):
        texts["IPTC:ObjectName"] = cleaned
    if caption is not None and (cleaned := clean_text(text(caption), multiline=True)):  # a description
        texts["IPTC:Caption-Abstract"] = cleaned
    if keywords and (values := clean_keywords(text(k) for k in keywords)):
        lists["IPTC:Keywords"] = values


# --- EXIF ------------------------------------------------------------------------------------------

_EXIF_TEXT: dict[int, TextSource] = {
    IMAGE_DESCRIPTION: "IFD0:ImageDescription",
    XP_TITLE: "IFD0:XPTitle",
    XP_COMMENT: "IFD0:XPComment",
    XP_SUBJECT: "IFD0:XPSubject",
}
_UTF16 = frozenset({XP_TITLE, XP_COMMENT, XP_KEYWORDS, XP_SUBJECT})
#: Cameras whose Windows XP fields are the camera's, not a person's: DJI drones write their
#: firmware version into XPComment and the shooting mode (``hdr``, ``Single``) into XPKeywords.
_CAMERA_XP = ("dji", "hasselblad l1d", "hasselblad l2d")


def _read_exif_text(
    blocks: dict[int, bytes], texts: dict[TextSource, str], lists: dict[ListSource, tuple[str, ...]]
) -> None:
    def value(tag: int) -> str:
        raw = blocks.get(tag, b"")
        if tag in _UTF16:
            return raw.decode("utf-16-le", "replace").split("\0", 1)[0]
        return _legacy(raw.split(b"\0", 1)[0])

    camera = [clean_text(value(MAKE)), clean_text(value(MODEL))]
    camera_xp = f"{camera[0]} {camera[1]}".casefold().startswith(_CAMERA_XP)
    for tag, source in _EXIF_TEXT.items():
        if tag not in blocks or (tag in _UTF16 and camera_xp):
            continue
        cleaned = clean_text(value(tag), multiline=source in MULTILINE)
        # what a camera writes when nobody described the picture; the XP fields are a person's
        if cleaned and not (tag == IMAGE_DESCRIPTION and is_placeholder(cleaned, camera=camera)):
            texts[source] = cleaned
    if XP_KEYWORDS in blocks and not camera_xp and (values := clean_keywords(value(XP_KEYWORDS).split(";"))):
        lists["IFD0:XPKeywords"] = values
