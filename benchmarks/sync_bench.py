"""Sync benchmark: what `flickrsync sync` and `photosets` cost against fakeflickr on loopback.

    .venv/bin/python -m benchmarks.sync_bench [--photos 1000] [--identify 500] [--set-photos 5000]
                                              [--folders 200] [--moves 10] [--size 640x480]

Runs the CLI in-process (``flickrsync.cli.main``) against an in-process fakeflickr whose WSGI app
counts the bytes of every request and answer. Four parts, each printed against its floor and,
where one exists, a baseline measured in the same run:

1. **First sync** of N new pictures (photo-like JPEGs, 4 transfers): wall time vs N bare uploads
   through :class:`~flickrsync.client.FlickrClient` on 4 threads (no scan, no matching, no sets);
   API calls per photo vs the floor of 1 (one upload each); bytes sent to the upload endpoint vs
   the files' bytes (floor 1.0: multipart overhead only).
2. **No-change re-sync** of those N photos: API calls vs the floor of a full listing,
   ceil(N/500) (what a relist would cost; the incremental index should need fewer).
3. **Identify** M Flickr photos that exist locally under other names (another title, EXIF
   stripped and re-encoded by the uploading app, so neither title nor date can tell): bytes
   downloaded vs the originals' bytes (flickrsync 0.1.1 downloaded every original: 100%; floor
   0). Also the easy case (same file, other title: the date taken matches). The engine fetches
   the 320-px size of each candidate, so the share depends on the originals' size: 3 MP by
   default (``--identify-size``); camera originals of 12-24 MP make it several times smaller.
4. **Photosets**: calls to build sets for P photos in F folders (already on Flickr, tagged), vs
   the floor (per set: create, plus one editPhotos when it holds more than 2 photos); then write
   calls after moving K files to other folders (target <= 2 per moved file).
"""

from __future__ import annotations

import argparse
import io
import math
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from tests.synchelpers import (
    RunResult,
    SyncLib,
    date_of,
    flickr_date,
    machine_tag,
    posted,
    seed_spec,
)

from benchmarks.synthetic import photo_like
from fakeflickr.server import App, FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, FakeFlickrHandle
from flickrsync.client import FlickrClient
from flickrsync.models import AccessToken, Account, Endpoints, Nsid
from flickrsync.retry import RateBudget

PER_PAGE = 500


class MeteredApp(App):
    """fakeflickr's WSGI app, counting request and answer bytes per kind of endpoint."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meter_lock = threading.Lock()
        self.sent: Counter[str] = Counter()  # request bodies, client -> server
        self.received: Counter[str] = Counter()  # answer bodies, server -> client

    @staticmethod
    def kind(path: str) -> str:
        if path.startswith("/__admin/"):
            return "admin"
        if path.startswith("/services/upload") or path.startswith("/services/replace"):
            return "upload"
        if path.startswith("/services/"):
            return "rest"
        stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
        return "original" if stem.endswith(("_o", "_o_d")) else "small"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        kind = self.kind(str(environ.get("PATH_INFO", "")))
        with self.meter_lock:
            self.sent[kind] += int(environ.get("CONTENT_LENGTH") or 0)
        return self._count(kind, super().__call__(environ, start_response))

    def _count(self, kind: str, body: Iterable[bytes]) -> Iterator[bytes]:
        try:
            for chunk in body:
                with self.meter_lock:
                    self.received[kind] += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def reset_meter(self) -> None:
        with self.meter_lock:
            self.sent.clear()
            self.received.clear()


class Emulator:
    """An in-process fakeflickr with a metered app."""

    def __init__(self, data_dir: Path) -> None:
        self.server = FakeFlickr(data_dir, consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)])
        self.app = MeteredApp(self.server.store)
        self.server.app = self.app
        self.server.start()
        self.handle = FakeFlickrHandle(self.server.base_url, data_dir=data_dir)

    def close(self) -> None:
        self.server.stop()


def photo_jpeg(seed: int, size: tuple[int, int], *, exif: bool = True) -> bytes:
    """A photo-like JPEG (texture and noise, so it compresses like a camera's) with a date."""
    out = io.BytesIO()
    image = photo_like(size[0], size[1], seed)
    if exif:
        info = Image.Exif()
        info.get_ifd(0x8769)[0x9003] = date_of(seed)
        image.save(out, "JPEG", quality=90, exif=info)
    else:
        image.save(out, "JPEG", quality=85)
    return out.getvalue()


def timed(lib: SyncLib, *args: str) -> tuple[RunResult, float]:
    started = time.perf_counter()
    result = lib.run(*args)
    seconds = time.perf_counter() - started
    if result.code != 0:
        raise SystemExit(f"benchmark run failed: {result}")
    return result, seconds


def bare_uploads(emulator: Emulator, datas: list[bytes], workers: int = 4) -> float:
    """Seconds for uploading ``datas`` with the bare client on ``workers`` threads (another user)."""
    user = emulator.handle.create_user("baseline")
    minted = emulator.handle.mint_token(user=user["nsid"])
    token = AccessToken(
        minted.token, minted.secret, "write", Account(Nsid(minted.user_nsid), minted.username)
    )
    with httpx.Client(timeout=120) as http:
        client = FlickrClient(
            http,
            api_key=TEST_CONSUMER_KEY,
            api_secret=TEST_CONSUMER_SECRET,
            token=token,
            endpoints=Endpoints.from_base(emulator.handle.base_url),
            budget=RateBudget(1_000_000),
        )
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda d: client.upload(io.BytesIO(d[1]), f"b{d[0]}.jpg"), enumerate(datas)))
        return time.perf_counter() - started


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def part_first_sync(tmp: Path, n: int, size: tuple[int, int]) -> None:
    emulator = Emulator(tmp / "ff1")
    try:
        lib = SyncLib.create(emulator.handle, tmp / "p1")
        lib.check_after_run = False
        started = time.perf_counter()
        datas = [
            lib.add_bytes(f"{2000 + i // 100}/{i // 10 % 10:02d}/IMG_{i:05d}.jpg", photo_jpeg(i, size))
            for i in range(n)
        ]
        made = time.perf_counter() - started
        file_bytes = sum(len(d) for d in datas)
        emulator.app.reset_meter()
        first, wall = timed(lib, "sync", "--yes", "--no-photosets")
        sent_upload = emulator.app.sent["upload"]
        calls = first.api_calls
        uploads = first.calls.get("upload", 0)
        with_sets, wall_sets = timed(lib, "photosets")
        baseline_datas = [photo_jpeg(10_000_000 + i, size) for i in range(n)]
        base = bare_uploads(emulator, baseline_datas)
        emulator.app.reset_meter()
        again, wall_again = timed(lib, "sync", "--yes")
        lib.check()
        floor = math.ceil(n / PER_PAGE)
        avg_kb = file_bytes / n / 1024
        print(f"== 1. first sync of {n} pictures ({size[0]}x{size[1]}, {avg_kb:.0f} KB, made in {made:.1f}s)")
        print(
            f"   wall time       {wall:9.2f} s  bare uploads, 4 threads: {base:.2f} s -> {ratio(wall, base)}"
        )
        print(f"   API calls       {calls:9d}    {calls / n:.3f} per photo (floor 1.000); uploads {uploads}")
        print(f"   calls by method {dict(sorted(first.calls.items()))}")
        sent = ratio(sent_upload, file_bytes)
        print(f"   bytes sent      {sent_upload:9d}    {sent} the files' {file_bytes} bytes (floor 1.00x)")
        sets = len(lib.tool_sets())
        print(f"   then photosets  {with_sets.api_calls:9d}    calls, {wall_sets:.2f} s, {sets} sets")
        print(f"== 2. no-change re-sync of {n} photos")
        vs_floor = ratio(again.api_calls, floor)
        print(
            f"   API calls       {again.api_calls:9d}  listing floor ceil({n}/{PER_PAGE})={floor}: {vs_floor}"
        )
        print(f"   calls by method {dict(sorted(again.calls.items()))}")
        print(f"   wall time       {wall_again:9.2f} s  write calls {sum(again.writes.values())}")
    finally:
        emulator.close()


def part_identify(tmp: Path, m: int, size: tuple[int, int]) -> None:
    for variant in ("stripped", "same file"):
        emulator = Emulator(tmp / f"ff3-{variant.replace(' ', '')}")
        try:
            lib = SyncLib.create(emulator.handle, tmp / f"p3-{variant.replace(' ', '')}")
            lib.check_after_run = False
            specs = []
            for i in range(m):
                data = lib.add_bytes(f"Library/local_{i:04d}.jpg", photo_jpeg(20_000 + i, size))
                theirs = photo_jpeg(20_000 + i, size, exif=False) if variant == "stripped" else data
                specs.append(seed_spec(theirs, f"On Flickr {i}"))
            for start in range(0, m, 250):
                emulator.handle.seed_photos(specs[start : start + 250])
            originals = sum(p["file_size"] or 0 for p in emulator.handle.photos())
            avg = originals / m / 1024
            emulator.app.reset_meter()
            result, wall = timed(lib, "sync", "--yes", "--no-photosets", "--json")
            summary = result.json()["summary"]
            got_o = emulator.app.received["original"]
            got_small = emulator.app.received["small"]
            lib.check()
            print(f"== 3. identify {m} Flickr photos that exist locally under other names ({variant})")
            print(f"   originals {size[0]}x{size[1]}, {avg:.0f} KB average on Flickr")
            uploaded, undecided = result.calls.get("upload", 0), summary["undecided"]
            print(
                f"   matched {summary['matched']}, uploaded {uploaded}, undecided {undecided}, {wall:.2f} s"
            )
            got = got_o + got_small
            per_photo = got / m / 1024
            print(f"   downloaded {got:10d}  originals {got_o}, 320px {got_small} ({per_photo:.1f} KB each)")
            share = 100 * got / originals
            print(f"   vs originals     {originals:10d}  -> {share:.2f}% (0.1.1: 100%, floor 0)")
            print(f"   API calls        {result.api_calls:10d}  {dict(sorted(result.calls.items()))}")
        finally:
            emulator.close()


def set_floor(sizes: Iterable[int]) -> int:
    return sum(1 + (1 if k > 2 else k - 1) for k in sizes)


def part_photosets(tmp: Path, p: int, folders: int, moves: int) -> None:
    emulator = Emulator(tmp / "ff4")
    try:
        lib = SyncLib.create(emulator.handle, tmp / "p4")
        lib.check_after_run = False
        specs = []
        for i in range(p):
            data = lib.add(
                f"Year {i % folders // 20}/Folder {i % folders:03d}/p{i}.jpg", 30_000 + i, size=(16, 16)
            )
            specs.append(
                seed_spec(
                    None,
                    f"p{i}",
                    tags=machine_tag(data),
                    # the original's size, as the picture's: a tag on a photo of another size is not trusted
                    width=16,
                    height=16,
                    date=flickr_date(date_of(30_000 + i)),
                    date_upload=posted(i),
                )
            )
        for start in range(0, p, 2_500):
            emulator.handle.seed_photos(specs[start : start + 2_500])
        timed(lib, "sync", "--yes", "--no-photosets")
        built, wall = timed(lib, "photosets", "--json")
        writes = sum(built.writes.values())
        sizes = Counter(i % folders for i in range(p)).values()
        floor = set_floor(sizes)
        rng = random.Random(5)
        rels = sorted(lib.written)
        for rel in rng.sample(rels, moves):  # each to another existing folder
            here = int(rel.split("/")[1].split()[1])
            there = rng.choice([j for j in range(folders) if j != here])
            lib.move(rel, f"Year {there // 20}/Folder {there:03d}/{Path(rel).name}")
        moved, wall_moved = timed(lib, "photosets", "--json")
        moved_writes = sum(moved.writes.values())
        after, _ = timed(lib, "photosets")
        lib.check()
        print(f"== 4. photosets for {p} photos in {folders} folders")
        print(f"   build: {built.api_calls} API calls, {writes} write calls, {wall:.2f} s")
        print(f"   floor {floor} write calls -> {ratio(writes, floor)}")
        print(f"   by method       {dict(sorted(built.calls.items()))}")
        print(f"   {len(lib.tool_sets())} sets; summary {built.json()['summary']['sets_created']} created")
        per_file = moved_writes / moves
        print(f"   after moving {moves} files: {moved_writes} writes ({per_file:.2f} per file, target <= 2)")
        print(f"   {moved.api_calls} API calls, {wall_moved:.2f} s, {dict(sorted(moved.calls.items()))}")
        print(f"   re-run after that: {sum(after.writes.values())} write calls, {after.api_calls} API calls")
    finally:
        emulator.close()


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--identify", type=int, default=500)
    parser.add_argument("--set-photos", type=int, default=5000)
    parser.add_argument("--folders", type=int, default=200)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--size", default="640x480", help="pixel size of the pictures of part 1")
    parser.add_argument("--identify-size", default="2048x1536", help="pixel size of those of part 3")
    parser.add_argument("--parts", default="1,3,4", help="which parts to run (2 runs with 1)")
    args = parser.parse_args()
    size = parse_size(args.size)
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        if "1" in parts:
            part_first_sync(Path(tmp), args.photos, size)
        if "3" in parts:
            part_identify(Path(tmp), args.identify, parse_size(args.identify_size))
        if "4" in parts:
            part_photosets(Path(tmp), args.set_photos, args.folders, args.moves)


if __name__ == "__main__":
    main()
