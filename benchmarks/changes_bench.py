"""What issue 11's checks cost in Flickr API calls on a big account, against fakeflickr.

    .venv/bin/python -m benchmarks.changes_bench [--photos 10000] [--folders 10]

An account of N photos (bulk-seeded, each carrying the machine tag of a small picture in the
library, spread over time like a real account) is synced once; then, each run counted by
fakeflickr's call counters:

1. ``verify`` on the complete backup: the API calls it costs (one listing of the account plus the
   photoset list; no thumbnail, no original), against the floor of a full listing, ceil(N/500);
2. a no-change ``sync`` (the baseline of an incremental run);
3. one photo deleted on Flickr (as its owner would), then an ordinary ``sync``: the calls it
   spends to notice the deletion (the account's photo count differs from the index's, so it
   lists everything once), against the no-change run;
4. the ``sync`` after that: back to the no-change cost (the deletion is remembered, nothing is
   uploaded again).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from tests.synchelpers import (
    RunResult,
    SyncLib,
    date_of,
    flickr_date,
    machine_tag,
    picture_bytes,
    posted,
    seed_spec,
)

from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, FakeFlickrHandle


def _row(name: str, run: RunResult, seconds: float) -> str:
    listing = run.calls.get("flickr.people.getPhotos", 0)
    writes = sum(run.writes.values())
    return (
        f"  {name:<38} {run.api_calls:>5} API calls ({listing} people.getPhotos), {writes} writes, "
        f"{run.calls.get('static', 0)} files, {seconds:5.1f} s, exit {run.code}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--folders", type=int, default=10)
    args = parser.parse_args(argv)
    n = args.photos
    with tempfile.TemporaryDirectory(prefix="changes-bench-") as tmp:
        base = Path(tmp)
        with FakeFlickr(base / "ff", consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)]) as server:
            ff = FakeFlickrHandle(server.base_url, data_dir=base / "ff")
            lib = SyncLib.create(ff, base / "lib")
            lib.check_after_run = False
            specs = []
            for i in range(n):
                data = picture_bytes(10_000 + i, size=(16, 16))
                path = lib.root / f"f{i % args.folders}" / f"p{i}.jpg"
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(data)
                specs.append(
                    seed_spec(
                        None, f"p{i}", tags=machine_tag(data), date=flickr_date(date_of(10_000 + i)),
                        date_upload=posted(i),
                    )
                )  # fmt: skip
            for start in range(0, n, 2_500):
                ff.seed_photos(specs[start : start + 2_500])
            first = lib.run("sync", "--yes")
            assert first.code == 0, first
            print(f"changes_bench: {n:,} photos in {args.folders} folders, synced "
                  f"({first.api_calls} calls for the first sync)")  # fmt: skip
            floor = math.ceil(n / 500)

            t = time.monotonic()
            verify = lib.run("verify")
            print(_row("verify (complete backup)", verify, time.monotonic() - t))
            print(f"    floor: a full listing, ceil({n}/500) = {floor} calls")
            t = time.monotonic()
            quiet = lib.run("sync", "--yes")
            print(_row("sync, nothing changed", quiet, time.monotonic() - t))
            victim = ff.photos(owner=lib.nsid)[n // 2]["id"]
            lib.delete_on_flickr(victim)
            t = time.monotonic()
            notice = lib.run("sync", "--yes", "--json")
            print(_row("sync after 1 photo deleted on Flickr", notice, time.monotonic() - t))
            gone = notice.json()["summary"]["deleted_on_flickr"]
            print(f"    noticed: {gone} deleted on Flickr, {notice.calls.get('upload', 0)} uploaded again; "
                  f"extra calls over the no-change run: {notice.api_calls - quiet.api_calls}")  # fmt: skip
            t = time.monotonic()
            after = lib.run("sync", "--yes")
            print(_row("the sync after that", after, time.monotonic() - t))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
