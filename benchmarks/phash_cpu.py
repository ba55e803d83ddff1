"""CPU time of one perceptual hash, per file, against the bare-Pillow floor (single process).

Run from the repository root::

    .venv/bin/python -m benchmarks.phash_cpu --corpus benchmarks/out/scale-corpus/files --sample 3000

Measured with ``time.process_time`` (the machine is shared: wall time is noisy), best of
``--repeat`` runs, in ms per file:

(a) ``perceptual_hash`` of a sample of the corpus's files (every n-th in sorted order), opened as
    ``localfs._perceptual_batch`` opens them (path, size and mtime checked, ``fstat``);
(b) the real camera and phone files in ``../shared/photos/real`` (when present);
(c) the same sample as bytes in memory, as ``localfs.hash_renditions`` hashes Flickr renditions;
(floor) Pillow alone on the bytes of (c): open, greyscale draft, load, 64x64 LANCZOS resize --
    what any pHash of a JPEG must do, without orientation, DCT or hex.

To compare with another checkout, run it again with ``PYTHONPATH=<checkout>/src``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from flickrsync import fingerprint, localfs
from flickrsync.errors import MediaError

REAL = (
    Path(
        os.environ.get("FLICKRSYNC_SHARED")
        or next(
            (p / "shared" for p in Path(__file__).resolve().parents if (p / "shared" / "photos").is_dir()),
            "shared",
        )
    )
    / "photos"
    / "real"
)


def _best(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def _floor(blobs: list[bytes]) -> None:
    for data in blobs:
        image = Image.open(io.BytesIO(data))
        image.draft("L", (256, 256))
        image.load()
        image.convert("L").resize((64, 64), Image.Resampling.LANCZOS)


def _real_files(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        if path.suffix in (".md", ".tsv"):
            continue
        with path.open("rb") as stream, contextlib.suppress(MediaError):
            fingerprint.perceptual_hash(stream, size=os.fstat(stream.fileno()).st_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a folder of small JPEGs")
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file())
    step = max(len(files) // args.sample, 1)
    sample = files[::step][: args.sample]
    items = [[(os.fsencode(p), p.stat().st_size, p.stat().st_mtime_ns)] for p in sample]
    blobs = [p.read_bytes() for p in sample]
    fingerprint.prepare_perceptual()
    print(f"flickrsync from {Path(fingerprint.__file__).parent}; load {os.getloadavg()[0]:.2f}")
    n = len(sample)
    figures = {
        "(a) files": _best(lambda: localfs._perceptual_batch(items), args.repeat) / n,
        "(c) bytes": _best(lambda: localfs.hash_renditions(blobs), args.repeat) / n,
        "floor": _best(lambda: _floor(blobs), args.repeat) / n,
    }
    if REAL.is_dir():
        count = sum(1 for p in REAL.iterdir() if p.suffix not in (".md", ".tsv"))
        figures["(b) real"] = _best(lambda: _real_files(REAL), args.repeat) / count
    for name, seconds in figures.items():
        print(f"{name:10s} {seconds * 1000:8.3f} ms/file")
    floor = figures["floor"]
    print(f"(a)/floor {figures['(a) files'] / floor:.2f}, (c)/floor {figures['(c) bytes'] / floor:.2f}")


if __name__ == "__main__":
    main()
