"""Listing benchmark: API calls and wall time to list a whole account with the sync's extras.

Starts fakeflickr in-process on 127.0.0.1, seeds an account of N photos (upload dates spread over
some years, as a real photostream), and lists it with ``FlickrClient.walk_photos`` past the
4,000-result deep-paging cap. Figures are printed against two baselines measured in the same run:

* the floor of ceil(N/500) calls (500 per page is Flickr's maximum);
* the time those floor calls take when each returns a full page of a query under the cap
  (the fastest any complete listing could go on this machine and emulator).

It also lists the same account when Flickr's answers come in no date order (the walker then cuts
the time range in slices instead of sliding along it), to show what that fallback costs.

    .venv/bin/python benchmarks/list_bench.py [--photos 20000] [--years 10]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import httpx

from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, FakeFlickrHandle
from flickrsync.client import FlickrClient
from flickrsync.listing import PER_PAGE, SYNC_EXTRAS, WalkReport
from flickrsync.models import AccessToken, Account, Endpoints, Nsid
from flickrsync.retry import RateBudget

T0 = 1_300_000_000


def make_client(handle: FakeFlickrHandle, http: httpx.Client) -> FlickrClient:
    minted = handle.mint_token()
    token = AccessToken(
        minted.token, minted.secret, "write", Account(Nsid(minted.user_nsid), minted.username)
    )
    return FlickrClient(
        http,
        api_key=handle.consumer_key,
        api_secret=handle.consumer_secret,
        token=token,
        endpoints=Endpoints.from_base(handle.base_url),
        budget=RateBudget(1_000_000),
    )


def floor_time(client: FlickrClient, calls: int) -> float:
    """Seconds for ``calls`` full pages of one query under the cap (page 1, repeatedly)."""
    params: dict[str, str | int] = {
        "user_id": "me",
        "extras": ",".join(SYNC_EXTRAS),
        "per_page": PER_PAGE,
        "page": 1,
    }
    started = time.perf_counter()
    for _ in range(calls):
        client.call("flickr.people.getPhotos", params)
    return time.perf_counter() - started


def walk(client: FlickrClient) -> tuple[int, WalkReport, float]:
    report = WalkReport()
    started = time.perf_counter()
    count = sum(1 for _ in client.walk_photos(SYNC_EXTRAS, report=report))
    return count, report, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=20_000)
    parser.add_argument("--years", type=float, default=10.0)
    args = parser.parse_args()
    n = args.photos
    span = int(args.years * 365 * 86400)
    floor = math.ceil(n / PER_PAGE)

    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeFlickr(Path(tmp), consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)]) as server,
    ):
        handle = FakeFlickrHandle(server.base_url, data_dir=Path(tmp))
        started = time.perf_counter()
        specs = [
            {"title": f"IMG_{i:06d}", "date_upload": T0 + span * i // n, "tags": f"tag{i % 50}"}
            for i in range(n)
        ]
        for i in range(0, n, 5000):
            handle.seed_photos(specs[i : i + 5000])
        seeded = time.perf_counter() - started
        with httpx.Client(timeout=120) as http:
            client = make_client(handle, http)
            count, report, wall = walk(client)
            base = floor_time(client, floor)

            # The fallback, as when answers come in no date order: time slices only.
            client.slide_windows = False
            count2, report2, wall2 = walk(client)

    print(f"account: {n} photos over {args.years:g} years (seeded in {seeded:.1f}s)")
    print(f"extras: {','.join(SYNC_EXTRAS)}")
    print(f"floor: ceil({n}/{PER_PAGE}) = {floor} calls, {base:.2f}s for {floor} full pages under the cap")
    print()
    print(f"{'strategy':<34}{'listed':>8}{'calls':>7}{'x floor':>9}{'windows':>9}{'wall s':>8}{'x floor':>9}")
    for name, listed, rep, seconds in (
        ("date-ordered: slide windows", count, report, wall),
        ("no order: time slices (fallback)", count2, report2, wall2),
    ):
        print(
            f"{name:<34}{listed:>8}{rep.calls:>7}{rep.calls / floor:>9.2f}{rep.windows:>9}"
            f"{seconds:>8.2f}{seconds / base:>9.2f}"
        )
    complete = count == count2 == n and report.complete and report2.complete
    print()
    print(f"complete: {'yes' if complete else 'NO'} (each photo once: {count} / {n})")


if __name__ == "__main__":
    main()
