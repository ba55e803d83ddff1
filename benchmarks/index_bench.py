"""Index benchmark: the main thread's index work in a first ``sync2 --dry-run`` (issue 14).

    .venv/bin/python -m benchmarks.index_bench [--n 100000] [--baseline SRC] [--rounds 2]

Measures CPU seconds (``time.process_time``: this process only, single-threaded here) of each
step the index takes in the big dry run, on synthetic data shaped as the scale benchmark's
(``benchmarks/scale_bench.py``): ``--n`` files of distinct pictures in year/month folders, and an
account of ``--n`` photos (half with tags, a quarter with our machine tag):

* ``write``: the first scan's writes (``Index.record_files`` in batches of
  ``scanner.SCAN_WRITE_FILES``, as the scan makes them) into a fresh index on disk;
* ``fetch``: what the first scan asks the index before it reads (``scanner.fetch`` of every
  path and stat the walk saw) — on an empty index;
* ``store``: keeping the listing (``runstate.store_listing``: a full, complete listing);
* ``state``: reading the state back (``runstate.indexed_state``, given what ``store_listing``
  returned when this version returns something);
* ``candidates``: ``Index.phash_candidates()`` (every photo lacks a perceptual hash);
* ``phashes``: their hashes written as the look-ups write them (``Index.set_phashes`` of
  ``scanner.PHASH_WRITE_BATCH`` at a time, in the candidates' order).

All of it runs as ``Engine.prepare`` runs it: inside ``flickrsync.heap.building`` when the
checkout has it (full garbage collections would otherwise dominate the readers' figures).

``--baseline SRC`` runs the same in subprocesses against another checkout's ``src`` folder (e.g.
``git archive main src | tar -x -C /tmp/old``), alternated with this checkout's, ``--rounds``
times, and prints each step's ratio new/old (medians).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import inspect
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STEPS = ("write", "fetch", "store", "state", "candidates", "phashes")


def _as_prepare_builds() -> AbstractContextManager[object]:
    """What ``Engine.prepare`` runs in, when the checkout has it (``flickrsync.heap.building``:
    no full garbage collection while the run's data is built)."""
    try:
        heap = importlib.import_module("flickrsync.heap")
    except ImportError:
        return nullcontext()
    building: Callable[[], AbstractContextManager[object]] = heap.building
    return building()


def measure(n: int) -> dict[str, float]:
    from flickrsync import runstate, scanner
    from flickrsync.fingerprint import PictureMeta
    from flickrsync.index import Index
    from flickrsync.models import (
        Account,
        FileStat,
        Fingerprint,
        LocalFile,
        LocalPath,
        Nsid,
        PhotoId,
        RemotePhoto,
    )

    rng = random.Random(14)
    root = "/srv/Pictures"
    files: list[LocalFile] = []
    metas: dict[LocalPath, PictureMeta] = {}
    for i in range(n):
        year, month = 2005 + i % 20, 1 + (i // 20) % 12
        path = LocalPath(root, f"{year}/{month:02d}/IMG_{i:06d}.jpg")
        files.append(
            LocalFile(
                path=path,
                stat=FileStat(
                    size=1400 + i % 300, mtime_ns=1_700_000_000_000_000_000 + i, dev=2049, ino=10_000 + i
                ),
                fingerprint=Fingerprint(
                    content_id=hashlib.sha256(str(i).encode()).hexdigest(),  # type: ignore[arg-type]
                    id_kind="imagedata",
                    media="photo",
                    format="jpeg",
                    width=72,
                    height=48,
                    orientation=1,
                    date_taken=f"{year}-{month:02d}-{1 + i % 28:02d} 12:{i % 60:02d}:00",
                ),
            )
        )
        metas[path] = PictureMeta()
    photos: list[RemotePhoto] = []
    for i in range(n):
        pid = str(50_000_000_000 + rng.randrange(10**9))
        tags: tuple[str, ...] = ()
        machine: tuple[str, ...] = ()
        if i % 4 == 0:
            machine = (f"flickrsync:imagehash={hashlib.sha256(str(i).encode()).hexdigest()}",)
            tags = machine
        elif i % 4 == 1:
            tags = ("holiday", "beach")
        photos.append(
            RemotePhoto(
                id=PhotoId(pid),
                title=f"IMG_{i:06d}",
                secret=f"{rng.getrandbits(40):010x}",
                server="65535",
                farm=66,
                tags=tags,
                machine_tags=machine,
                date_taken=f"{2005 + i % 20}-03-04 12:00:00",
                date_taken_unknown=i % 20 == 0,
                date_upload=1_600_000_000 + i,
                last_update=1_600_000_000 + i,
                original_format="jpg",
                original_secret=f"{rng.getrandbits(40):010x}",
                o_width=72,
                o_height=48,
                url_o=f"http://127.0.0.1:1/{pid}_o.jpg",
                url_small=f"http://127.0.0.1:1/{pid}_n.jpg",
                is_public=i % 2 == 0,
            )
        )
    nsid = Nsid("12345678@N00")
    result: dict[str, float] = {}
    with (
        _as_prepare_builds(),
        tempfile.TemporaryDirectory(prefix="index-bench-") as tmp,
        Index.open(Path(tmp) / "index.db") as index,
    ):
        index.upsert_account(Account(nsid, "bench"))
        (rid,) = index.ensure_roots([root])
        walked = [(rid, os.fsencode(f.path.relpath), *f.stat.key()) for f in files]
        needs = scanner.Needs(
            paths=frozenset((w[0], w[1]) for w in walked), stats=frozenset(w[2:] for w in walked)
        )
        started = time.process_time()
        scanner.fetch(index, needs, scanner.Held(manifests={rid: {}}, folders={}))
        result["fetch"] = time.process_time() - started

        started = time.process_time()
        step = scanner.SCAN_WRITE_FILES
        for start in range(0, n, step):
            batch = files[start : start + step]
            index.record_files(batch, now=1_700_000_000, meta={f.path: metas[f.path] for f in batch})
        result["write"] = time.process_time() - started

        listing = runstate.RemoteListing(list(photos), full=True, complete=True, flickr_total=n)
        started = time.process_time()
        stored = runstate.store_listing(index, nsid, listing, None, now=1_700_000_000)
        result["store"] = time.process_time() - started

        started = time.process_time()
        if "stored" in inspect.signature(runstate.indexed_state).parameters:
            state: Any = runstate.indexed_state(index, nsid, stored=stored)
        else:
            state = runstate.indexed_state(index, nsid)
        result["state"] = time.process_time() - started
        assert len(state[0]) == n, "bench: wrong pictures"
        assert len(state[2]) == len({p.id for p in photos}), "bench: wrong photos"

        started = time.process_time()
        found = index.phash_candidates()
        result["candidates"] = time.process_time() - started
        assert len(found) == n

        started = time.process_time()
        step = scanner.PHASH_WRITE_BATCH
        for start in range(0, n, step):
            index.set_phashes(
                {cid: f"{i:016x}" for i, (cid, _files) in enumerate(found[start : start + step])}
            )
        result["phashes"] = time.process_time() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout's src folder")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.n)))
        return 0
    if args.baseline is None:
        for step, seconds in measure(args.n).items():
            print(f"{step:>10}: {seconds:6.2f} s CPU")
        return 0
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for _ in range(args.rounds):
        for label, src in (("old", args.baseline.resolve()), ("new", REPO / "src")):
            env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{REPO}"}
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.index_bench", "--child", "--n", str(args.n)],
                env=env,
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs[label].append(json.loads(out.strip().splitlines()[-1]))
            print(f"{label}: " + ", ".join(f"{k} {v:.2f}" for k, v in runs[label][-1].items()), flush=True)
    print(
        f"{args.n:,} files and photos, CPU seconds (median of {args.rounds}), load {os.getloadavg()[0]:.2f}:"
    )
    for step in STEPS:
        old = statistics.median(r[step] for r in runs["old"])
        new = statistics.median(r[step] for r in runs["new"])
        print(f"{step:>10}: old {old:6.2f}  new {new:6.2f}  new/old {new / old:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
