"""The content id is ExifTool's ImageDataHash: checked against exiftool itself, at test time.

Expected values are never stored: every test runs the installed exiftool (13.x, from npm) on the
same files. Skipped with a reason when exiftool is absent.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import exiftool_path, shared_path
from tests.fingerprint_samples import Track, exif_bytes, exiftool_hashes, generated_media, mp4, photo, save

from flickrsync.errors import MediaError
from flickrsync.fingerprint import fingerprint_bytes
from flickrsync.fingerprint._exif_tags import BINARY_TAGS, KNOWN_TAGS
from flickrsync.models import Fingerprint

pytestmark = pytest.mark.exiftool


@pytest.fixture(scope="module")
def exiftool() -> str:
    return exiftool_path()


def _ours(data: bytes) -> Fingerprint | MediaError:
    try:
        return fingerprint_bytes(data)
    except MediaError as exc:
        return exc


def _disagreements(files: dict[Path, bytes], expected: dict[Path, str | None]) -> list[str]:
    """Files where flickrsync's id does not stand for ExifTool's ImageDataHash.

    Where ExifTool computes a hash, ours must be that hash with ``id_kind="imagedata"``; where it
    computes none, ours must not claim to be one (whole-file id, or the file is refused).
    """
    problems = []
    for path, data in files.items():
        ours = _ours(data)
        want = expected[path]
        if isinstance(ours, MediaError):
            if want is not None and not ours.reason.startswith("not a picture or video (RIFF"):
                problems.append(f"{path.name}: exiftool {want[:12]}…, we refused it: {ours.reason}")
        elif want is None and ours.id_kind == "imagedata":
            problems.append(f"{path.name}: exiftool has no ImageDataHash, we claim {ours.content_id[:12]}…")
        elif want is not None and (ours.id_kind, ours.content_id) != ("imagedata", want):
            problems.append(f"{path.name}: exiftool {want[:12]}…, we {ours.id_kind} {ours.content_id[:12]}…")
    return problems


@pytest.mark.shared
def test_equal_to_exiftool_on_every_real_sample(exiftool: str) -> None:
    folder = shared_path("photos", "real")
    paths = sorted(p for p in folder.iterdir() if p.suffix not in (".tsv", ".md"))
    expected = exiftool_hashes(exiftool, paths)
    assert all(expected.values()), "exiftool 13.x hashes every real sample"
    files = {p: p.read_bytes() for p in paths}
    assert _disagreements(files, expected) == []
    formats = Counter(f.format for f in (fingerprint_bytes(d) for d in files.values()))
    assert formats == Counter(jpeg=38, heic=4, tiff=2, mpo=1, heif=1, avif=1, webp=1) - Counter(jpeg=4)


def test_equal_to_exiftool_on_generated_files(exiftool: str, tmp_path: Path) -> None:
    files = {}
    for name, data in generated_media().items():
        path = tmp_path / name
        path.write_bytes(data)
        files[path] = data
    expected = exiftool_hashes(exiftool, list(files))
    assert _disagreements(files, expected) == []
    # not vacuous: exiftool hashed files of every family
    hashed = {p.suffix for p, digest in expected.items() if digest}
    assert hashed >= {".jpg", ".png", ".tif", ".webp", ".avif", ".heic", ".mp4", ".mov", ".avi"}
    assert expected[tmp_path / "palette.gif"] is None


def _seeds() -> list[bytes]:
    seeds = [d for d in generated_media().values() if len(d) < 100_000]
    try:
        folder = shared_path("photos", "real")
    except pytest.skip.Exception:
        return seeds
    return seeds + [p.read_bytes() for p in sorted(folder.iterdir()) if p.stat().st_size < 120_000]


def test_equal_to_exiftool_on_damaged_files(exiftool: str, tmp_path: Path) -> None:
    """Differential fuzzing: truncations, bit flips and byte insertions of real and generated files
    (headers favoured) give the same id as exiftool, or no id where exiftool has none."""
    rng = random.Random(20240601)
    seeds = _seeds()
    files = {}
    for n in range(160):
        data = bytearray(rng.choice(seeds))
        how = rng.choice(["cut", "flip", "header", "insert", "delete"])
        if how == "cut":
            data = data[: rng.randrange(1, len(data))]
        for _ in range(rng.randint(1, 4) if how != "cut" else 0):
            at = rng.randrange(min(len(data), 4096) if how == "header" else len(data))
            if how == "insert":
                data[at:at] = bytes([rng.choice([0, 0xFF, rng.randrange(256)])]) * rng.randint(1, 3)
            elif how == "delete":
                del data[at : at + rng.randint(1, 3)]
            else:
                data[at] ^= 1 << rng.randrange(8) if how == "flip" else rng.randrange(1, 256)
        path = tmp_path / f"{n:03d}.bin"
        path.write_bytes(data)
        files[path] = bytes(data)
    expected = exiftool_hashes(exiftool, list(files))
    assert _disagreements(files, expected) == []
    assert sum(1 for d in expected.values() if d) > 60


def _edit(exiftool: str, path: Path, *args: str) -> None:
    subprocess.run(
        [exiftool, "-q", "-q", "-m", "-overwrite_original", *args, str(path)], check=True, timeout=60
    )


EDITS = (
    "-Keywords+=flickrsync",
    "-XMP:Subject=edited",
    "-DateTimeOriginal=2001:02:03 04:05:06",
    "-IPTC:Caption-Abstract=caption",
    "-GPSLatitude=48.85",
    "-GPSLatitudeRef=N",
)


def _check_edit_keeps_id(exiftool: str, path: Path, args: tuple[str, ...]) -> Fingerprint:
    before_bytes = path.read_bytes()
    before = fingerprint_bytes(before_bytes)
    _edit(exiftool, path, *args)
    after_bytes = path.read_bytes()
    after = fingerprint_bytes(after_bytes)
    assert after_bytes != before_bytes, f"exiftool did not change {path.name}"
    assert after.content_id == before.content_id, path.name
    assert exiftool_hashes(exiftool, [path])[path] == after.content_id
    return after


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "canon_eos_rebel_t3i.jpg",
        "google_pixel_4mb.jpg",
        "nintendo_3ds_stereo.mpo",
        "dji_flir_thermal.tif",
        "dudley_leavitt_scan.tiff",
        "htc_desire.webp",
        "iphone13promax_o6.heic",
        "canon_eos70d.avif",
        "kodak_proback_dto_in_ifd0.jpg",
        "sony_xperia_truncated.jpg",
    ],
)
def test_metadata_edits_keep_the_content_id_of_real_files(exiftool: str, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copyfile(shared_path("photos", "real", name), path)
    after = _check_edit_keeps_id(exiftool, path, EDITS)
    assert after.date_taken == "2001-02-03 04:05:06"


@pytest.mark.parametrize(
    "name", ["base.jpg", "progressive.jpg", "rgb.png", "raw.tif", "lossy.webp", "plain.heic"]
)
def test_metadata_edits_keep_the_content_id_of_generated_pictures(
    exiftool: str, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(generated_media()[name])
    args = EDITS if name.endswith((".jpg", ".tif")) else tuple(a for a in EDITS if "IPTC" not in a)
    after = _check_edit_keeps_id(exiftool, path, args)
    assert after.date_taken == "2001-02-03 04:05:06"


def test_metadata_edits_keep_the_content_id_of_videos(exiftool: str, tmp_path: Path) -> None:
    for name, data in {
        "clip.mp4": mp4([Track(b"vide", [800, 600, 700], [(1, 1)]), Track(b"soun", [90] * 6, [(1, 2)])]),
        "clip.mov": mp4([Track(b"vide", [800, 600, 700], [(1, 3)])], brand=b"qt  ", moov_first=False),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        _check_edit_keeps_id(
            exiftool, path, ("-XMP:Subject=edited", "-QuickTime:Title=title", "-Keys:Keywords=k")
        )


def test_pixel_edits_change_the_content_id(exiftool: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.write_bytes(save(photo(seed=1), "JPEG", exif=exif_bytes()))
    b.write_bytes(save(photo(seed=1).rotate(90), "JPEG", exif=exif_bytes()))
    hashes = exiftool_hashes(exiftool, [a, b])
    assert hashes[a] != hashes[b]
    assert fingerprint_bytes(a.read_bytes()).content_id == hashes[a]
    assert fingerprint_bytes(b.read_bytes()).content_id == hashes[b]


def test_exif_tag_tables_match_the_installed_exiftool(exiftool: str) -> None:
    version = subprocess.run([exiftool, "-ver"], capture_output=True, text=True, check=True).stdout.strip()
    if version != "13.59":
        pytest.skip(f"the tables were generated from ExifTool 13.59, this is {version}")
    lib = Path(exiftool).resolve().parent / "lib"
    dump = r"""
        my $t = \%Image::ExifTool::Exif::Main; my (@known, @bin);
        for my $k (sort { $a <=> $b } grep /^\d+$/, keys %$t) {
            my @l = ref $t->{$k} eq 'ARRAY' ? @{$t->{$k}} : ($t->{$k});
            push @known, $k;
            my $binary = 1;
            for my $i (@l) {
                if (ref $i ne 'HASH') { $binary = 0; next }
                my @flags = ref $i->{Flags} ? @{$i->{Flags}} : ($i->{Flags} || ());
                my $bin = $i->{Binary} || $i->{Unknown} || grep { /^(Binary|Unknown)$/ } @flags;
                $binary = 0 unless $bin and not $i->{SubDirectory} and not $i->{Condition};
            }
            push @bin, $k if $binary;
        }
        print "@known\n@bin\n";
    """
    out = subprocess.run(
        ["perl", f"-I{lib}", "-MImage::ExifTool", "-MImage::ExifTool::Exif", "-e", dump],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert {int(t) for t in out[0].split()} == KNOWN_TAGS
    assert {int(t) for t in out[1].split()} == BINARY_TAGS
