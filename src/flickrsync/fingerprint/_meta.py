"""A picture's own title, description and keywords, as read from the file (issue 12 point 1).

Pure data and pure rules; the readers live in :mod:`._metaread`. Every source keeps its own value
(named as ``exiftool -G1`` names the tag, so a user can check any value with exiftool), so that a
later rule -- the configurable ``title_from``/``description_from``/``tags_from`` -- can choose:

* :func:`choose_text` and :func:`choose_tags` apply an order of sources (defaults
  :data:`TITLE_FROM`, :data:`DESCRIPTION_FROM`, :data:`TAGS_FROM`); the first source with a value
  wins. Hierarchical keywords (Lightroom's ``A|B|C``) count as their last level.
* :func:`merge` combines what is embedded with an ``.xmp`` sidecar: the sidecar wins.
* :func:`clean_text` and :func:`clean_keywords` are the one place where text from a file is made
  safe (decoding errors already replaced, control characters removed, NFC).
* :func:`is_placeholder` recognises what cameras write into descriptions when nobody described
  anything ("OLYMPUS DIGITAL CAMERA", the make, spaces).
* :func:`fit_for_flickr` cuts a title, description and tags to what Flickr takes, with warnings.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from flickrsync.models import MACHINE_TAG_NAMESPACE

#: Sources of one piece of text (a title or a description), named as ``exiftool -G1`` names them.
TextSource = Literal[
    "XMP-dc:Title",
    "XMP-dc:Description",
    "IPTC:ObjectName",
    "IPTC:Caption-Abstract",
    "IFD0:ImageDescription",
    "IFD0:XPTitle",
    "IFD0:XPComment",
    "IFD0:XPSubject",
]
#: Sources of keywords (lists).
ListSource = Literal["XMP-dc:Subject", "XMP-lr:HierarchicalSubject", "IPTC:Keywords", "IFD0:XPKeywords"]
MetaSource = TextSource | ListSource
TEXT_SOURCES: tuple[TextSource, ...] = get_args(TextSource)
LIST_SOURCES: tuple[ListSource, ...] = get_args(ListSource)

#: Default order for the title: XMP, then IPTC, then Windows. The planner falls back to the file
#: name (flickrsync 0.1.1's rule) when none has a value.
TITLE_FROM: tuple[TextSource, ...] = ("XMP-dc:Title", "IPTC:ObjectName", "IFD0:XPTitle")
#: Default order for the description. EXIF ImageDescription is what most cameras and many older
#: tools write; the Windows fields come last.
DESCRIPTION_FROM: tuple[TextSource, ...] = (
    "XMP-dc:Description",
    "IPTC:Caption-Abstract",
    "IFD0:ImageDescription",
    "IFD0:XPComment",
    "IFD0:XPSubject",
)
#: Default order for tags. ``dc:subject`` holds every keyword Lightroom, digiKam, darktable and
#: Bridge assign (the leaves of hierarchical ones included), so it comes first and alone; the
#: leaves of ``lr:hierarchicalSubject`` serve only when a tool wrote no flat keywords.
TAGS_FROM: tuple[ListSource, ...] = (
    "XMP-dc:Subject",
    "XMP-lr:HierarchicalSubject",
    "IPTC:Keywords",
    "IFD0:XPKeywords",
)

#: Sources whose text keeps its line breaks (descriptions); the others are one line.
MULTILINE: frozenset[TextSource] = frozenset(
    {"XMP-dc:Description", "IPTC:Caption-Abstract", "IFD0:ImageDescription", "IFD0:XPComment"}
)

#: The three things a source can describe; a sidecar that says anything about one replaces
#: everything embedded about it (see :func:`merge`).
_FIELDS: tuple[frozenset[MetaSource], ...] = (
    frozenset({"XMP-dc:Title", "IPTC:ObjectName", "IFD0:XPTitle"}),
    frozenset(DESCRIPTION_FROM),
    frozenset(LIST_SOURCES),
)

#: Keywords kept per source; beyond this a file is hostile (Flickr takes 75 tags in all).
MAX_KEYWORDS = 10_000


@dataclass(frozen=True, slots=True)
class PictureMeta:
    """Title, description and keywords a picture carries, per source, already cleaned
    (:func:`clean_text`, :func:`clean_keywords`): only sources with a value appear."""

    texts: tuple[tuple[TextSource, str], ...] = ()
    lists: tuple[tuple[ListSource, tuple[str, ...]], ...] = ()
    #: Sources whose value came from an ``.xmp`` sidecar rather than the file itself.
    from_sidecar: frozenset[MetaSource] = frozenset()
    #: One line each: what could not be read, and why (never file contents beyond a short quote).
    warnings: tuple[str, ...] = ()

    def text(self, source: TextSource) -> str | None:
        return next((value for name, value in self.texts if name == source), None)

    def keywords(self, source: ListSource) -> tuple[str, ...]:
        return next((value for name, value in self.lists if name == source), ())

    @property
    def sources(self) -> tuple[MetaSource, ...]:
        return (*(name for name, _ in self.texts), *(name for name, _ in self.lists))


@dataclass(frozen=True, slots=True)
class Chosen:
    """What :func:`choose_text` or :func:`choose_tags` picked, and where it came from."""

    source: MetaSource
    sidecar: bool


def choose_text(meta: PictureMeta, order: Sequence[TextSource]) -> tuple[str, Chosen] | None:
    """The value of the first source in ``order`` that has one (a title or a description)."""
    for source in order:
        value = meta.text(source)
        if value:
            return value, Chosen(source, source in meta.from_sidecar)
    return None


def choose_tags(meta: PictureMeta, order: Sequence[ListSource]) -> tuple[tuple[str, ...], Chosen] | None:
    """The keywords of the first source in ``order`` that has any. Hierarchical keywords
    (``Places|France|Paris``) give their last level (``Paris``), once each."""
    for source in order:
        values = meta.keywords(source)
        if source == "XMP-lr:HierarchicalSubject":
            values = clean_keywords(v.rsplit("|", 1)[-1] for v in values)
        if values:
            return values, Chosen(source, source in meta.from_sidecar)
    return None


def merge(embedded: PictureMeta, sidecar: PictureMeta) -> PictureMeta:
    """The metadata of a picture with an ``.xmp`` sidecar. For each of title, description and
    keywords, a sidecar that has any value replaces every embedded source of it: the sidecar is
    what a photo manager (Lightroom, darktable, digiKam) keeps current, while embedded values of a
    raw file are the camera's."""
    texts: list[tuple[TextSource, str]] = []
    lists: list[tuple[ListSource, tuple[str, ...]]] = []
    from_sidecar: set[MetaSource] = set()
    for sources in _FIELDS:
        side = [s for s in sidecar.sources if s in sources]
        chosen = sidecar if side else embedded
        texts += [(s, v) for s, v in chosen.texts if s in sources]
        lists += [(s, v) for s, v in chosen.lists if s in sources]
        from_sidecar.update(side)
    return PictureMeta(
        texts=tuple(sorted(texts, key=lambda item: TEXT_SOURCES.index(item[0]))),
        lists=tuple(sorted(lists, key=lambda item: LIST_SOURCES.index(item[0]))),
        from_sidecar=frozenset(from_sidecar),
        warnings=(*embedded.warnings, *sidecar.warnings),
    )


#: A picture's metadata when it carries none (the record is immutable: one serves all).
_NOTHING = PictureMeta()

#: :func:`meta_to_json`'s encoder, made once (``json.dumps`` with options makes one per call,
#: which cost more than encoding a picture's usual, empty, document).
_TO_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def meta_to_json(meta: PictureMeta) -> str:
    """``meta`` as compact JSON, as the index keeps it (:func:`meta_from_json` reads it back)."""
    doc: dict[str, object] = {}
    if meta.texts:
        doc["t"] = [list(item) for item in meta.texts]
    if meta.lists:
        doc["l"] = [[source, list(values)] for source, values in meta.lists]
    if meta.from_sidecar:
        doc["s"] = sorted(meta.from_sidecar)
    if meta.warnings:
        doc["w"] = list(meta.warnings)
    return _TO_JSON(doc) if doc else "{}"  # most pictures carry none of it


def meta_from_json(text: str) -> PictureMeta:
    """What :func:`meta_to_json` wrote; sources this version does not know are left out, and
    text that is not such a document gives an empty record with a warning."""
    if text == "{}":  # most pictures (what meta_to_json writes for them)
        return _NOTHING
    try:
        doc = json.loads(text)
        texts = tuple((s, str(v)) for s, v in doc.get("t", ()) if s in TEXT_SOURCES)
        lists = tuple((s, tuple(map(str, v))) for s, v in doc.get("l", ()) if s in LIST_SOURCES)
        sidecar = frozenset(s for s in doc.get("s", ()) if s in TEXT_SOURCES or s in LIST_SOURCES)
        warnings = tuple(map(str, doc.get("w", ())))
    except (ValueError, TypeError, AttributeError):
        return PictureMeta(warnings=("the metadata kept in the index could not be read",))
    return PictureMeta(texts, lists, sidecar, warnings)


# --- cleaning ------------------------------------------------------------------------------------

#: C0/C1 control characters except tab, newline and carriage return (handled on their own),
#: and the byte order mark some tools leave at the start of a value.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")
#: Line breaks: CR LF, CR, NEL and the Unicode line and paragraph separators.
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x85]")
_BLANKS = re.compile(r"[ \t]+")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Text from a file made safe to show and send: NFC, control characters removed, tabs as
    spaces, surrounding white space trimmed. ``multiline`` keeps line breaks (as ``\\n``: for a
    description); otherwise a line break becomes a space."""
    if value.isascii() and value.isprintable() and (multiline or "  " not in value):
        return value.strip()  # the common case, nothing to remove (same result, 10x faster)
    value = _NEWLINES.sub("\n", value)
    value = _CONTROL.sub("", value).replace("\t", " ")
    if multiline:
        lines = [line.rstrip() for line in value.split("\n")]
        value = "\n".join(lines)
    else:
        value = _BLANKS.sub(" ", value.replace("\n", " "))
    return unicodedata.normalize("NFC", value.strip())


def clean_keywords(values: Iterable[str]) -> tuple[str, ...]:
    """Keywords cleaned as one-line text, without empty ones and repeats, in their order."""
    seen: dict[str, None] = {}
    for value in values:
        cleaned = clean_text(value)
        if cleaned:
            seen.setdefault(cleaned, None)
        if len(seen) >= MAX_KEYWORDS:
            break
    return tuple(seen)


#: What cameras and phone apps write into ImageDescription (and similar fields) when nobody
#: described the picture. From the real samples (Olympus, a DJI/Hasselblad drone) and the lists
#: photo managers keep (gThumb, PhotoPrism, KPhotoAlbum); compared without case.
_PLACEHOLDERS = frozenset(
    s.casefold()
    for s in (
        "OLYMPUS DIGITAL CAMERA",
        "SONY DSC",
        "KONICA MINOLTA DIGITAL CAMERA",
        "MINOLTA DIGITAL CAMERA",
        "SAMSUNG CAMERA PICTURES",
        "<Digimax i5, Samsung #1>",
        "default",  # DJI drones
        "Exif_JPEG_PICTURE",
        "binary comment",
        "Created by Imlib",
        "charset=Ascii",
        "Scanner",  # Kodak Slide N Scan
        # shooting-mode codes Huawei phones write
        *("rhdr", "hdrpl", "fbt", "rbt", "ptr", "btr", "btf", "btfhdr", "btfmdn", "mon", "nor"),
        *("dav", "mde", "mde_soft", "edf", "frem", "oznor", "oznorWO", "rpt", "burst", "sdr_HDRB"),
        *("fbthdr", "frontbhdp", "cof", "qrf", "fshbty"),
    )
)
_DCIM_PATH = re.compile(r"(?i)\\?DCIM\\\S*")


def is_placeholder(value: str, *, camera: Iterable[str] = ()) -> bool:
    """Whether a camera-written text (EXIF ImageDescription, the Windows XP fields) says nothing
    a person wrote: empty or blank, no letter at all (``000015``, ``0.9.142``), a known camera
    placeholder, the camera's make or model (``SAMSUNG``), or a DCIM path (GoPro)."""
    folded = " ".join(value.split()).casefold()
    if not folded or not any(c.isalpha() for c in folded):
        return True
    if folded in _PLACEHOLDERS or _DCIM_PATH.fullmatch(folded):
        return True
    names = {" ".join(c.split()).casefold() for c in camera if c.strip()}
    return folded in names or folded in {f"{a} {b}" for a in names for b in names if a != b}


# --- Flickr's limits -----------------------------------------------------------------------------

#: Tags per photo (Flickr's "Official contact and tag limit changes", January 2007; API error 2
#: "Maximum number of tags reached"). flickrsync's content-id machine tag is one of them.
FLICKR_MAX_TAGS = 75
#: Undocumented by Flickr; flickrsync's choices (docs/flickr-quirks.md): a title as long as a set
#: title we create, a description the size of a database TEXT column, a tag as long as a title.
MAX_TITLE_CHARS = 255
MAX_DESCRIPTION_BYTES = 65_535
MAX_TAG_CHARS = 255
#: Machine-tag namespaces whose tags the matcher trusts as evidence: a keyword in a file must
#: never become one (a forged ``flickrsync:imagehash=`` would link the wrong photo).
_TRUSTED_NAMESPACES = (f"{MACHINE_TAG_NAMESPACE}:", "checksum:")


@dataclass(frozen=True, slots=True)
class FlickrText:
    """A title, description and tags cut to what Flickr takes."""

    title: str
    description: str
    tags: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())


def fit_for_flickr(
    title: str, description: str, tags: Sequence[str], *, reserved_tags: int = 1
) -> FlickrText:
    """Cut ``title``, ``description`` and ``tags`` (already cleaned) to Flickr's limits, with
    one warning per cut. ``reserved_tags`` are the tags flickrsync adds itself (its content-id
    machine tag). Tags in the namespaces the matcher trusts are dropped; double quotes, which
    Flickr's tag syntax cannot carry inside a tag, are removed; of tags Flickr would take for one
    (``New York``, ``newyork``) the first is kept, and tags without a letter or digit are not sent."""
    warnings = []
    if len(title) > MAX_TITLE_CHARS:
        warnings.append(f"title of {len(title)} characters cut to {MAX_TITLE_CHARS}")
        title = title[:MAX_TITLE_CHARS].rstrip()
    encoded = description.encode("utf-8")
    if len(encoded) > MAX_DESCRIPTION_BYTES:
        cut = encoded[:MAX_DESCRIPTION_BYTES].decode("utf-8", "ignore").rstrip()
        warnings.append(f"description of {len(encoded)} bytes cut to {MAX_DESCRIPTION_BYTES} (UTF-8)")
        description = cut
    kept: dict[str, str] = {}  # Flickr's clean form -> the first raw tag with it
    dropped = []
    for tag in tags:
        value = tag.replace('"', "").strip()
        if value.casefold().startswith(_TRUSTED_NAMESPACES):
            dropped.append(value)
            continue
        if len(value) > MAX_TAG_CHARS:
            warnings.append(f"tag of {len(value)} characters cut to {MAX_TAG_CHARS}")
            value = value[:MAX_TAG_CHARS].rstrip()
        # Flickr keeps one tag per clean form (lower case, letters and digits: REFERENCE §5.6),
        # and a tag with no letter or digit has none
        clean = "".join(c for c in value.casefold() if c.isalnum())
        if clean:
            kept.setdefault(clean, value)
    if dropped:
        warnings.append(f"{len(dropped)} machine tags flickrsync relies on were not taken from the file")
    room = max(FLICKR_MAX_TAGS - reserved_tags, 0)
    if len(kept) > room:
        warnings.append(f"{len(kept)} tags cut to {room} (Flickr takes {FLICKR_MAX_TAGS} per photo)")
    return FlickrText(title, description, tuple(kept.values())[:room], tuple(warnings))
