"""Review page benchmark: how fast the page of a large plan paints in a real browser.

    .venv/bin/python -m benchmarks.review_bench [--pictures 10000] [--photos 10000] [--repeat 5]

Builds a library of N small pictures (100 folders) and an account of M photos only on Flickr
(fakeflickr on loopback), runs ``flickrsync review --no-browser`` as a user does, and loads its
page in Debian's headless Chromium (:mod:`tests.scenarios.browser`): the uploads, the downloads,
and a page from the middle of the uploads. For each it prints the median first-contentful-paint
and DOMContentLoaded over ``--repeat`` loads (the Performance API's figures, ms after the
navigation started), and the same for a plan of 100 + 100 items measured in the same run (the
baseline): the ratio says what 10,000 items cost over 100. The target (issue 13): first paint
under 2 s for 10,000 items on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.scenarios.browser import ReviewProcess, chromium, missing, paint_timings
from tests.synchelpers import SyncLib, picture_bytes, posted

from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, FakeFlickrHandle

VIEWS = (("uploads, page 1", "section=uploads"), ("downloads, page 1", "section=downloads"))


def build(base: Path, ff: FakeFlickrHandle, pictures: int, photos: int) -> SyncLib:
    """A flickrsync home with ``pictures`` pictures in its library and ``photos`` photos only on
    Flickr."""
    lib = SyncLib.create(ff, base)
    lib.check_after_run = False
    for i in range(pictures):
        path = lib.root / f"folder{i % 100:03d}" / f"IMG_{i:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(picture_bytes(1_000_000 + i))
    seeded = [{"title": f"photo {i:05d}", "date_upload": posted(i)} for i in range(photos)]
    for start in range(0, len(seeded), 5000):
        ff.seed_photos(seeded[start : start + 5000])
    return lib


def measure(driver: Any, url: str, repeat: int) -> dict[str, float]:
    fcps, dcls = [], []
    for _ in range(repeat):
        driver.get(url)
        timings = paint_timings(driver)
        fcps.append(float(timings["fcp"]))
        dcls.append(float(timings["dcl"]))
    return {"fcp": statistics.median(fcps), "dcl": statistics.median(dcls)}


def run(base: Path, pictures: int, photos: int, repeat: int, driver: Any) -> dict[str, dict[str, float]]:
    data = base / "fakeflickr"
    data.mkdir(parents=True)
    with FakeFlickr(data, consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)]) as server:
        ff = FakeFlickrHandle(server.base_url, data_dir=data)
        lib = build(base, ff, pictures, photos)
        started = time.monotonic()
        review = ReviewProcess(lib.home, timeout=1800)
        planned = time.monotonic() - started
        try:
            print(f"  {pictures:,} pictures + {photos:,} photos: planned in {planned:.1f} s")
            results = {}
            middle = max(1, pictures // 200)
            for label, query in (*VIEWS, (f"uploads, page {middle}", f"section=uploads&page={middle}")):
                results[label] = measure(driver, f"{review.url}&{query}", repeat)
        finally:
            review.kill()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    why = missing()
    if why is not None:
        raise SystemExit(f"review_bench: {why}")
    with (
        tempfile.TemporaryDirectory(prefix="review-bench-") as tmp,
        chromium(Path(tmp) / "chromium") as driver,
    ):
        print("baseline (100 + 100):")
        small = run(Path(tmp) / "small", 100, 100, args.repeat, driver)
        print(f"large ({args.pictures:,} + {args.photos:,}):")
        large = run(Path(tmp) / "large", args.pictures, args.photos, args.repeat, driver)
    print(f"\n{'view':<22} {'FCP ms':>8} {'DCL ms':>8} {'base FCP':>9} {'ratio':>6}")
    for label, got in large.items():
        base = small.get(label, small["uploads, page 1"])
        print(
            f"{label:<22} {got['fcp']:>8.0f} {got['dcl']:>8.0f} {base['fcp']:>9.0f} "
            f"{got['fcp'] / base['fcp']:>6.2f}"
        )
    worst = max(v["fcp"] for v in large.values())
    print(f"\nworst first paint for {args.pictures + args.photos:,} items: {worst:.0f} ms (target < 2000 ms)")


if __name__ == "__main__":
    main()
