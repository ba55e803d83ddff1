"""Accuracy of fakeflickr's network model (:mod:`fakeflickr.link`): does it take as long as the
link it models?

Starts ``python -m fakeflickr`` (its own process, so the client's threads do not share its GIL)
and measures, first with the model off (the baseline, loopback speed) and then on:

* CLIENTS concurrent uploads of MB megabytes in total through the shared uplink;
* CLIENTS concurrent downloads of the same originals through the shared downlink;
* CALLS sequential API calls (flickr.test.login), each one round trip.

Each figure is printed with what the model predicts (one round trip, plus the bytes at the rate,
less the one slice of credit an idle link saves) and the error against it.

    .venv/bin/python -m benchmarks.link_bench [--latency-ms 150] [--rate 5000000] [--clients 4]
        [--mb 20] [--calls 20]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from tests.fakeflickr.client import Api, padded_jpeg

from fakeflickr.link import SLICE
from fakeflickr.testing import FakeFlickrHandle


def concurrently(jobs: list[Callable[[], int]]) -> tuple[float, int]:
    """Run the jobs in one thread each; (seconds until the last ends, bytes they moved)."""
    moved = [0] * len(jobs)

    def run(i: int) -> None:
        moved[i] = jobs[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(moved)


def measure(ff: FakeFlickrHandle, api: Api, files: list[bytes], calls: int) -> dict[str, tuple[float, int]]:
    def upload(data: bytes) -> Callable[[], int]:
        def job() -> int:
            response = api.upload(data, "big.jpg", title="link bench")
            assert response.status_code == 200, response.text
            assert 'stat="ok"' in response.text, response.text
            return len(data)

        return job

    up = concurrently([upload(data) for data in files])
    photos = [p for p in ff.photos() if p["title"] == "link bench"][-len(files) :]
    urls = [
        f"{ff.base_url}/{p['server']}/{p['id']}_{p['originalsecret']}_o.{p['originalformat']}" for p in photos
    ]

    def download(url: str) -> Callable[[], int]:
        def job() -> int:
            with httpx.Client(timeout=600) as http:
                response = http.get(url)
                assert response.status_code == 200
                return len(response.content)

        return job

    down = concurrently([download(url) for url in urls])
    started = time.perf_counter()
    for _ in range(calls):
        api.ok("flickr.test.login", "GET")
    sequential = (time.perf_counter() - started, 0)
    return {"upload": up, "download": down, "calls": sequential}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--rate", type=int, default=5_000_000, help="bytes/s, both ways")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--mb", type=float, default=20.0, help="megabytes (10^6) in total")
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-m", "fakeflickr", "--data", str(Path(tmp) / "ff")],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            match = re.fullmatch(r"fakeflickr listening on (\S+)", server.stdout.readline().strip())
            assert match, "fakeflickr did not start"
            consumer = server.stdout.readline().split()[1]
            key, secret = consumer.split(":")
            ff = FakeFlickrHandle(match.group(1), key, secret)
            ff.configure(ticket_delay=0)
            api = Api(ff, ff.mint_token(perms="write"), timeout=600)
            each = int(args.mb * 1e6 / args.clients)
            files = [padded_jpeg(each, seed) for seed in range(args.clients)]

            baseline = measure(ff, api, files, args.calls)
            ff.set_link(latency_ms=args.latency_ms, up_bytes_per_s=args.rate, down_bytes_per_s=args.rate)
            modelled = measure(ff, api, files, args.calls)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    rtt = args.latency_ms / 1000
    print(
        f"model: {args.latency_ms:g} ms round trip, {args.rate:,} B/s each way (shared);"
        f" {args.clients} clients, {args.clients} x {each:,} bytes; {args.calls} sequential calls"
    )
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(
        f"{'phase':<40}{'baseline s':>11}{'model s':>9}{'expected s':>11}{'error':>8}"
        f"{'+ baseline':>12}{'error':>8}"
    )
    for phase, label in (
        ("upload", f"{args.clients} concurrent uploads, {each * args.clients / 1e6:g} MB"),
        ("download", f"{args.clients} concurrent downloads, {each * args.clients / 1e6:g} MB"),
        ("calls", f"{args.calls} sequential API calls"),
    ):
        seconds, moved = modelled[phase]
        expected = args.calls * rtt if phase == "calls" else rtt + max(moved - SLICE, 0) / args.rate
        base = baseline[phase][0]
        print(
            f"{label:<40}{base:>11.2f}{seconds:>9.2f}{expected:>11.2f}{seconds / expected - 1:>+8.1%}"
            f"{expected + base:>12.2f}{seconds / (expected + base) - 1:>+8.1%}"
        )
    print()
    print(
        "expected: one round trip + (bytes - one 64 KiB slice of idle credit) / rate for transfers;"
        " calls x round trip for the sequential calls. Bodies only (headers and multipart framing"
        " are a few hundred bytes per request). '+ baseline' adds the time the same work takes on"
        " loopback (fakeflickr's own work, which the model does not hide)."
    )


if __name__ == "__main__":
    main()
