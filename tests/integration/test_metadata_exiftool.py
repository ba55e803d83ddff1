"""The metadata reader against exiftool's reading of the same files, at test time.

Expected values are never stored: exiftool 13 reads every real sample and every file it writes
here (JPEG, PNG, TIFF, WebP, HEIC; Unicode, several values, Latin-1 IPTC, language alternatives,
extended XMP, a Lightroom-style sidecar made with ``exiftool -o x.xmp``), and flickrsync's reader
must find the same value for every source, named as ``exiftool -G1`` names it. The comparison
applies flickrsync's own cleaning (:func:`clean_text`) and camera-placeholder rule to exiftool's
values, whose tests are in test_metadata.py: what is compared here is finding and decoding.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image
from tests.conftest import exiftool_path, shared_path
from tests.fingerprint_samples import photo, save

from flickrsync.fingerprint import (
    TAGS_FROM,
    TITLE_FROM,
    choose_tags,
    choose_text,
    fingerprint_bytes,
    fingerprint_with_metadata,
    merge,
    read_metadata,
    read_sidecar,
)
from flickrsync.fingerprint._meta import (
    LIST_SOURCES,
    MULTILINE,
    TEXT_SOURCES,
    PictureMeta,
    clean_keywords,
    clean_text,
    is_placeholder,
)

pytestmark = pytest.mark.exiftool

_ASKED = [f"-{s}" for s in (*TEXT_SOURCES, *LIST_SOURCES, "IFD0:Make", "IFD0:Model")]
_XP = ("IFD0:XPTitle", "IFD0:XPComment", "IFD0:XPSubject", "IFD0:XPKeywords")


@pytest.fixture(scope="module")
def exiftool() -> str:
    return exiftool_path()


def exiftool_values(exiftool: str, paths: Sequence[Path]) -> dict[Path, dict[str, object]]:
    """``exiftool -j -G1`` of the metadata sources of each file."""
    out = subprocess.run(
        [exiftool, "-j", "-G1", "-q", "-q", "-m", *_ASKED, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    ).stdout
    return {Path(doc["SourceFile"]): doc for doc in json.loads(out or "[]")}


def expected(values: dict[str, object]) -> dict[str, str | tuple[str, ...]]:
    """What flickrsync must read, from exiftool's values: cleaned, placeholders dropped."""
    camera = [clean_text(str(values.get(k, ""))) for k in ("IFD0:Make", "IFD0:Model")]
    dji = f"{camera[0]} {camera[1]}".casefold().startswith(("dji", "hasselblad l1d", "hasselblad l2d"))
    found: dict[str, str | tuple[str, ...]] = {}
    for source in TEXT_SOURCES:
        if source not in values or (dji and source in _XP):
            continue
        text = clean_text(str(values[source]), multiline=source in MULTILINE)
        if source == "IFD0:ImageDescription" and is_placeholder(text, camera=camera):
            continue
        if text:
            found[source] = text
    for lists in LIST_SOURCES:
        if lists not in values or (dji and lists in _XP):
            continue
        raw = values[lists]
        items = [str(v) for v in raw] if isinstance(raw, list) else [str(raw)]
        if lists == "IFD0:XPKeywords":
            items = [part for item in items for part in item.split(";")]
        if keywords := clean_keywords(items):
            found[lists] = keywords
    return found


def ours(meta: PictureMeta) -> dict[str, str | tuple[str, ...]]:
    return {**dict(meta.texts), **dict(meta.lists)}


def _compare(exiftool: str, paths: Sequence[Path]) -> dict[Path, dict[str, str | tuple[str, ...]]]:
    """Read every file both ways; assert they agree; return what was read (for non-vacuity)."""
    truth = exiftool_values(exiftool, paths)
    read = {}
    for path in paths:
        data = path.read_bytes()
        meta = read_metadata(io.BytesIO(data))
        assert ours(meta) == expected(truth[path]), path.name
        try:
            same_read = fingerprint_with_metadata(io.BytesIO(data))[1]
        except Exception:  # noqa: BLE001 - a file that is no usable picture has no fingerprint
            same_read = None
        if same_read is not None:
            assert same_read == meta, path.name
        read[path] = ours(meta)
    return read


@pytest.mark.shared
def test_equal_to_exiftool_on_every_real_sample(exiftool: str) -> None:
    folder = shared_path("photos", "real")
    paths = sorted(p for p in folder.iterdir() if p.suffix not in (".tsv", ".md"))
    read = _compare(exiftool, paths)
    # not vacuous: the one sample with a caption has it in XMP, IPTC and EXIF
    assert read[folder / "fujifilm_finepix_s2pro_gps.jpg"] == {
        "XMP-dc:Title": "Wilts & Dorset Bus",
        "XMP-dc:Description": "Wilts & Dorset Bus",
        "IPTC:ObjectName": "Wilts & Dorset Bus",
        "IPTC:Caption-Abstract": "Wilts & Dorset Bus",
        "IFD0:ImageDescription": "Wilts & Dorset Bus",
        "XMP-dc:Subject": ("Wilts & Dorset Bus",),
        "IPTC:Keywords": ("Wilts & Dorset Bus",),
    }


def _pictures(folder: Path) -> dict[str, Path]:
    """Small pictures of every container flickrsync reads metadata from."""
    import pillow_heif

    image = photo(64, 48, seed=7)
    files = {
        "jpg": save(image, "JPEG"),
        "png": save(image, "PNG"),
        "tif": save(image, "TIFF"),
        "webp": save(image, "WEBP"),
    }
    heic = io.BytesIO()
    pillow_heif.from_pillow(image).save(heic, quality=60)
    files["heic"] = heic.getvalue()
    paths = {}
    for ext, data in files.items():
        paths[ext] = folder / f"picture.{ext}"
        paths[ext].write_bytes(data)
    return paths


def _write(exiftool: str, path: Path, *args: str) -> None:
    subprocess.run(
        [exiftool, "-q", "-q", "-m", "-overwrite_original", *args, str(path)], check=True, timeout=60
    )


_UNICODE = (
    "-XMP-dc:Title=Été à Paris ☀ — 東京",
    "-XMP-dc:Description=Première ligne\nsecond line\twith a tab",
    "-XMP-dc:Subject=Paris",
    "-XMP-dc:Subject=été",
    "-XMP-dc:Subject=東京",
    "-XMP-lr:HierarchicalSubject=Places|France|Paris",
    "-XMP-lr:HierarchicalSubject=People|Anna",
    "-IFD0:ImageDescription=Desc é ☀",
    "-XPTitle=XP titre ☀",
    "-XPComment=XP comment\nline 2",
    "-XPKeywords=x1;x2; x3;été",
    "-XPSubject=XP sujet",
)
_IPTC_UTF8 = (
    "-IPTC:CodedCharacterSet=UTF8",
    "-IPTC:ObjectName=Objet é ☀",
    "-IPTC:Caption-Abstract=Légende\nligne 2",
    "-IPTC:Keywords=kw1",
    "-IPTC:Keywords=kw été",
    "-IPTC:Keywords=東京",
)
#: IPTC without a character set: exiftool writes Latin-1 (Windows-1252) bytes
_IPTC_LATIN = ("-IPTC:ObjectName=Crème brûlée", "-IPTC:Keywords=café", "-IPTC:Keywords=naïve €")
_MANY = (
    "-XMP-dc:Title-fr=Bonjour",
    "-XMP-dc:Title=Hello",
    "-XMP-dc:Title-de=Hallo",
    "-XMP-dc:Description=" + "\n".join(f"Paragraph {i}: " + "lorem ipsum " * 20 for i in range(12)),
    *(f"-XMP-dc:Subject=keyword {i}" for i in range(120)),
    *(f"-XMP-lr:HierarchicalSubject=Root|Branch {i % 7}|leaf {i}" for i in range(40)),
    "-XPKeywords=" + ";".join(f"xp{i}" for i in range(30)),
)


@pytest.mark.parametrize(
    ("variant", "args", "kinds"),
    [
        ("unicode", _UNICODE + _IPTC_UTF8, ("jpg", "png", "tif", "webp", "heic")),
        ("latin-1 iptc", _IPTC_LATIN, ("jpg", "png", "tif")),
        ("many values", _MANY, ("jpg", "png", "tif", "webp", "heic")),
    ],
)
def test_equal_to_exiftool_on_files_it_writes(
    exiftool: str, tmp_path: Path, variant: str, args: tuple[str, ...], kinds: tuple[str, ...]
) -> None:
    paths = _pictures(tmp_path)
    written = [paths[k] for k in kinds]
    for path in written:
        before = fingerprint_bytes(path.read_bytes()).content_id
        _write(exiftool, path, *args)
        assert fingerprint_bytes(path.read_bytes()).content_id == before, path.name
    read = _compare(exiftool, written)
    for path in written:  # not vacuous: every file carries what was written
        assert read[path], (variant, path.name)
    if variant == "unicode":
        assert read[paths["jpg"]]["IPTC:Keywords"] == ("kw1", "kw été", "東京")
        assert read[paths["heic"]]["XMP-dc:Title"] == "Été à Paris ☀ — 東京"
    elif variant == "latin-1 iptc":
        assert read[paths["tif"]]["IPTC:Keywords"] == ("café", "naïve €")
    else:
        assert read[paths["png"]]["XMP-dc:Title"] == "Hello"
        assert len(read[paths["webp"]]["XMP-dc:Subject"]) == 120


def test_extended_xmp_written_by_exiftool(exiftool: str, tmp_path: Path) -> None:
    path = _pictures(tmp_path)["jpg"]
    words = " ".join(f"word{i}" for i in range(12_000))  # ~100 KB: more than one APP1 segment
    _write(exiftool, path, f"-XMP-dc:Description={words}", "-XMP-dc:Title=Big")
    assert b"http://ns.adobe.com/xmp/extension/" in path.read_bytes()
    read = _compare(exiftool, [path])
    assert read[path]["XMP-dc:Description"] == words


def test_lightroom_style_sidecar_made_with_exiftool_wins_over_the_file(exiftool: str, tmp_path: Path) -> None:
    """A raw-file workflow: the photo manager keeps title, caption and hierarchical keywords in
    ``NAME.xmp``; the picture itself carries the camera's values."""
    paths = _pictures(tmp_path)
    picture = paths["jpg"]
    _write(exiftool, picture, "-IPTC:ObjectName=Camera title", "-IFD0:ImageDescription=From the camera")
    catalogue = tmp_path / "catalogue.jpg"
    catalogue.write_bytes(save(Image.new("RGB", (8, 8)), "JPEG"))
    _write(
        exiftool,
        catalogue,
        "-XMP-dc:Title=Le pont",
        "-XMP-dc:Description=Caption from Lightroom\nsecond line",
        "-XMP-dc:Subject=Paris",
        "-XMP-dc:Subject=bridge",
        "-XMP-lr:HierarchicalSubject=Places|France|Paris",
        "-XMP-lr:HierarchicalSubject=Things|bridge",
    )
    sidecar = tmp_path / "picture.xmp"
    subprocess.run([exiftool, "-q", "-q", "-o", str(sidecar), str(catalogue)], check=True, timeout=60)
    side = read_sidecar(sidecar.read_bytes())
    assert ours(side) == expected(exiftool_values(exiftool, [sidecar])[sidecar])
    assert side.from_sidecar == set(side.sources)
    assert side.warnings == ()
    merged = merge(read_metadata(io.BytesIO(picture.read_bytes())), side)
    title = choose_text(merged, TITLE_FROM)
    tags = choose_tags(merged, TAGS_FROM)
    assert title is not None
    assert (title[0], title[1].source, title[1].sidecar) == (
        "Le pont",
        "XMP-dc:Title",
        True,
    )
    assert tags is not None
    assert tags[0] == ("Paris", "bridge")
    assert merged.keywords("XMP-lr:HierarchicalSubject") == ("Places|France|Paris", "Things|bridge")
    assert merged.text("IPTC:ObjectName") is None  # replaced by the sidecar's title
    assert merged.text("XMP-dc:Description") == "Caption from Lightroom\nsecond line"
