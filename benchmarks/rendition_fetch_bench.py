"""How fast small renditions come from fakeflickr on loopback, by number of threads.

    .venv/bin/python -m benchmarks.rendition_fetch_bench [--photos 1000]

Seeds ``--photos`` photos (the scale corpus's small JPEGs, as another tool would have uploaded
them) into a fakeflickr of its own process, fetches each small rendition once to warm up, then
all of them again through flickrsync's client (``FlickrClient.fetch_bytes`` on the shared HTTP
client, connections kept alive) with 1, 2, 4, 8 and 16 threads. Reports renditions per second
and the CPU per rendition of flickrsync (this process) and of fakeflickr (``/proc``): what the
look-ups of a big dry run cost on this machine, apart from decoding (docs/scale.md).

Then the floor, in the same run: the same GETs with 8 threads through the standard library's
``http.client`` (one kept connection per thread, no retries, no checks), and the ratio of
flickrsync's CPU per rendition to it: what flickrsync's fetch costs above a bare GET (small
files go through ``flickrsync.statichttp`` over ``http.client``; through httpx it was ~3.3x).
"""

from __future__ import annotations

import argparse
import http.client
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import scale_bench as sb
from flickrsync.lookups import SMALL_LIMIT
from flickrsync.wire import new_http_client


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=1000)
    args = parser.parse_args(argv)
    pictures = sb.corpus(2 * args.photos)
    specs, _overlap = sb.account_specs(pictures, 4 * args.photos)
    others = specs[: 2 * args.photos][::2]  # another tool's uploads: the pictures' own bytes
    with tempfile.TemporaryDirectory() as tmp, sb.fakeflickr(Path(tmp) / "ff") as ff:
        ff.seed_photos(others)
        server = sb.SERVER_PIDS[ff.base_url]
        with new_http_client(4) as http:
            client = sb.client_for(ff, http)
            photos, _report = client.list_photos()
            urls = [p.url_small for p in photos if p.url_small]
            for url in urls:
                client.fetch_bytes(url, limit=SMALL_LIMIT)
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"{len(urls):,} renditions; load average {load}")
            per_rendition: dict[int, float] = {}
            for threads in (1, 2, 4, 8, 16):
                server_before, cpu_before, started = (
                    sb.cpu_seconds(server),
                    time.process_time(),
                    time.perf_counter(),
                )
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(lambda url: client.fetch_bytes(url, limit=SMALL_LIMIT), urls))
                seconds = time.perf_counter() - started
                ours = per_rendition[threads] = 1000 * (time.process_time() - cpu_before) / len(urls)
                theirs = 1000 * (sb.cpu_seconds(server) - server_before) / len(urls)
                print(
                    f"{threads:3} threads: {len(urls) / seconds:7,.0f} renditions/s, "
                    f"CPU per rendition {ours:.2f} ms flickrsync + {theirs:.2f} ms fakeflickr"
                )
            floor = _stdlib_floor(ff.base_url, urls, 8)
            print(
                f"floor, 8 threads of http.client: CPU per rendition {floor:.2f} ms; flickrsync's "
                f"is {per_rendition[8] / floor:.1f}x that"
            )
    return 0


def _stdlib_floor(base_url: str, urls: list[str], threads: int) -> float:
    """CPU ms per GET of ``urls`` through ``http.client`` (one kept connection per thread)."""
    host = base_url.split("//", 1)[1]
    local = threading.local()
    connections: list[http.client.HTTPConnection] = []

    def get(url: str) -> bytes:
        connection: http.client.HTTPConnection | None = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(host, timeout=60)
            connections.append(connection)
        connection.request("GET", url.split(host, 1)[1])
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
        return data

    cpu_before = time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, urls))
    for connection in connections:
        connection.close()
    return 1000 * (time.process_time() - cpu_before) / len(urls)


if __name__ == "__main__":
    raise SystemExit(main())
