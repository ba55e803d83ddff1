"""Metadata-rich files built byte by byte for the metadata tests (XMP, IPTC, EXIF text)."""

from __future__ import annotations

import struct
import zlib

from tests.fingerprint_samples import photo, save


def xmp_packet(body: str, *, wrapper: bool = True, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """An XMP packet whose rdf:RDF holds ``body`` (rdf:Description elements)."""
    rdf = (
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
        " xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:lr='http://ns.adobe.com/lightroom/1.0/'"
        f" xmlns:xmpNote='http://ns.adobe.com/xmp/note/'>{body}</rdf:RDF>"
    )
    if not wrapper:
        return rdf.encode(encoding, errors)
    return (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        f"<x:xmpmeta xmlns:x='adobe:ns:meta/'>{rdf}</x:xmpmeta>" + " " * 100 + "<?xpacket end='w'?>"
    ).encode(encoding, errors)


def alt(prop: str, *values: tuple[str, str]) -> str:
    items = "".join(f"<rdf:li xml:lang='{lang}'>{text}</rdf:li>" for lang, text in values)
    return f"<{prop}><rdf:Alt>{items}</rdf:Alt></{prop}>"


def bag(prop: str, *values: str) -> str:
    items = "".join(f"<rdf:li>{v}</rdf:li>" for v in values)
    return f"<{prop}><rdf:Bag>{items}</rdf:Bag></{prop}>"


def description(*props: str, attributes: str = "") -> str:
    return f"<rdf:Description rdf:about=''{attributes}>{''.join(props)}</rdf:Description>"


def segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_with(*segments: bytes, exif: bytes | None = None) -> bytes:
    """A small JPEG with ``segments`` right after its SOI (and ``exif`` as Pillow writes it)."""
    data = save(photo(), "JPEG", exif=exif) if exif is not None else save(photo(), "JPEG")
    return data[:2] + b"".join(segments) + data[2:]


def app1_xmp(packet: bytes) -> bytes:
    return segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + packet)


def iim(*datasets: tuple[int, int, bytes]) -> bytes:
    return b"".join(struct.pack(">BBBH", 0x1C, r, d, len(v)) + v for r, d, v in datasets)


def app13(iptc: bytes, name: bytes = b"") -> bytes:
    pascal = bytes([len(name)]) + name
    pascal += b"\0" * (len(pascal) & 1)
    resource = b"8BIM" + struct.pack(">H", 0x0404) + pascal + struct.pack(">I", len(iptc)) + iptc
    resource += b"\0" * (len(iptc) & 1)
    return segment(0xED, b"Photoshop 3.0\0" + resource)


def exif_block(**tags: tuple[int, bytes]) -> bytes:
    """An APP1 EXIF payload: a little-endian TIFF block whose IFD0 holds the given
    ``{name: (type, raw value)}``."""
    ids = {
        "description": 0x10E,
        "make": 0x10F,
        "model": 0x110,
        "xp_title": 0x9C9B,
        "xp_comment": 0x9C9C,
        "xp_keywords": 0x9C9E,
        "xp_subject": 0x9C9F,
    }
    entries = sorted((ids[name], typ, raw) for name, (typ, raw) in tags.items())
    data_at = 8 + 2 + 12 * len(entries) + 4
    head = bytearray(b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    extra = bytearray()
    for tag, typ, raw in entries:
        if len(raw) <= 4:
            head += struct.pack("<HHI", tag, typ, len(raw)) + raw.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, typ, len(raw), data_at + len(extra))
            extra += raw + b"\0" * (len(raw) & 1)
    return b"Exif\0\0" + bytes(head + b"\0\0\0\0" + extra)


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\0\0"


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with(*chunks: bytes) -> bytes:
    data = save(photo(), "PNG")
    end = data.index(b"IEND") - 4
    return data[:end] + b"".join(chunks) + data[end:]
