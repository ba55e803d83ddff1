"""A real uplink (issue 14 point 4): does a first sync keep a home connection's uplink full?

    .venv/bin/python -m benchmarks.uplink_bench [--quick] [--pictures 500] [--mb 4]
        [--latency-ms 150] [--up 5000000] [--down 25000000] [--lookups 400]
        [--transfers 2,4,8] [--checkers 4,8,16] [--repeat 2]

fakeflickr runs in its own process with its network model on (:mod:`fakeflickr.link`: a round
trip per request, one shared uplink and downlink); each run is the real CLI in a process of its
own, on a fresh fakeflickr and a fresh flickrsync home: the first ``sync --yes`` of a library of
PICTURES files of MB megabytes each (a small noise JPEG followed by random bytes up to the size:
incompressible, a valid JPEG Flickr keeps as it is), in five folders (five photosets to make).

The account already holds LOOKUPS photos the library does not have, of the pictures' size and
without a date taken, so pruning cannot rule them out: matching fetches each one's small
rendition (one request each, ``checkers`` at a time) before the plan is made. That is the part
of the run ``checkers`` decides; the uploads are the part ``transfers`` decides.

Each run's debug log gives the phases' durations (``phase transfers: … in 51.2 s``); reported:

* **uplink use** — the bytes uploaded over the transfers phase's time, against the modelled
  uplink (target: at least 90 %), and over the whole run (what the user waits for: scan,
  listing, matching and the photosets are not behind the transfers);
* **look-ups** — renditions fetched per second in the identify phase;
* the API calls by method, and what the run spent before and after its transfers.

The matrix: every ``--transfers`` value with the first ``--checkers`` value that is the
current default (8), then every ``--checkers`` value with the default transfers (4).
``--quick`` is 60 pictures of 4 MB and 200 look-ups (about a minute a run); the full size,
500 x 4 MB at 5 MB/s, is about 400 s a run. The library is cached in ``benchmarks/out``.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from benchmarks.scale_bench import OUT, Run, fakeflickr, make_home, run_cli

FOLDERS = ["Trip 1", "Trip 2", "Trip 3", "Trip 4", "Trip 5"]
WIDTH, HEIGHT = 64, 48
#: The defaults the runs are compared with (RunOptions / config).
DEFAULT_TRANSFERS, DEFAULT_CHECKERS = 4, 8


def picture_bytes(i: int, size: int) -> bytes:
    """Picture ``i``: a 64 x 48 noise JPEG (a look and a content of its own), then random bytes
    after its end marker up to ``size`` bytes."""
    rng = random.Random(i)
    out = io.BytesIO()
    Image.frombytes("RGB", (WIDTH, HEIGHT), rng.randbytes(WIDTH * HEIGHT * 3)).save(out, "JPEG", quality=85)
    head = out.getvalue()
    return head + rng.randbytes(size - len(head))


def library(count: int, size: int) -> list[Path]:
    """The cached corpus: ``count`` pictures of ``size`` bytes, made now if missing."""
    base = OUT / "uplink-corpus" / str(size)
    base.mkdir(parents=True, exist_ok=True)
    paths = []
    made = 0
    for i in range(count):
        path = base / f"IMG_{i:05d}.jpg"
        if not path.exists() or path.stat().st_size != size:
            path.write_bytes(picture_bytes(i, size))
            made += 1
        paths.append(path)
    if made:
        print(f"corpus: {made} pictures of {size:,} bytes made ({base})")
    return paths


def lookup_specs(count: int) -> list[dict[str, Any]]:
    """Photos of the pictures' size without a date taken (pruning keeps them: see the docstring)."""
    posted = int(time.time()) - 86_400
    return [
        {"title": f"DSC_{j:05d}", "width": WIDTH, "height": HEIGHT, "date_upload": posted}
        for j in range(count)
    ]


@dataclass
class Result:
    transfers: int
    checkers: int
    run: Run
    uploaded_bytes: int

    def phase_seconds(self, name: str) -> float:
        return self.run.phase_seconds(name)


def one_run(
    files: Sequence[Path], lookups: int, transfers: int, checkers: int, link: dict[str, float]
) -> Result:
    with tempfile.TemporaryDirectory(prefix="uplink-", dir=OUT) as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "Pictures"
        for i, path in enumerate(files):
            target = root / FOLDERS[i % len(FOLDERS)] / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
        with fakeflickr(tmp / "ff") as ff:
            ff.configure(ticket_delay=0)
            if lookups:
                ff.seed_photos(lookup_specs(lookups))
            home = make_home(ff, tmp, root)
            ff.set_link(**link)
            args = ("sync", "--yes", "--transfers", str(transfers), "--checkers", str(checkers))
            run = run_cli(ff, home, f"t{transfers}-c{checkers}", args, None)
            ff.set_link(latency_ms=0, up_bytes_per_s=0, down_bytes_per_s=0)
        outcome = run.doc.get("outcome") or {}
        if outcome.get("uploaded") != len(files) or outcome.get("failed"):
            raise SystemExit(f"run t{transfers}-c{checkers}: uploaded {outcome.get('uploaded')}, {outcome}")
        return Result(transfers, checkers, run, sum(p.stat().st_size for p in files))


def report(results: list[Result], rate: float, lookups: int) -> None:
    print(
        f"\n{'transfers':>9}{'checkers':>9}{'wall s':>16}{'transfers s':>16}{'uplink use':>16}"
        f"{'whole run':>14}{'identify s':>14}{'renditions/s':>14}{'before s':>10}{'after s':>9}"
    )
    keys = sorted({(r.transfers, r.checkers) for r in results})
    for transfers, checkers in keys:
        runs = [r for r in results if (r.transfers, r.checkers) == (transfers, checkers)]
        wall = ", ".join(f"{r.run.seconds:.1f}" for r in runs)
        moving = ", ".join(f"{r.phase_seconds('transfers'):.1f}" for r in runs)
        use = ", ".join(f"{r.uploaded_bytes / r.phase_seconds('transfers') / rate:.1%}" for r in runs)
        whole = ", ".join(f"{r.uploaded_bytes / r.run.seconds / rate:.0%}" for r in runs)
        ident = ", ".join(f"{r.phase_seconds('identify'):.1f}" for r in runs)
        per_s = ", ".join(
            f"{r.run.renditions / r.phase_seconds('identify'):.0f}" if r.phase_seconds("identify") else "-"
            for r in runs
        )
        # Before the transfers: scan and listing (overlapped), then identify; after: photosets
        # (and the process's start and end).
        before = statistics.mean(
            max(r.phase_seconds("scan"), r.phase_seconds("listing")) + r.phase_seconds("identify")
            for r in runs
        )
        after = statistics.mean(
            r.run.seconds
            - r.phase_seconds("transfers")
            - max(r.phase_seconds("scan"), r.phase_seconds("listing"))
            - r.phase_seconds("identify")
            for r in runs
        )
        print(
            f"{transfers:>9}{checkers:>9}{wall:>16}{moving:>16}{use:>16}{whole:>14}{ident:>14}{per_s:>14}"
            f"{before:>10.1f}{after:>9.1f}"
        )
    first = results[0]
    print(
        f"\nrenditions fetched per run: {first.run.renditions} of {lookups} look-up photos; "
        f"API calls by method (first run): {dict(sorted(first.run.calls.items()))}"
    )
    print(
        "uplink use: bytes uploaded / transfers phase / modelled rate (bodies only: multipart framing"
        " and API parameters also cross the modelled uplink); whole run: the same over the wall time."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="60 pictures of 4 MB, 200 look-ups")
    parser.add_argument("--pictures", type=int, default=500)
    parser.add_argument("--mb", type=float, default=4.0, help="megabytes (10^6) per picture")
    parser.add_argument("--lookups", type=int, default=400, help="account photos matching must fetch")
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--up", type=float, default=5_000_000, help="uplink, bytes/s")
    parser.add_argument("--down", type=float, default=25_000_000, help="downlink, bytes/s")
    parser.add_argument("--transfers", default="2,4,8")
    parser.add_argument("--checkers", default="4,8,16")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    if args.quick:
        args.pictures, args.lookups = 60, 200
    transfers = [int(x) for x in args.transfers.split(",")]
    checkers = [int(x) for x in args.checkers.split(",")]
    matrix = [(t, DEFAULT_CHECKERS) for t in transfers]
    matrix += [(DEFAULT_TRANSFERS, c) for c in checkers if (DEFAULT_TRANSFERS, c) not in matrix]
    link = {"latency_ms": args.latency_ms, "up_bytes_per_s": args.up, "down_bytes_per_s": args.down}
    OUT.mkdir(parents=True, exist_ok=True)
    files = library(args.pictures, int(args.mb * 1e6))
    total = sum(p.stat().st_size for p in files)
    print(
        f"model: {args.latency_ms:g} ms round trip, uplink {args.up:,.0f} B/s, downlink {args.down:,.0f} B/s;"
        f" {len(files)} pictures, {total:,} bytes (floor {total / args.up:.1f} s at the uplink's rate);"
        f" {args.lookups} look-ups; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    results = []
    for _ in range(args.repeat):
        for t, c in matrix:
            result = one_run(files, args.lookups, t, c, link)
            print(
                f"  transfers {t}, checkers {c}: {result.run.seconds:.1f} s, "
                f"phases { ({k: v[2] for k, v in result.run.phases.items()}) }",
                flush=True,
            )
            results.append(result)
    report(results, args.up, args.lookups)
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
