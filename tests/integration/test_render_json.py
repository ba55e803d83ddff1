"""``--json`` documents: :func:`flickrsync.cli.render.to_json`, which decides how to turn a value
once per type, gives what the generic walk it replaced gave, key for key and in order."""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from flickrsync.cli.render import to_json
from flickrsync.models import (
    AddTags,
    ContentId,
    CreateSet,
    Download,
    EditSetPhotos,
    FailedItem,
    FileStat,
    Fingerprint,
    LocalFile,
    LocalPath,
    PhotoId,
    PhotosetId,
    PlanSummary,
    Replace,
    Resize,
    Upload,
    UploadOptions,
)


def reference(value: object) -> Any:
    """The generic walk ``to_json`` was until it kept a converter per type (flickrsync 0.9)."""
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, LocalPath):
        return {"path": os.path.join(value.root, value.relpath), "root": value.root, "relpath": value.relpath}
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for name in (f.name for f in fields(value)):
            item = getattr(value, name)
            if isinstance(item, LocalPath):
                full = os.path.join(item.root, item.relpath)
                out.update({name: full, "root": item.root, "relpath": item.relpath})
            elif isinstance(item, FileStat):
                out.update(reference(item))
            else:
                out[name] = reference(item)
        return out
    if isinstance(value, Mapping):
        return {str(k): reference(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [reference(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, Path):
        return str(value)
    return value


class Colour(enum.StrEnum):
    RED = "red"


class Count(enum.IntEnum):
    ONE = 1


@dataclass
class Odd:
    """Fields whose names a flattened path would overwrite, and values of every kind."""

    root: str
    where: LocalPath
    stat: FileStat
    ratio: float
    folder: Path
    pure: PurePosixPath
    by_name: dict[int, tuple[float, ...]]
    members: frozenset[str]
    colour: Colour
    count: Count
    kind: type
    nothing: None = None
    flag: bool = True


CID = ContentId("a" * 64)
PATH = LocalPath("/pics", "2020/01/IMG_1.jpg")
VALUES: list[object] = [
    None,
    True,
    3,
    2.0004,
    "text",
    ContentId("b" * 64),
    PATH,
    Path("/tmp/x"),
    [1, (2, 3), {"a": 1.23456}],
    Upload(
        CID, PATH, "IMG_1", ("flickrsync:imagehash=" + CID, "holiday"), 1234, "photo", "on no Flickr photo",
        set_date_taken="2020-01-01 10:00:00", options=UploadOptions(is_public=True), resize=Resize(2048),
        origins=(("title", "file name"),), warnings=("a warning",),
    ),
    Download(
        PhotoId("5301"), LocalPath("/pics", "Flickr/1.jpg"), "video", None, None, "gone", PhotosetId("7")
    ),
    AddTags(PhotoId("5302"), CID, ("flickrsync:imagehash=" + CID,), "title+date"),
    Replace(PhotoId("5303"), CID, ContentId("c" * 64), PATH, 99, "edited", Resize(1024, 80)),
    CreateSet("2020, 01", "[created by flickrsync]", "2020/01", PhotoId("1"), (PhotoId("1"), PhotoId("2"))),
    EditSetPhotos(PhotosetId("7216"), "t", PhotoId("1"), (PhotoId("1"),), removed=(PhotoId("3"),)),
    FailedItem("/pics/x.jpg", "unreadable", CID),
    PlanSummary(uploads=3, upload_bytes=10),
    LocalFile(
        PATH, FileStat(10, 20, 30, 40), Fingerprint(CID, "imagedata", "photo", "jpeg", warnings=("w",))
    ),
    Odd(
        "kept first", PATH, FileStat(1, 2, 3, 4), 1 / 3, Path("/a/b"), PurePosixPath("c/d"),
        {1: (0.1, 0.25)}, frozenset({"x"}), Colour.RED, Count.ONE, Upload,
    ),
]  # fmt: skip


def test_to_json_gives_what_the_generic_walk_gave() -> None:
    for value in VALUES:
        new, old = to_json(value), reference(value)
        assert json.dumps(new, default=str) == json.dumps(old, default=str), value
        assert new == old
    # and all of them at once, after each type's converter is made
    assert json.dumps(to_json(VALUES), default=str) == json.dumps(reference(VALUES), default=str)


def test_a_flattened_path_overwrites_a_field_of_the_same_name_in_place() -> None:
    doc = to_json(VALUES[-1])
    assert list(doc)[:4] == ["root", "where", "relpath", "size"]
    assert doc["root"] == "/pics"
    assert doc["where"] == "/pics/2020/01/IMG_1.jpg"
