"""The perceptual hash keeps its bits: every hash already stored in an index must still match.

The module takes shortcuts for speed (an orientation-only EXIF read from a marker walk that stops
at the first EXIF block, Pillow's JPEG reader without its DPI lookup, no copy of a picture that
needs no reduction, numpy for the median and the hex text, a head read no longer than the file).
Here its hashes are compared with the same steps spelt out with Pillow's public API and ImageHash
(the reference for the bits), over a few hundred generated pictures of every orientation and
format, and with the hashes recorded for the real samples (HEIC among them) before those
shortcuts were taken.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import BinaryIO

import pytest
from PIL import Image
from tests.conftest import shared_path
from tests.fingerprint_samples import exif_bytes, save

from flickrsync.errors import MediaError
from flickrsync.fingerprint import fingerprint_bytes, perceptual_hash
from flickrsync.fingerprint._detect import detect_format

_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}


def _plain_phash(data: bytes) -> str:
    """The perceptual hash the long way: Pillow opens the file, draft-reduces it, flattens odd
    modes, copies and reduces to at most 512 px, the fingerprint's EXIF orientation is applied
    (the container's for AVIF), then ImageHash's 256-bit pHash."""
    import imagehash

    from flickrsync.fingerprint._perceptual import _flatten

    image = Image.open(io.BytesIO(data))
    image.draft("L", (256, 256))
    image.load()
    small = image.copy() if image.mode in ("L", "RGB") else _flatten(image)
    small.thumbnail((512, 512), Image.Resampling.BOX)
    if detect_format(data[:64]) == "bmff":
        orientation = image.getexif().get(0x0112)
    else:
        orientation = fingerprint_bytes(data).orientation
    for step in _TRANSPOSE.get(orientation or 1, []):
        small = small.transpose(step)
    return str(imagehash.phash(small.convert("L"), hash_size=16))


def _generated() -> list[tuple[str, bytes]]:
    from benchmarks.synthetic import photo_like

    cases = []
    # the scale corpus's small JPEGs, a reduced decode, a thumbnail() reduction, odd sizes
    sizes = [(64, 48), (48, 72), (300, 200), (700, 530), (33, 17)]
    for i, (width, height) in enumerate(sizes):
        picture = photo_like(width, height, seed=30 + i)
        for orientation in range(9):
            extra = {"exif": exif_bytes(orientation=orientation)} if orientation else {}
            name = f"{width}x{height}-o{orientation}"
            cases.append((f"{name}.jpg", save(picture, "JPEG", quality=85, **extra)))
            cases.append((f"{name}-grey.jpg", save(picture.convert("L"), "JPEG", quality=85, **extra)))
            cases.append((f"{name}.png", save(picture, "PNG", **extra)))
            cases.append((f"{name}-rgba.png", save(picture.convert("RGBA"), "PNG", **extra)))
            cases.append((f"{name}.webp", save(picture, "WEBP", **extra)))
            cases.append((f"{name}.tif", save(picture, "TIFF", **extra)))
        cases.append((f"{width}x{height}-16bit.png", save(picture.convert("I;16"), "PNG")))
        cases.append((f"{width}x{height}-16bit.tif", save(picture.convert("I;16"), "TIFF")))
        cases.append((f"{width}x{height}.gif", save(picture.convert("P"), "GIF")))
        cases.append((f"{width}x{height}-cmyk.jpg", save(picture.convert("CMYK"), "JPEG")))
        cases.append((f"{width}x{height}.avif", save(picture, "AVIF")))
    return cases


def test_generated_pictures_hash_as_pillow_and_imagehash_spelt_out(tmp_path: Path) -> None:
    cases = _generated()
    assert len(cases) > 250
    for name, data in cases:
        expected = _plain_phash(data)
        assert perceptual_hash(io.BytesIO(data)) == expected, name
        assert perceptual_hash(io.BytesIO(data), size=len(data)) == expected, name
        path = tmp_path / name
        path.write_bytes(data)
        with path.open("rb") as stream:
            assert perceptual_hash(stream, size=len(data)) == expected, name


def test_large_jpegs_decoded_from_the_open_file_hash_as_spelt_out(tmp_path: Path) -> None:
    """Over :data:`HEAD_BYTES`: the JPEG is decoded from the file itself, at a reduced scale."""
    from benchmarks.synthetic import photo_like

    from flickrsync.fingerprint._perceptual import HEAD_BYTES

    for orientation in (1, 3, 6, 8):
        data = save(
            photo_like(1800, 1300, seed=orientation),
            "JPEG",
            quality=95,
            exif=exif_bytes(orientation=orientation),
        )
        assert len(data) > HEAD_BYTES
        path = tmp_path / f"o{orientation}.jpg"
        path.write_bytes(data)
        with path.open("rb") as stream:
            assert perceptual_hash(stream, size=len(data)) == _plain_phash(data), orientation


#: Hashes of the real samples, recorded with the module as it was before the shortcuts (main at
#: c3c68c9): a change of any of them would make stored hashes stop matching.
RECORDED = {
    "apple_iphone4_gps.jpg": "83a2d1157a1fe34ab44946cdc6e817566b13393b353bc3a192f496725c4f398b",
    "apple_iphone5_o3.jpg": "a1a396f20fd8d985586fe1b489f137dbd0a04a3fc8134c5c37a67890607fb6c9",
    "canon_eos30d_broken_gps.jpg": "ad3b80a416557a9a4953356cd2ac89573e9a625bcfa5b15c423c3fc7d81b215e",
    "canon_eos70d.avif": "933366cc6ce569a9a52a695a525492a496959adb6a566da4b4a5a5a96b6b4b56",
    "canon_eos_rebel_t3i.jpg": "b817c7c0ae1ff07111866e3fc47020ce973b7871cdcf26aad611aaeeb9046ec1",
    "canon_powershot_a85_o8.jpg": "d5de33afc90fe1142adccb959b481a5ac9363a28bb51cca5906b925ba9b5e1a4",
    "canon_s300_trailing_junk.jpg": "c17cbb81c666e1db6aa2c1a8f915de0c91f96a89ba028ffc6c759592589e432e",
    "canon_s30_bad_interop.jpg": "99f1d8f0c6646621f7139517670aa2843b95c5aaadee7b5e8d5b1b1d66058d48",
    "canon_s40.jpg": "c893f204a611c1b38cccfbcc02dddd93e0631b1cf99c87670673b998d2ec2e67",
    "canon_s40_exif_stripped.jpg": "c893f204a611c1b38cccfbcc02dddd93e0631b1cf99c87670673b998d2ec2e67",
    "casio_ex_s1.jpg": "c798c780c390c398c3b1c1c8c9cc3c393273386738ce3cce3c6f38733b331f9f",
    "casio_qv7000sx_noexif.jpg": "98a1fad1c75e2d8db8d294636f0d925c79b36665864e310a63f4ccef25119bd0",
    "dji_flir_thermal.tif": "c95d04275753bff0c731e7b087210ff03c3fb84f03a086a0f20b0dcf39c7f8c6",
    "dudley_leavitt_scan.tiff": "8bef955567906f04b904f10330c7b843d51bf10e7866d833f219701ef8efcc63",
    "exifoffset_wrong_type.jpg": "84aaa9557c9181aaeb51618f967ae95557ae8a72659552aa8d76f58702ecac53",
    "fujifilm_ds7_1996.jpg": "de40e4fec9313384cfc16197c0f39e0c3fdc3c67d83c893026c14783e78fe34c",
    "fujifilm_dx5_blankdate.jpg": "951e09e2e1f45833ee0db237038120f95e644d3a9d6e0dd8fd66b74028775e9b",
    "fujifilm_finepix_s2pro_gps.jpg": "c11687fcbc2d9d48447fa3457aa61388813d663abc57cea5137a118573a3bb59",
    "google_pixel_4mb.jpg": "a4e1b1bb259f327a89d2f64a711b0facd861c1975f4e746090d3978c74fe9481",
    "google_pixel_resized.jpg": "a4e1b1bb259f327a89d2f64a711b0facd861c1975f0e7c6090d3978c74fe9481",
    "hasselblad_l1d20c_drone.jpg": "8b59f0aa2dd920433c394b1521e6c8583e8f3d7cc202dde69a7f2709d4c6edea",
    "heic_content_named_jpg.jpg": "f4e55a6d1a922871265885861d3832ba36956965f952d6cac2ebe336f32dd14d",
    "htc_desire.jpg": "9c39ac258f44df46a04bd2d743f243fed39e811f8356d3e099899d01ee910e79",
    "htc_desire.webp": "9c39ac258f44df46a04bd2d743f243fed39e811f8356d3e099899d01ee910e79",
    "iphone13promax_o6.heic": "b1aa9744d498898bc655d3289ea86bf52aff9db2c74eb4d46017e0a259326ec9",
    "kodak_dc3400.jpg": "8c54b9ccf3b5bc71955643bb66a91d49a8e4b8d4d5b4bb33520411fbad646449",
    "kodak_proback_dto_in_ifd0.jpg": "d180267bbc7f598445d863ef12a69c786d8be387d5603eb8111fc18a2e25dc76",
    "nikon_d5000.jpg": "d54dd545a57024f66ad8caadd2b3362d24e8cf8ac87ab3ca3010cee4ff8c01f3",
    "nikon_e885_zerodate.jpg": "eeaacab8e1e21b040bf4f60507c534f80297f39209f781a5243cff47d4f4349f",
    "nintendo_3ds_stereo.mpo": "87db325e781004e1d4ed55c9a3e7cbb7a7034aa7ec4c93e0cc8b978248d7b8a6",
    "nokia_3110c_nodate.jpg": "d330c352c9cb4bcb60cd292c7a32d232f4929c5683d6b4d434de8e377b359783",
    "nokia_8_3_5g_offset.jpg": "e3e3a4287c3c13c793e7ec385c0d33cf89f04c3c508bb3e78c705c1833c785f3",
    "olympus_pen_e_p3.jpg": "974868936a91956dcf3fb64c68c5b1d2c996b74cb0c791a7cb564d309c3866b8",
    "panasonic_dmc_fz30_small.jpg": "9f1475ff702a060670398e568e529d878b0476c7861b70ce79c173f67b86dc91",
    "pannellum_equirect_pano.jpg": "f08370608f7f0db25499b34daf744c9f506cf82897b30f4d783874e093af8f90",
    "pentax_k10d_small.jpg": "9ad38c712d0f3786e3dc9b789e265da168dac4c699192e481b3e7161e4b78b16",
    "polaroid_ion230_futuredate.jpg": "e58cf8aa5233a737966344cd202b5373ec59d14a8f514787911f6ba8f34a2da6",
    "samsung_galaxy_s_o6.jpg": "a633918c99e7ec61bce6f3092833c571c6281ad6fd480c25c696be4b392df837",
    "samsung_s24ultra_200mp.heic": "d0fdc7abf9823c0623478ec1373071e4ca7b799b66e1851818464a39c5bcbbd3",
    "sony_cybershot_o6_prerotated.jpg": "fb6c59ac23dade2d3e834f623699640e8b663091cb6c6f03f498c76c4b5a10b6",
    "sony_dsc_hx5v_gps.jpg": "e9d7b76416894abaea56355525a9ce229bd412fee22a2d4135e5daaeca123459",
    "xiaomi_m2012k11ag.heic": "bb3e19bf8cd9c0dc302e8e1f8f0eecc622638b930ec127209b98af8cc7e4cf23",
}


@pytest.mark.shared
def test_real_pictures_keep_their_recorded_hashes() -> None:
    folder = shared_path("photos", "real")
    got: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".tsv", ".md"):
            continue
        try:
            with path.open("rb") as stream:  # as the scanner hands it: open file, size from fstat
                got[path.name] = perceptual_hash(stream, size=path.stat().st_size)
        except MediaError:
            continue
        assert perceptual_hash(io.BytesIO(path.read_bytes())) == got[path.name], path.name  # as a rendition
    assert got == RECORDED


def _with_segment(data: bytes, marker: int, payload: bytes, *, after_exif: bool) -> bytes:
    """``data`` with one more segment, right after SOI or right after the EXIF segment."""
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    at = 2
    if after_exif:
        exif_at = data.index(b"Exif\0\0") - 4  # FF E1, the length word, then "Exif"
        at = exif_at + 2 + struct.unpack(">H", data[exif_at + 2 : exif_at + 4])[0]
    return data[:at] + segment + data[at:]


def test_jpeg_orientation_is_settled_by_the_first_exif_block() -> None:
    """The head's walk stops at the first EXIF block: a later one cannot change the orientation
    (the first counts, as for the fingerprint), nor can anything before the scan."""
    from benchmarks.synthetic import photo_like

    from flickrsync.fingerprint._core import jpeg_orientation, orientation_of

    data = save(photo_like(120, 90, seed=3), "JPEG", quality=85, exif=exif_bytes(orientation=6))
    data = _with_segment(data, 0xE1, exif_bytes(orientation=3), after_exif=True)  # "Exif\0\0" + TIFF
    data = _with_segment(data, 0xFE, b"c" * 4000, after_exif=True)  # the scan is far from the head
    exif_end = data.index(b"\xff\xfe")
    assert jpeg_orientation(data[:exif_end]) == (True, 6)
    assert jpeg_orientation(data[: exif_end - 1]) == (False, None)  # the EXIF block is cut off
    assert orientation_of(data) == fingerprint_bytes(data).orientation == 6
    plain = save(photo_like(120, 90, seed=3), "JPEG", quality=85)
    scan = plain.index(b"\xff\xda")
    assert jpeg_orientation(plain[:scan]) == (False, None)
    assert jpeg_orientation(plain[: scan + 2]) == (True, None)


def test_jpeg_with_its_exif_in_the_head_and_its_scan_beyond_is_decoded_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.synthetic import photo_like

    from flickrsync.fingerprint import _perceptual

    monkeypatch.setattr(_perceptual, "HEAD_BYTES", 2048)
    decoded_from: list[type] = []
    original = _perceptual._jpeg_image

    def spy(stream: BinaryIO) -> Image.Image:
        decoded_from.append(type(stream))
        return original(stream)

    monkeypatch.setattr(_perceptual, "_jpeg_image", spy)
    data = save(photo_like(400, 300, seed=9), "JPEG", quality=85, exif=exif_bytes(orientation=8))
    data = _with_segment(data, 0xFE, b"c" * 5000, after_exif=True)
    path = tmp_path / "p.jpg"
    path.write_bytes(data)
    with path.open("rb") as stream:
        assert perceptual_hash(stream, size=len(data)) == _plain_phash(data)
    assert decoded_from == [io.BufferedReader]
