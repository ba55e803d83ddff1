"""What `flickrsync sync --dry-run` costs, this flickrsync against another one, on one corpus.

    .venv/bin/python -m benchmarks.dryrun_bench --baseline /path/to/other/src [--photos 1000]
                                                [--pending 200] [--repeat 5]

Issue 12 (choosing per photo) added work to every run: the user's lists are read, the files
about to be uploaded have their metadata and sidecars read, the settings of their folders are
resolved. This measures that a dry run still costs what it did: one fakeflickr account holding
``--photos`` pictures that flickrsync uploaded, a library holding them plus ``--pending`` new
ones (each with an XMP sidecar, as a photo manager leaves them), and two homes on that library
and account — one for this flickrsync, one for the baseline (``--baseline``: the ``src`` folder
of another checkout, e.g. ``git worktree add /tmp/base main``), each with its own index (a newer
index is refused by an older flickrsync) brought up to date by a first dry run.

Then ``sync --dry-run`` runs alternately in each home (a subprocess each, so start-up counts as a
user sees it), ``--repeat`` times, and the best and median wall times and the Flickr API calls
(fakeflickr's counters) are printed for each, with their ratio. Target: the same calls, and a
time ratio within the noise (<= 1.10).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.synchelpers import SyncLib, api_calls, picture_bytes

from benchmarks.sync_bench import Emulator

SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Picture {n}</rdf:li></rdf:Alt></dc:title>
<dc:subject><rdf:Bag><rdf:li>one</rdf:li><rdf:li>two</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>
"""


def run(src: Path, home: Path, *args: str) -> tuple[float, float]:
    """``flickrsync --home HOME ARGS`` with ``src`` first on the path: (wall seconds, CPU seconds
    of the process: user + system, which other work on the machine disturbs less)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flickrsync", "--home", str(home), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{src}: flickrsync {' '.join(args)} -> {done.returncode}\n{done.stderr}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the src folder of another flickrsync")
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--pending", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    ours = Path(__file__).resolve().parents[1] / "src"
    with tempfile.TemporaryDirectory(prefix="dryrun-bench-") as tmp:
        emulator = Emulator(Path(tmp) / "ff")
        try:
            lib = SyncLib.create(emulator.handle, Path(tmp) / "ours")
            lib.check_after_run = False
            for i in range(args.photos):
                lib.add_bytes(f"{2000 + i // 100}/{i // 10 % 10:02d}/IMG_{i:05d}.jpg", picture_bytes(i))
            first = lib.run("sync", "--yes")
            if first.code != 0:
                raise SystemExit(f"first sync failed: {first}")
            for i in range(args.pending):
                rel = f"New/{i // 50:02d}/NEW_{i:05d}"
                lib.add_bytes(f"{rel}.jpg", picture_bytes(1_000_000 + i))
                lib.add_bytes(f"{rel}.xmp", SIDECAR.format(n=i).encode())
            base = SyncLib.create(emulator.handle, Path(tmp) / "base", directory=lib.root)
            homes = {"this": (ours, lib.home), "baseline": (args.baseline, base.home)}
            for src, home in homes.values():
                run(src, home, "sync", "--dry-run")  # each index up to date
            times: dict[str, list[float]] = {name: [] for name in homes}
            cpu: dict[str, list[float]] = {name: [] for name in homes}
            calls: dict[str, list[int]] = {name: [] for name in homes}
            for _ in range(args.repeat):
                for name, (src, home) in homes.items():
                    emulator.handle.reset_calls()
                    seconds, used = run(src, home, "sync", "--dry-run")
                    times[name].append(seconds)
                    cpu[name].append(used)
                    calls[name].append(api_calls(emulator.handle.calls()))
        finally:
            emulator.close()
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"sync --dry-run of {args.photos} pictures on Flickr and {args.pending} to upload (with sidecars), "
        f"{args.repeat} runs each, alternated; load average {load}"
    )
    for name in homes:
        print(
            f"  {name:<9} wall best {min(times[name]):6.2f} s"
            f"  median {statistics.median(times[name]):6.2f} s;"
            f"  CPU best {min(cpu[name]):6.2f} s  median {statistics.median(cpu[name]):6.2f} s;"
            f"  API calls {sorted(set(calls[name]))}"
        )
    best = min(times["this"]) / min(times["baseline"])
    median = statistics.median(times["this"]) / statistics.median(times["baseline"])
    cpu_median = statistics.median(cpu["this"]) / statistics.median(cpu["baseline"])
    print(f"  CPU ratio this/baseline (median): {cpu_median:.2f}")
    same_calls = set(calls["this"]) == set(calls["baseline"])
    print(
        f"  ratio this/baseline: best {best:.2f}, median {median:.2f} [<= 1.10]; same API calls: {same_calls}"
    )
    return 0 if same_calls and best <= 1.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
