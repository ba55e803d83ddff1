"""The user's own lists: what a profile ignores (``flickrsync ignore``), which Flickr photo is
which picture (``flickrsync identify``) and which is not (``flickrsync identify --different``).

Each list lives twice: in the index (``index/choices.py``: the engine and the review page read it
there) and in a text file in the home dir, which a user may edit and which survives deleting the
index:

* ``<home>/ignore-<profile>.txt`` — one entry a line: a path relative to a pictures folder (a
  file, or a folder and everything under it), ``picture:<content id>`` (that picture wherever it
  is), or ``photo:<Flickr photo id>``;
* ``<home>/identify-<profile>.txt`` — ``<Flickr photo id> <content id>`` a line;
* ``<home>/different-<profile>.txt`` — ``<Flickr photo id> <content id>`` a line: pairs that are
  different pictures (the matcher never pairs them).

Lines starting with ``#`` are comments; after a ``picture:``, ``photo:`` or identify entry,
`` # …`` is a note (the path it was made from) that nobody compares. A path is taken whole (a
name may hold a ``#``).

Which wins: **the file**. Every run, and every ``ignore``/``identify`` command, reads the file
first: the index's list becomes what the file says (so a line a user removed is gone, and after
a rebuild the index gets everything back). A file that is missing is written from the index
(deleting it does not lose the list; to empty a list, empty the file). Commands change the
index and rewrite the file at once (atomically, never half-written). A line that cannot be read
is named with its line number and left out; the rest is used.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flickrsync.config import Settings, private_dir, profile_file_part
from flickrsync.errors import ConfigError
from flickrsync.index import Index
from flickrsync.models import ContentId, Distinction, Identification, IgnoreEntry, PhotoId

log = logging.getLogger("flickrsync.userlists")

T = TypeVar("T")

_HEX64 = re.compile(r"[0-9a-f]{64}")
_PHOTO_ID = re.compile(r"[0-9]{1,20}")
#: A note after an entry that is not a path.
_NOTE = re.compile(r"\s+#\s?(.*)$")

IGNORE_HEADER = """\
# flickrsync: what profile [{profile}] never uploads, downloads or tags (`flickrsync ignore`).
# One entry a line; you may edit this file (it wins over the index):
#   a path relative to the pictures folder: a file, or a folder and everything under it
#   picture:<content id>     that picture wherever it is (the path after # is only a note)
#   photo:<Flickr photo id>  that Flickr photo
"""

IDENTIFY_HEADER = """\
# flickrsync: Flickr photos identified by hand for profile [{profile}] (`flickrsync identify`).
# <Flickr photo id> <content id>   (the path after # is only a note); you may edit this file.
"""

DIFFERENT_HEADER = """\
# flickrsync: Flickr photos that are NOT a picture, for profile [{profile}]
# (`flickrsync identify --different`): the matcher never pairs them.
# <Flickr photo id> <content id>   (the path after # is only a note); you may edit this file.
"""


def ignore_file(settings: Settings) -> Path:
    """``<home>/ignore-<profile>.txt``: what the profile ignores (``flickrsync ignore``)."""
    return settings.home / f"ignore-{profile_file_part(settings.profile)}.txt"


def identify_file(settings: Settings) -> Path:
    """``<home>/identify-<profile>.txt``: photos identified by hand (``flickrsync identify``)."""
    return settings.home / f"identify-{profile_file_part(settings.profile)}.txt"


def different_file(settings: Settings) -> Path:
    """``<home>/different-<profile>.txt``: pairs said different (``identify --different``)."""
    return settings.home / f"different-{profile_file_part(settings.profile)}.txt"


# --- the file formats (pure) -----------------------------------------------------------------


def parse_ignore(text: str) -> tuple[list[IgnoreEntry], list[tuple[int, str]]]:
    """Entries of an ignore file, and ``(line number, problem)`` for lines that are not one."""
    entries: list[IgnoreEntry] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _colon, rest = line.partition(":")
        if head in ("picture", "photo") and _colon:
            note_match = _NOTE.search(rest)
            value = (rest[: note_match.start()] if note_match else rest).strip().lower()
            note = note_match.group(1).strip() if note_match else ""
            shape = _HEX64 if head == "picture" else _PHOTO_ID
            if not shape.fullmatch(value):
                what = "a content id (64 hex digits)" if head == "picture" else "a Flickr photo id (digits)"
                problems.append((number, f"{head}: needs {what}, not {value!r}"))
                continue
            entries.append(IgnoreEntry("picture" if head == "picture" else "photo", value, note))
            continue
        path = normal_relpath(line)
        if path is None:
            problems.append((number, f"{line!r} is not a path inside the pictures folder"))
            continue
        entries.append(IgnoreEntry("path", path))
    return entries, problems


def format_ignore(entries: Iterable[IgnoreEntry], profile: str) -> str:
    lines = [IGNORE_HEADER.format(profile=profile)]
    for e in sorted(entries, key=lambda e: (("path", "picture", "photo").index(e.kind), e.value)):
        if e.kind == "path":
            lines.append(f"{e.value}\n")
        else:
            lines.append(f"{e.kind}:{e.value}" + (f"  # {_one_line(e.note)}" if e.note else "") + "\n")
    return "".join(lines)


def parse_identify(text: str) -> tuple[list[Identification], list[tuple[int, str]]]:
    return _parse_pairs(text, Identification)


def parse_different(text: str) -> tuple[list[Distinction], list[tuple[int, str]]]:
    return _parse_pairs(text, Distinction)


def _parse_pairs(
    text: str, make: Callable[[PhotoId, ContentId, str], T]
) -> tuple[list[T], list[tuple[int, str]]]:
    """``<Flickr photo id> <content id>  # note`` lines (identify and different files)."""
    items: list[T] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        note_match = _NOTE.search(line)
        body = line[: note_match.start()] if note_match else line
        note = note_match.group(1).strip() if note_match else ""
        parts = body.split()
        if len(parts) != 2 or not _PHOTO_ID.fullmatch(parts[0]) or not _HEX64.fullmatch(parts[1].lower()):
            problems.append((number, "needs `<Flickr photo id> <content id>`"))
            continue
        items.append(make(PhotoId(parts[0]), ContentId(parts[1].lower()), note))
    return items, problems


def format_identify(items: Iterable[Identification], profile: str) -> str:
    return _format_pairs(IDENTIFY_HEADER.format(profile=profile), items)


def format_different(items: Iterable[Distinction], profile: str) -> str:
    return _format_pairs(DIFFERENT_HEADER.format(profile=profile), items)


def _format_pairs(header: str, items: Iterable[Identification | Distinction]) -> str:
    lines = [header]
    for i in sorted(items, key=lambda i: (len(i.photo_id), i.photo_id, i.content_id)):
        lines.append(f"{i.photo_id} {i.content_id}" + (f"  # {_one_line(i.note)}" if i.note else "") + "\n")
    return "".join(lines)


def normal_relpath(text: str) -> str | None:
    """A relative POSIX path inside a root (``./a//b/`` -> ``a/b``), or None (absolute, ``..``,
    empty)."""
    text = text.strip().replace(os.sep, "/")
    if not text or text.startswith("/") or "\x00" in text:
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- what the lists mean for a run (pure) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choices:
    """A profile's lists as a run uses them."""

    ignored: tuple[IgnoreEntry, ...] = ()
    identified: tuple[Identification, ...] = ()
    different: tuple[Distinction, ...] = ()

    @property
    def pictures(self) -> frozenset[ContentId]:
        return frozenset(ContentId(e.value) for e in self.ignored if e.kind == "picture")

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(e.value for e in self.ignored if e.kind == "path")

    @property
    def photos(self) -> frozenset[PhotoId]:
        return frozenset(PhotoId(e.value) for e in self.ignored if e.kind == "photo")

    @property
    def different_pairs(self) -> frozenset[tuple[PhotoId, ContentId]]:
        """``(photo id, content id)`` of the pairs said different, as the matcher takes them."""
        return frozenset((d.photo_id, d.content_id) for d in self.different)


# --- keeping file and index in step ----------------------------------------------------------


def load(settings: Settings, index: Index) -> Choices:
    """Both lists, with the files brought into the index (the file wins; a missing file is
    written from the index). Bad lines are warned about, one line each, and left out."""
    ignored = _sync(
        ignore_file(settings),
        parse=parse_ignore,
        render=lambda items: format_ignore(items, settings.profile),
        held=index.ignored,
        replace=index.replace_ignored,
        key=_ignore_key,
    )
    identified = _sync(
        identify_file(settings),
        parse=parse_identify,
        render=lambda items: format_identify(items, settings.profile),
        held=index.identified,
        replace=index.replace_identified,
        key=_identify_key,
    )
    different = _sync(
        different_file(settings),
        parse=parse_different,
        render=lambda items: format_different(items, settings.profile),
        held=index.different,
        replace=index.replace_different,
        key=_different_key,
    )
    return Choices(tuple(ignored), tuple(identified), tuple(different))


def _ignore_key(e: IgnoreEntry) -> tuple[str, str, str]:
    return (e.kind, e.value, e.note)


def _identify_key(i: Identification) -> tuple[str, str, str]:
    return (i.photo_id, i.content_id, i.note)


def _different_key(d: Distinction) -> tuple[str, str, str]:
    return (d.photo_id, d.content_id, d.note)


def _sync(
    path: Path,
    *,
    parse: Callable[[str], tuple[list[T], list[tuple[int, str]]]],
    render: Callable[[Sequence[T]], str],
    held: Callable[[], list[T]],
    replace: Callable[[Sequence[T]], None],
    key: Callable[[T], tuple[str, str, str]],
) -> list[T]:
    in_index = held()
    text = _read(path)
    if text is None:
        if in_index:
            _write(path, render(in_index))
        return in_index
    found, problems = parse(text)
    for number, problem in problems:
        log.warning("%s line %d: %s; left out", path, number, problem)
    found = list({key(item)[:2]: item for item in found}.values())
    if sorted(map(key, found)) != sorted(map(key, in_index)):
        replace(found)
        found = held()
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as exc:
        why = exc.strerror or exc
        raise ConfigError(f"{path}: cannot read: {why}", hint="check its permissions") from exc


def _write(path: Path, text: str) -> None:
    private_dir(path.parent)
    write_atomically(path, text)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a crash leaves the old file or the new one): a
    temporary file beside it, synced, then renamed over it. Also the plan file's writer."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


# --- changing the lists (commands, the plan file, the review page) ---------------------------


def add_ignored(settings: Settings, index: Index, entries: Sequence[IgnoreEntry]) -> Choices:
    load(settings, index)
    index.add_ignored(entries)
    _write(ignore_file(settings), format_ignore(index.ignored(), settings.profile))
    return load(settings, index)


def remove_ignored(settings: Settings, index: Index, entries: Sequence[IgnoreEntry]) -> int:
    load(settings, index)
    removed = index.remove_ignored(entries)
    _write(ignore_file(settings), format_ignore(index.ignored(), settings.profile))
    return removed


def add_identified(settings: Settings, index: Index, items: Sequence[Identification]) -> Choices:
    load(settings, index)
    index.add_identified(items)
    _write(identify_file(settings), format_identify(index.identified(), settings.profile))
    return load(settings, index)


def remove_identified(settings: Settings, index: Index, photo_ids: Sequence[PhotoId]) -> int:
    load(settings, index)
    removed = index.remove_identified(photo_ids)
    _write(identify_file(settings), format_identify(index.identified(), settings.profile))
    return removed


def add_different(settings: Settings, index: Index, items: Sequence[Distinction]) -> Choices:
    load(settings, index)
    index.add_different(items)
    _write(different_file(settings), format_different(index.different(), settings.profile))
    return load(settings, index)


def remove_different(settings: Settings, index: Index, pairs: Sequence[tuple[PhotoId, ContentId]]) -> int:
    load(settings, index)
    removed = index.remove_different(pairs)
    _write(different_file(settings), format_different(index.different(), settings.profile))
    return removed
