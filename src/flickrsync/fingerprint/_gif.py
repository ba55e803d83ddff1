"""GIF: whether the file holds the whole picture (its blocks up to the trailer).

A GIF is a header, a logical screen descriptor (and global colour table), then blocks: image
descriptors (``0x2C``: a local colour table, the LZW code size and data sub-blocks), extensions
(``0x21``: a label and sub-blocks) and the trailer ``0x3B`` (GIF89a specification, sections 17-27).
A file that ends before its trailer is cut off; bytes after the trailer are not part of the
picture. The content id of a GIF is the hash of the whole file, so nothing is hashed here.
"""

from __future__ import annotations

from ._source import Source

_IMAGE, _EXTENSION, _TRAILER = 0x2C, 0x21, 0x3B
#: Reads per sub-block walk: sub-blocks are at most 255 bytes, so read a window and step inside it.
_WINDOW = 64 * 1024


def gif_end(src: Source) -> int | None:
    """Offset just after the trailer of the GIF in ``src``, or None when the file ends first.

    A block that is neither an image, an extension nor the trailer stops the walk: the file is
    damaged there, which is not the same as cut off, so the offset reached is returned.
    """
    head = src.read(0, 13)
    if len(head) < 13:
        return None
    pos = 13
    if head[10] & 0x80:
        pos += 3 << ((head[10] & 7) + 1)
    while True:
        kind = src.read(pos, 1)
        if not kind:
            return None
        if kind[0] == _TRAILER:
            return pos + 1
        if kind[0] == _IMAGE:
            descriptor = src.read(pos + 1, 9)
            if len(descriptor) < 9:
                return None
            pos += 10
            if descriptor[8] & 0x80:
                pos += 3 << ((descriptor[8] & 7) + 1)
            pos += 1  # LZW minimum code size
        elif kind[0] == _EXTENSION:
            pos += 2  # introducer and label
        else:
            return pos
        end = _skip_sub_blocks(src, pos)
        if end is None:
            return None
        pos = end


def _skip_sub_blocks(src: Source, pos: int) -> int | None:
    """Offset after the block terminator of the sub-blocks at ``pos``, or None at end of file."""
    while True:
        window = src.read(pos, _WINDOW)
        at = 0
        while at < len(window):
            size = window[at]
            if size == 0:
                return pos + at + 1
            at += size + 1
        if len(window) < _WINDOW:
            return None
        pos += at
