"""Photo-like synthetic pictures for the benchmarks (deterministic from a seed).

Camera JPEGs are mostly noise-limited texture: smooth gradients and shapes plus sensor-like noise
give Pillow's encoder the same amount of work, and file sizes of 2.5-5 MB at 12 MP and quality 90.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """An RGB picture: a few large soft shapes over a gradient, with fine texture and noise."""
    rng = np.random.default_rng(seed)
    # build at low resolution and scale up: cheap, and gives the smooth structure of a photo
    small_w, small_h = max(width // 8, 8), max(height // 8, 8)
    y, x = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    img = np.zeros((small_h, small_w, 3), np.float32)
    for c in range(3):
        angle = rng.uniform(0, np.pi)
        img[..., c] = 128 + 90 * np.sin((x * np.cos(angle) + y * np.sin(angle)) / rng.uniform(8, 40))
    for _ in range(int(rng.integers(4, 12))):
        cx, cy = rng.uniform(0, small_w), rng.uniform(0, small_h)
        r = rng.uniform(small_w / 20, small_w / 3)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        img[mask] = img[mask] * 0.3 + rng.uniform(0, 255, 3) * 0.7
    base = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").resize(
        (width, height), Image.Resampling.BICUBIC
    )
    arr = np.asarray(base, dtype=np.int16)
    texture = rng.normal(0, 9, (height, width, 1)).astype(np.int16)
    arr = np.clip(arr + texture, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def camera_exif(seed: int) -> bytes:
    """An EXIF block like a camera's: make/model, orientation, date, sub-seconds, offset."""
    exif = Image.Exif()
    exif[0x010F] = "Synthetic"
    exif[0x0110] = "Bench Camera"
    exif[0x0112] = 1
    ifd = exif.get_ifd(0x8769)
    day = 1 + seed % 28
    ifd[0x9003] = f"2023:05:{day:02d} 12:{seed % 60:02d}:{(seed * 7) % 60:02d}"
    ifd[0x9291] = f"{seed % 1000:03d}"
    ifd[0x9011] = "+02:00"
    ifd[0x829A] = (1, 250)
    ifd[0x8827] = 200
    return exif.tobytes()


def camera_jpeg(seed: int, width: int = 4000, height: int = 3000, quality: int = 90) -> bytes:
    """A 12-MP camera-like JPEG with EXIF (2.5-5 MB)."""
    out = io.BytesIO()
    photo_like(width, height, seed).save(out, "JPEG", quality=quality, exif=camera_exif(seed))
    return out.getvalue()
