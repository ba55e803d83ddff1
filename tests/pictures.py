"""Pictures and videos generated for tests (small, fast, deterministic)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.fingerprint_samples import Track, mp4


def make_jpeg(
    path: Path,
    seed: int = 0,
    *,
    size: tuple[int, int] = (48, 32),
    date: str | None = "2021:06:01 10:00:00",
    orientation: int | None = None,
) -> Path:
    """A small JPEG whose pixels depend on ``seed``, with EXIF written through Pillow's API."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256))
    for x in range(0, size[0], 4):
        img.putpixel((x, (x + seed) % size[1]), (255 - x % 256, seed % 256, 0))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if date is not None:
        exif.get_ifd(0x8769)[0x9003] = date
    img.save(path, "JPEG", exif=exif, quality=90)
    return path


def fake_mp4(path: Path, seed: int = 0) -> Path:
    """A small, structurally valid MP4 (one video track of random sample bytes, no encoder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mp4([Track(b"vide", [300, 200, 250], [(1, 3)])], seed=seed))
    return path
