"""Flickr's tag syntax (REFERENCE §5.6, §5.7): a raw tags string split into tags and written
back, the clean form Flickr keeps of a tag, and what a machine tag looks like.

Pure functions of strings: which tags an upload carries is the planner's decision
(:func:`flickrsync.planner.upload_tags`), our own machine tag is :func:`flickrsync.models.content_tag`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: ``namespace:predicate=value`` with Flickr's rules for namespace and predicate (REFERENCE §5.7).
MACHINE_TAG = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*=.+$", re.IGNORECASE)


def parse_tags(raw: str) -> tuple[str, ...]:
    """Split a Flickr tags string (``holiday "new york"``) into tags, as Flickr does.

    Tags are separated by white space; a double-quoted tag may contain spaces. An unterminated
    quote runs to the end. Empty tags are dropped. https://www.flickr.com/services/api/upload.api.html
    """
    tags: list[str] = []
    current: list[str] = []
    quoted = False
    for char in raw:
        if char == '"':
            if quoted or current:
                tags.append("".join(current))
                current = []
            quoted = not quoted
        elif char.isspace() and not quoted:
            if current:
                tags.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tags.append("".join(current))
    return tuple(tag.strip() for tag in tags if tag.strip())


def format_tags(tags: Iterable[str]) -> str:
    """The raw tags string Flickr expects (REFERENCE §5.6): tags with white space are double-quoted.

    A double quote cannot be expressed inside a Flickr tag, so it is dropped; white space inside
    a tag is collapsed to one space; empty tags are dropped. ``parse_tags(format_tags(t))`` gives
    ``t`` back for such tags. Only renders: which tags an upload carries is the planner's decision.
    """
    parts: list[str] = []
    for tag in tags:
        clean = " ".join(tag.replace('"', "").split())
        if not clean:
            continue
        parts.append(f'"{clean}"' if " " in clean else clean)
    return " ".join(parts)


def clean_tag(raw: str) -> str:
    """The clean form Flickr keeps of a raw tag (what the ``tags`` extra lists; REFERENCE §5.6):
    lower-cased, everything but letters and digits removed; of a machine tag only the value is
    cleaned (``ns:Pred=New York`` -> ``ns:pred=newyork``). May be ``""`` (Flickr drops such tags)."""
    text = raw.strip()
    if MACHINE_TAG.match(text):
        head, value = text.split("=", 1)
        if cleaned := _letters_and_digits(value):
            return f"{head.lower()}={cleaned}"
    return _letters_and_digits(text)


#: In ASCII, the letters and digits are exactly these (Unicode categories L and N).
_NOT_ASCII_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")


def _letters_and_digits(text: str) -> str:
    lowered = text.lower()
    if lowered.isascii():  # most tags: one regex rather than a category look-up per character
        return _NOT_ASCII_LETTER_OR_DIGIT.sub("", lowered)
    return "".join(c for c in lowered if unicodedata.category(c)[0] in ("L", "N"))
