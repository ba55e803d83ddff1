"""flickrsync.localmeta: sidecars merged for many pictures, each folder listed once."""

from __future__ import annotations

from pathlib import Path

from tests.metadata_samples import alt, description, xmp_packet

from flickrsync.fingerprint import PictureMeta
from flickrsync.localmeta import with_sidecar, with_sidecars
from flickrsync.models import LocalPath

EMBEDDED = PictureMeta(texts=(("IPTC:ObjectName", "embedded title"),))


def _library(tmp_path: Path) -> dict[LocalPath, PictureMeta]:
    """Three folders: one without sidecars, one with a sidecar per naming scheme and case, one
    with a sidecar of a picture not asked about."""
    packet = xmp_packet(description(alt("dc:title", ("x-default", "sidecar title"))))
    files = {
        "plain/a.jpg": b"",
        "plain/b.jpg": b"",
        "plain/notes.txt": b"",
        "side/c.jpg": b"",
        "side/c.jpg.xmp": packet,
        "side/d.JPG": b"",
        "side/d.XMP": packet,
        "side/e.jpg": b"",
        "other/f.jpg": b"",
        "other/g.jpg.xmp": packet,
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    pictures = [n for n in files if not n.endswith((".xmp", ".XMP", ".txt"))]
    return {LocalPath(str(tmp_path), n): EMBEDDED for n in pictures}


def test_with_sidecars_is_with_sidecar_of_each_picture(tmp_path: Path) -> None:
    found = _library(tmp_path)
    merged = with_sidecars(found)
    assert merged == {path: with_sidecar(path, meta) for path, meta in found.items()}
    titles = {path.relpath: meta.text("XMP-dc:Title") for path, meta in merged.items()}
    assert titles == {
        "plain/a.jpg": None,
        "plain/b.jpg": None,
        "side/c.jpg": "sidecar title",
        "side/d.JPG": "sidecar title",
        "side/e.jpg": None,
        "other/f.jpg": None,
    }


def test_a_folder_without_sidecars_gives_what_each_picture_embeds(tmp_path: Path) -> None:
    found = _library(tmp_path)
    merged = with_sidecars(found)
    for name in ("plain/a.jpg", "plain/b.jpg", "other/f.jpg"):
        path = LocalPath(str(tmp_path), name)
        assert merged[path] is found[path]


def test_a_folder_that_cannot_be_listed_is_tried_name_by_name(tmp_path: Path) -> None:
    found = {LocalPath(str(tmp_path), "gone/x.jpg"): EMBEDDED}
    assert with_sidecars(found) == found
