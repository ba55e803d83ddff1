"""Every real sample against the ground truth in ../shared/photos/real/MANIFEST.tsv.

Table-driven: one case per manifest row. Where flickrsync must differ from the raw manifest value
(a placeholder or blank date, which the manifest copies as stored), the expected value is stated
with the reason in :data:`DIFFERENCES`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from tests.conftest import SHARED, shared_path

from flickrsync.errors import MediaError
from flickrsync.fingerprint import PHASH_MATCH_DISTANCE, fingerprint_bytes, hamming, perceptual_hash

pytestmark = pytest.mark.shared

_MANIFEST = SHARED / "photos" / "real" / "MANIFEST.tsv"
_ROWS = (
    list(csv.DictReader(io.StringIO(_MANIFEST.read_text(encoding="utf-8")), delimiter="\t"))
    if _MANIFEST.exists()
    else []
)

#: Rows where flickrsync's date differs from the manifest's raw DateTimeOriginal on purpose.
DIFFERENCES = {
    # the placeholder and the blank value are "no date" (warnings say why)
    "nikon_e885_zerodate.jpg": "EXIF date taken is a placeholder (0000:00:00 00:00:00): ignored",
    "fujifilm_dx5_blankdate.jpg": "EXIF date taken is blank: ignored",
}

#: Formats as flickrsync names them, from ExifTool's FileType in the manifest.
FORMATS = {"JPEG": "jpeg", "MPO": "mpo", "TIFF": "tiff", "HEIC": "heic", "HEIF": "heif", "AVIF": "avif"}


def _expected_date(row: dict[str, str]) -> str | None:
    raw = row["DateTimeOriginal"]
    if not raw or row["file"] in DIFFERENCES:
        return None
    day, time = raw.split(" ")
    return f"{day.replace(':', '-')} {time}"


# without the shared data, one case that skips with the reason (rather than an empty parameter set)
_CASES = _ROWS or [{"file": "MANIFEST.tsv"}]


@pytest.mark.parametrize("row", _CASES, ids=[r["file"] for r in _CASES])
def test_facts_match_the_manifest(row: dict[str, str]) -> None:
    data = shared_path("photos", "real", row["file"]).read_bytes()
    fp = fingerprint_bytes(data)
    date = _expected_date(row)
    assert fp.date_taken == date
    assert fp.subsec == (row["SubSecTimeOriginal"] or None if date else None)
    assert fp.offset == (row["OffsetTimeOriginal"] or None if date else None)
    assert fp.orientation == (int(row["Orientation"]) if row["Orientation"] else None)
    assert (fp.width, fp.height) == (int(row["width"]), int(row["height"]))
    assert fp.format == FORMATS.get(row["format"], "webp")
    assert fp.media == "photo"
    if row["file"] in DIFFERENCES:
        assert DIFFERENCES[row["file"]] in fp.warnings


def _real(name: str) -> bytes:
    return shared_path("photos", "real", name).read_bytes()


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("sony_xperia_truncated.jpg", "truncated JPEG: the image data is cut off (no end marker)"),
        ("canon_s300_trailing_junk.jpg", "46599 bytes of extra data after the end of the JPEG image"),
        ("kodak_proback_dto_in_ifd0.jpg", "198338 bytes of extra data after the end of the JPEG image"),
        (
            "exifoffset_wrong_type.jpg",
            "EXIF: the pointer to the Exif IFD has the wrong type: its tags were ignored",
        ),
        ("canon_eos1dx3_truncated.hif", "truncated HEIF: 4275 of 6233725 bytes of image data present"),
    ],
)
def test_odd_real_files_are_usable_with_a_warning(name: str, warning: str) -> None:
    fp = fingerprint_bytes(_real(name))
    assert warning in fp.warnings
    assert fp.id_kind == "imagedata"


def test_clean_real_files_have_no_warnings() -> None:
    shared_path("photos", "real")
    quiet = [r["file"] for r in _ROWS if "broken" not in r["notes"] and "truncated" not in r["notes"]]
    noisy = {n: fingerprint_bytes(_real(n)).warnings for n in quiet}
    assert {n: w for n, w in noisy.items() if w} == {
        "canon_s300_trailing_junk.jpg": ("46599 bytes of extra data after the end of the JPEG image",),
        "kodak_proback_dto_in_ifd0.jpg": ("198338 bytes of extra data after the end of the JPEG image",),
        "nikon_e885_zerodate.jpg": (DIFFERENCES["nikon_e885_zerodate.jpg"],),
        "fujifilm_dx5_blankdate.jpg": (DIFFERENCES["fujifilm_dx5_blankdate.jpg"],),
    }


def test_format_is_detected_from_content_not_name() -> None:
    fp = fingerprint_bytes(_real("heic_content_named_jpg.jpg"))
    assert (fp.format, fp.width, fp.height, fp.id_kind) == ("heic", 1440, 1440, "imagedata")


def test_exif_stripped_copy_has_the_same_content_id() -> None:
    assert (
        fingerprint_bytes(_real("canon_s40.jpg")).content_id
        == fingerprint_bytes(_real("canon_s40_exif_stripped.jpg")).content_id
    )
    assert _real("canon_s40.jpg") != _real("canon_s40_exif_stripped.jpg")


def test_streaming_a_file_with_its_size_gives_the_same_result() -> None:
    from flickrsync.fingerprint import fingerprint_stream

    path = shared_path("photos", "real", "google_pixel_4mb.jpg")
    with path.open("rb") as stream:
        assert fingerprint_stream(stream, size=path.stat().st_size) == fingerprint_bytes(path.read_bytes())


# --- perceptual hash on real pictures ------------------------------------------------------------


def _phash(name: str) -> str:
    return perceptual_hash(io.BytesIO(_real(name)))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("canon_s40.jpg", "canon_s40_exif_stripped.jpg"),
        ("htc_desire.jpg", "htc_desire.webp"),
        ("google_pixel_4mb.jpg", "google_pixel_resized.jpg"),
    ],
)
def test_near_duplicates_are_within_the_match_distance(a: str, b: str) -> None:
    assert hamming(_phash(a), _phash(b)) <= PHASH_MATCH_DISTANCE


def test_different_pictures_are_beyond_the_match_distance() -> None:
    names = ["canon_eos_rebel_t3i.jpg", "nikon_d5000.jpg", "olympus_pen_e_p3.jpg", "kodak_dc3400.jpg"]
    hashes = [_phash(n) for n in names]
    for i in range(len(hashes)):
        for j in range(i + 1, len(hashes)):
            assert hamming(hashes[i], hashes[j]) > PHASH_MATCH_DISTANCE, (names[i], names[j])


def test_perceptual_hash_of_the_200_megapixel_heic_uses_little_memory() -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    value = _phash("samsung_s24ultra_200mp.heic")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert len(value) == 64
    assert grown_kib < 200_000  # a full decode would need well over 600 MB


@pytest.mark.parametrize("name", ["canon_eos1dx3_truncated.hif", "sony_xperia_truncated.jpg"])
def test_undecodable_pictures_raise_media_error_but_keep_their_content_id(name: str) -> None:
    with pytest.raises(MediaError, match="cannot decode"):
        _phash(name)
    assert fingerprint_bytes(_real(name)).id_kind == "imagedata"


def test_orientation_is_applied_before_hashing() -> None:
    """samsung_galaxy_s_o6.jpg has Orientation 6: its hash is that of the upright picture."""
    from PIL import Image

    from flickrsync.fingerprint._perceptual import hash_image, reduced_image

    data = _real("samsung_galaxy_s_o6.jpg")
    upright = reduced_image(data)
    assert upright.size[0] < upright.size[1]
    raw = Image.open(io.BytesIO(data)).convert("L")
    assert (
        hash_image(raw.transpose(Image.Transpose.ROTATE_270)) == hash_image(upright)
        or hamming(hash_image(raw.transpose(Image.Transpose.ROTATE_270)), hash_image(upright)) <= 2
    )
    assert hamming(hash_image(raw), hash_image(upright)) > PHASH_MATCH_DISTANCE


def test_all_real_pictures_hash_or_fail_cleanly() -> None:
    folder = Path(shared_path("photos", "real"))
    outcomes: dict[str, int | str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".tsv", ".md"):
            continue
        try:
            outcomes[path.name] = len(perceptual_hash(io.BytesIO(path.read_bytes())))
        except MediaError as exc:
            outcomes[path.name] = exc.reason
    failures = {n: o for n, o in outcomes.items() if o != 64}
    assert set(failures) == {"canon_eos1dx3_truncated.hif", "sony_xperia_truncated.jpg"}
