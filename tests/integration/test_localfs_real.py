"""The scanner over the real camera and phone files of ../shared/photos/real, read in place."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from tests.conftest import shared_path

from flickrsync import fingerprint
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig, ScanTuning
from flickrsync.models import LocalPath
from flickrsync.scanner import compute_perceptual, scan_library

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def real() -> Path:
    return shared_path("photos", "real")


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    with Index.open(tmp_path / "index.db") as idx:
        yield idx


#: The samples cut off as published (MANIFEST.tsv).
CUT_OFF = {"sony_xperia_truncated.jpg", "canon_eos1dx3_truncated.hif"}


def manifest(real: Path) -> list[dict[str, str]]:
    with (real / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_sample_is_indexed_exactly_as_fingerprinted(real: Path, index: Index) -> None:
    rows = manifest(real)
    pooled = ScanTuning(workers=2, inline_seconds=0)
    report = scan_library(index, ScanConfig(roots=(str(real),), tuning=pooled))
    # The two samples cut off as published are problems, never uploaded (issue 16 point 10).
    problems = {f.path.relpath: f.problem for f in report.problems}
    assert set(problems) == CUT_OFF
    assert all(p is not None and "a cut-off copy is not backed up" in p for p in problems.values())
    assert problems["sony_xperia_truncated.jpg"] == (
        "truncated JPEG: the image data is cut off (no end marker): a cut-off copy is not backed up; "
        "put the whole file in its place"
    )
    assert report.issues == ()
    assert dict(report.ignored) == {".md": 1, ".tsv": 1}
    assert report.counts.files == len(rows)
    # canon_s40_exif_stripped.jpg holds the same image data as canon_s40.jpg: one picture.
    assert report.counts.pictures == len(rows) - 1 - len(CUT_OFF)
    [dup] = index.duplicates()
    assert [p.relpath for p in dup.paths] == ["canon_s40.jpg", "canon_s40_exif_stripped.jpg"]
    for row in rows:
        known = index.file(LocalPath(str(real), row["file"]))
        assert known is not None, row["file"]
        with (real / row["file"]).open("rb") as stream:
            fresh = fingerprint.fingerprint_stream(stream)
        if row["file"] in CUT_OFF:
            assert known.fingerprint is None
            assert fresh.truncated is not None
            continue
        assert fresh.truncated is None
        # The index does not store Fingerprint.trailing (only a fresh download is judged by it).
        assert known.fingerprint == replace(fresh, trailing=0), row["file"]
    heic = index.file(LocalPath(str(real), "heic_content_named_jpg.jpg"))
    assert heic is not None
    assert heic.fingerprint is not None
    assert heic.fingerprint.format in ("heic", "heif")
    again = scan_library(index, ScanConfig(roots=(str(real),)))
    assert (again.read, again.unchanged) == (0, len(rows))


@pytest.mark.slow
def test_perceptual_pass_over_the_samples(real: Path, index: Index) -> None:
    config = ScanConfig(roots=(str(real),), tuning=ScanTuning(workers=2, inline_decodes=0))
    scan_library(index, config)
    result = compute_perceptual(index, config)
    failed = {index.files(cid)[0].path.relpath: reason for cid, reason in result.failed}  # type: ignore[arg-type]
    # The cut-off samples are problems, not pictures: never decoded. A failure would be
    # remembered with its reason.
    assert not CUT_OFF & set(failed)
    assert all(failed.values())
    assert result.computed + len(failed) == index.counts().pictures
    huge = index.file(LocalPath(str(real), "samsung_s24ultra_200mp.heic"))
    assert huge is not None
    assert huge.fingerprint is not None
    pic = index.picture(huge.fingerprint.content_id)
    assert pic is not None
    assert pic.phash  # 200 megapixels, decoded without exhausting memory
    assert compute_perceptual(index, config).computed == 0  # cached, failures not retried
