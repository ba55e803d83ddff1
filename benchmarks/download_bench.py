"""Download benchmark: what `flickrsync sync2` costs to bring N Flickr-only photos home, against
the same bytes fetched bare, in the same run.

    .venv/bin/python -m benchmarks.download_bench [--photos 200] [--size 1600x1200] [--repeat 3]

An in-process fakeflickr holds N photo-like JPEGs (none in the library). Each repeat alternates:

* **bare**: every original fetched with httpx on 4 threads and streamed into a file (no check,
  no index): the transfer floor on this machine;
* **sync2**: a fresh home and library (one picture of its own, so the safety stop holds off),
  ``flickrsync sync2 --yes --transfers 4``: listing, scan, plan, then the downloads, each
  written under a temporary name, read back and checked, placed, and indexed.

Prints the medians and their ratio. Self-contained (no ``tests`` helpers), so it runs against
another checkout too: ``PYTHONPATH=/path/to/other/src python -m benchmarks.download_bench``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

import flickrsync
from benchmarks.synthetic import photo_like
from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, FakeFlickrHandle
from flickrsync.cli import main
from flickrsync.config import load_settings
from flickrsync.models import AccessToken, Account, Nsid
from flickrsync.oauth import save_token


def jpeg(seed: int, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    photo_like(size[0], size[1], seed).save(out, "JPEG", quality=90)
    return out.getvalue()


def original_urls(handle: FakeFlickrHandle) -> list[str]:
    return [
        f"{handle.base_url}/{p['server']}/{p['id']}_{p['originalsecret']}_o.{p['originalformat']}"
        for p in handle.photos()
    ]


def bare(urls: list[str], folder: Path) -> float:
    """The floor: each original streamed into a file by 4 threads over one pooled client."""
    http = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=8, max_keepalive_connections=8))

    def fetch(item: tuple[int, str]) -> int:
        i, url = item
        size = 0
        with http.stream("GET", url) as response, (folder / f"{i}.jpg").open("wb") as out:
            response.raise_for_status()
            for chunk in response.iter_bytes(1 << 16):
                out.write(chunk)
                size += len(chunk)
        return size

    started = time.perf_counter()
    with http, ThreadPoolExecutor(4) as pool:
        list(pool.map(fetch, enumerate(urls)))
    return time.perf_counter() - started


def home_for(handle: FakeFlickrHandle, base: Path, own: bytes) -> Path:
    home, library = base / "home", base / "Pictures"
    home.mkdir(parents=True)
    library.mkdir()
    (library / "mine.jpg").write_bytes(own)
    (home / "config.ini").write_text(
        f"[DEFAULT]\napi_key = {TEST_CONSUMER_KEY}\napi_secret = {TEST_CONSUMER_SECRET}\n"
        f"endpoint = {handle.base_url}\ndirectory = {library}\n",
        encoding="utf-8",
    )
    (home / "config.ini").chmod(0o600)
    minted = handle.mint_token(perms="write")
    settings = load_settings(home, None)
    account = Account(Nsid(minted.user_nsid), minted.username)
    save_token(settings.token_file, AccessToken(minted.token, minted.secret, "write", account))
    return home


def engine(handle: FakeFlickrHandle, base: Path, own: bytes, expected: int) -> float:
    home = home_for(handle, base, own)
    started = time.perf_counter()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = main(["--home", str(home), "sync2", "--yes", "--transfers", "4"])
    seconds = time.perf_counter() - started
    got = sum(1 for p in (base / "Pictures").rglob("*.jpg") if p.name != "mine.jpg")
    if code != 0 or got != expected:
        raise SystemExit(f"sync2 exited {code} with {got} of {expected} photos downloaded")
    return seconds


def run(args: argparse.Namespace) -> dict[str, Any]:
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="download-bench-") as tmp:
        root = Path(tmp)
        server = FakeFlickr(root / "ff", consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)])
        server.start()
        try:
            handle = FakeFlickrHandle(server.base_url, data_dir=root / "ff")
            blobs = [jpeg(i, (width, height)) for i in range(args.photos)]
            specs = [
                {
                    "title": f"remote {i}",
                    "image_base64": base64.b64encode(b).decode(),
                    "date_taken": "2012-02-02 12:00:00",
                }
                for i, b in enumerate(blobs)
            ]
            handle.seed_photos(specs)
            urls = original_urls(handle)
            own = jpeg(10_000, (320, 240))
            bare_s, engine_s = [], []
            for r in range(args.repeat):
                folder = root / f"bare{r}"
                folder.mkdir()
                bare_s.append(bare(urls, folder))
                engine_s.append(engine(handle, root / f"run{r}", own, args.photos))
        finally:
            server.stop()
    total = sum(len(b) for b in blobs)
    return {
        "flickrsync": str(Path(flickrsync.__file__).parent),
        "photos": args.photos,
        "megabytes": round(total / 1e6, 1),
        "bare_s": [round(s, 2) for s in bare_s],
        "sync2_s": [round(s, 2) for s in engine_s],
        "ratio": round(statistics.median(engine_s) / statistics.median(bare_s), 2),
    }


def main_cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--size", default="1600x1200")
    parser.add_argument("--repeat", type=int, default=3)
    result = run(parser.parse_args())
    for key, value in result.items():
        print(f"{key:>10}: {value}")


if __name__ == "__main__":
    main_cli()
