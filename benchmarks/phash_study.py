"""Which perceptual hash, and which match distance? Measured, not guessed.

    .venv/bin/python -m benchmarks.phash_study [--generated 120] [--shared ../shared/photos/real]

For every picture (the real samples that decode, plus generated photo-like pictures of varied
size and shape) it makes what Flickr serves as the small rendition: orientation applied, longest
side 320 px, EXIF stripped, re-encoded as JPEG at several qualities (and once sharpened). It then
compares, for each candidate hash, the distance between a picture's own hash (computed the way
``perceptual_hash`` does, on the original file) and the hash of its renditions, with the distances
between different pictures. The chosen hash must separate the two with a margin; the threshold is
the largest same-picture distance observed plus a safety margin, provided different pictures stay
above it. Figures are quoted in docs/content-id.md.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from benchmarks.synthetic import camera_exif, photo_like
from flickrsync.errors import MediaError
from flickrsync.fingerprint import hamming
from flickrsync.fingerprint._perceptual import HASH_SIZE, PHASH_MATCH_DISTANCE, hash_image, reduced_image
from flickrsync.fingerprint._perceptual import _flatten as flatten

RENDITION_SIDE = 320

#: (name, method, hash size) of the candidates
CANDIDATES = (
    ("phash8", "phash", 8),
    ("phash16", "phash", 16),
    ("dhash8", "dhash", 8),
    ("dhash16", "dhash", 16),
)

_SHARED = Path(
    os.environ.get("FLICKRSYNC_SHARED")
    or next(
        (p / "shared" for p in Path(__file__).resolve().parents if (p / "shared" / "photos").is_dir()),
        "shared",
    )
)


@dataclass
class Picture:
    name: str
    data: bytes


@dataclass(frozen=True)
class Variant:
    """One way Flickr's rendition pipeline might differ from ours."""

    quality: int
    resample: Image.Resampling = Image.Resampling.LANCZOS
    sharpen: bool = False
    gamma: float = 1.0


VARIANTS = (
    Variant(60),
    Variant(75),
    Variant(90),
    Variant(80, sharpen=True),
    Variant(80, resample=Image.Resampling.BILINEAR),
    Variant(80, gamma=0.85),  # a colour-profile conversion shifts tones a little
)


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit pictures stretched to 8 bits over their own range, as flickrsync does (how Flickr
    converts them is not known; a plain value/257 turns a thermal image into flat grey)."""
    if image.mode not in ("I;16", "I;16B", "I;16L", "I"):
        return image
    return flatten(image)


def rendition(data: bytes, variant: Variant) -> bytes:
    """What Flickr serves as the 320-px size: oriented, resized, EXIF stripped, JPEG."""
    with Image.open(io.BytesIO(data)) as opened:
        image = _eight_bit(ImageOps.exif_transpose(opened))
    return _finish(image, variant)


def _finish(image: Image.Image, variant: Variant) -> bytes:
    image = image.convert("RGB")
    image.thumbnail((RENDITION_SIDE, RENDITION_SIDE), variant.resample)
    if variant.sharpen:
        image = image.filter(ImageFilter.UnsharpMask(radius=1, percent=60, threshold=2))
    if variant.gamma != 1.0:
        image = image.point(lambda v: 255 * (v / 255) ** variant.gamma)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=variant.quality)
    return out.getvalue()


def _heif_rendition(data: bytes, variant: Variant) -> bytes:
    """HEIC: decode through the same route as flickrsync (rotation applied), then resize."""
    import pillow_heif

    heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
    primary = heif[heif.primary_index]
    if primary.size[0] * primary.size[1] > 100_000_000:
        raise MediaError("too large for a full decode in the study")
    return _finish(primary.to_pillow(), variant)


def generated(count: int, seed: int) -> list[Picture]:
    rng = random.Random(seed)
    pictures = []
    for n in range(count):
        width = rng.choice([800, 1024, 1200, 1600, 2000])
        ratio = rng.choice([4 / 3, 3 / 2, 16 / 9, 1.0, 3 / 4, 2 / 3])
        height = int(width / ratio)
        exif = Image.Exif()
        exif.load(camera_exif(n))
        exif[0x0112] = rng.choice([1, 1, 1, 3, 6, 8])
        out = io.BytesIO()
        photo_like(width, height, 1000 + n).save(out, "JPEG", quality=rng.choice([80, 90, 95]), exif=exif)
        pictures.append(Picture(f"generated-{n:03d}", out.getvalue()))
    return pictures


def real(folder: Path) -> list[Picture]:
    pictures = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".tsv", ".md"):
            continue
        pictures.append(Picture(path.name, path.read_bytes()))
    return pictures


def _summary(values: Sequence[int]) -> str:
    ordered = sorted(values)

    def pct(p: float) -> int:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return (
        f"n={len(ordered):6d} min={ordered[0]:3d} p1={pct(0.01):3d} p50={pct(0.5):3d} "
        f"p99={pct(0.99):3d} max={ordered[-1]:3d} mean={statistics.fmean(ordered):6.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shared", type=Path, default=_SHARED / "photos/real")
    args = parser.parse_args(argv)

    pictures = generated(args.generated, args.seed)
    if args.shared.is_dir():
        pictures = real(args.shared) + pictures

    own: dict[str, dict[str, str]] = {name: {} for name, _, _ in CANDIDATES}
    renditions: dict[str, dict[str, list[str]]] = {name: {} for name, _, _ in CANDIDATES}
    skipped = []
    for picture in pictures:
        try:
            reduced = reduced_image(picture.data)
            is_heif = picture.data[4:8] == b"ftyp" and picture.data[8:12] != b"avif"
            make: Callable[[bytes, Variant], bytes] = _heif_rendition if is_heif else rendition
            small = [make(picture.data, v) for v in VARIANTS]
            small_images = [reduced_image(s) for s in small]
        except (MediaError, OSError) as exc:
            skipped.append(f"{picture.name} ({exc})")
            continue
        for name, method, size in CANDIDATES:
            own[name][picture.name] = hash_image(reduced, method=method, size=size)
            renditions[name][picture.name] = [hash_image(s, method=method, size=size) for s in small_images]

    names = list(own[CANDIDATES[0][0]])
    print(f"pictures: {len(names)} ({len(names) - args.generated} real, {args.generated} generated)")
    print(f"renditions per picture: {len(VARIANTS)} (JPEG q60/75/90; q80 sharpened, bilinear, gamma 0.85)")
    if skipped:
        print("skipped (no decodable picture): " + "; ".join(skipped))
    near = [
        ("htc_desire.jpg", "htc_desire.webp"),
        ("google_pixel_4mb.jpg", "google_pixel_resized.jpg"),
        ("canon_s40.jpg", "canon_s40_exif_stripped.jpg"),
    ]
    near_set = {frozenset(p) for p in near}
    for name, _, size in CANDIDATES:
        bits = size * size
        same = [hamming(own[name][p], r) for p in names for r in renditions[name][p]]
        different = [
            hamming(own[name][a], r)
            for i, a in enumerate(names)
            for b in names[i + 1 :]
            if frozenset((a, b)) not in near_set
            for r in renditions[name][b][:1]
        ]
        worst_same = max(same)
        threshold = worst_same + max(2, bits // 32)
        false_matches = sum(1 for d in different if d <= threshold)
        print(f"\n{name} ({bits} bits)")
        print(f"  same picture vs its renditions : {_summary(same)}")
        print(f"  different pictures             : {_summary(different)}")
        print(
            f"  gap: worst same {worst_same}, closest different {min(different)}; "
            f"threshold {threshold} -> {false_matches} false matches of {len(different)} pairs"
        )
        present = [(a, b) for a, b in near if a in own[name] and b in own[name]]
        for a, b in present:
            print(f"  near-duplicate {a} vs {b}: {hamming(own[name][a], own[name][b])}")
        worst = sorted(
            ((hamming(own[name][p], r), p) for p in names for r in renditions[name][p]), reverse=True
        )[:3]
        print("  worst same-picture cases: " + ", ".join(f"{p} {d}" for d, p in worst))
        if (name, size) == (f"phash{HASH_SIZE}", HASH_SIZE):
            missed = sum(1 for d in same if d > PHASH_MATCH_DISTANCE)
            wrong = sum(1 for d in different if d <= PHASH_MATCH_DISTANCE)
            print(
                f"  CHOSEN: PHASH_MATCH_DISTANCE={PHASH_MATCH_DISTANCE}: {missed} of {len(same)} renditions "
                f"missed, {wrong} of {len(different)} different pairs matched"
            )


if __name__ == "__main__":
    main()
