"""The network model (fakeflickr.link): a round trip per request, one shared uplink and downlink.

Small sizes and high rates keep these fast. Lower bounds are exact (the model never lets bytes
through faster than the rate); upper bounds leave room for a loaded machine. The accuracy on
realistic sizes is measured by benchmarks/link_bench.py.
"""

from __future__ import annotations

import math
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from fakeflickr.link import SLICE, Bucket, LinkSettings
from fakeflickr.server import FakeFlickr
from fakeflickr.testing import AdminError, FakeFlickrHandle
from tests.fakeflickr.client import HTTP, Api, padded_jpeg

pytestmark = pytest.mark.integration

RATE = 2_000_000  # bytes/s
EACH = 256 * 1024  # bytes per transfer; 4 of them: 1 MiB
CLIENTS = 4
#: (bytes - the one slice an idle link has saved) / rate
EXPECTED = (CLIENTS * EACH - SLICE) / RATE  # 0.49 s


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


def _in_parallel(jobs: list[Callable[[], object]]) -> float:
    threads = [threading.Thread(target=job) for job in jobs]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# --- the bucket and the settings (no network) ----------------------------------------------------


def test_bucket_lets_bytes_through_at_the_rate_after_one_slice_of_credit() -> None:
    t = FakeTime()
    bucket = Bucket(1_000_000, clock=t.clock, sleep=t.sleep)
    for _ in range(20):
        bucket.take(SLICE)
    assert t.now - 1000.0 == pytest.approx(19 * SLICE / 1_000_000)


def test_bucket_saves_at_most_one_slice_while_idle() -> None:
    t = FakeTime()
    bucket = Bucket(1_000_000, clock=t.clock, sleep=t.sleep)
    t.now += 3600  # an hour idle buys no more than one slice
    start = t.now
    bucket.take(3 * SLICE)
    assert t.now - start == pytest.approx(2 * SLICE / 1_000_000)


def test_bucket_is_shared_whoever_takes_from_it() -> None:
    """Two transfers taking turns finish when the bytes of both have crossed, not of one."""
    t = FakeTime()
    bucket = Bucket(1_000_000, clock=t.clock, sleep=t.sleep)
    for _ in range(10):
        bucket.take(SLICE)  # transfer A
        bucket.take(SLICE)  # transfer B
    assert t.now - 1000.0 == pytest.approx(19 * SLICE / 1_000_000)


def test_a_zero_rate_is_unlimited() -> None:
    t = FakeTime()
    Bucket(0, clock=t.clock, sleep=t.sleep).take(10**9)
    assert t.now == 1000.0


@pytest.mark.parametrize(
    "values",
    [
        {"latency_ms": -1},
        {"latency_ms": math.nan},
        {"latency_ms": math.inf},
        {"latency_ms": True},
        {"up_bytes_per_s": -5},
        {"up_bytes_per_s": 5e6},
        {"down_bytes_per_s": "fast"},
    ],
)
def test_bad_settings_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(values))):
        LinkSettings().updated(values)


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(KeyError, match="latency"):
        LinkSettings().updated({"latency": 150})


# --- over HTTP ---------------------------------------------------------------------------------


def test_off_by_default(fakeflickr: FakeFlickrHandle, tmp_path: Path) -> None:
    assert fakeflickr.link() == {"latency_ms": 0.0, "up_bytes_per_s": 0, "down_bytes_per_s": 0}
    assert not FakeFlickr(tmp_path / "ff").app.link.settings.active


def test_admin_settings_update_what_they_name_and_refuse_bad_values(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.set_link(latency_ms=150, up_bytes_per_s=5_000_000)
    assert fakeflickr.set_link(down_bytes_per_s=1000) == {
        "latency_ms": 150,
        "up_bytes_per_s": 5_000_000,
        "down_bytes_per_s": 1000,
    }
    with pytest.raises(AdminError, match="up_bytes_per_s must be a whole number"):
        fakeflickr.set_link(up_bytes_per_s=-1)
    with pytest.raises(AdminError, match="no link setting rtt_ms"):
        fakeflickr.set_link(rtt_ms=1)
    assert fakeflickr.link()["up_bytes_per_s"] == 5_000_000


def test_concurrent_uploads_share_one_uplink(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token(perms="write"))
    files = [padded_jpeg(EACH, seed) for seed in range(CLIENTS)]
    answers: list[httpx.Response] = []

    def upload(data: bytes) -> Callable[[], object]:
        return lambda: answers.append(api.upload(data, "big.jpg"))

    fakeflickr.set_link(up_bytes_per_s=RATE)
    elapsed = _in_parallel([upload(data) for data in files])

    assert [a.status_code for a in answers] == [200] * CLIENTS
    assert all('stat="ok"' in a.text for a in answers)
    assert elapsed >= EXPECTED  # 4 x 256 KiB at 2 MB/s shared: never faster than the link
    assert elapsed < EXPECTED + 1.5


def test_concurrent_downloads_share_one_downlink(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token(perms="write"))
    for seed in range(CLIENTS):
        api.upload_ok(padded_jpeg(EACH, seed), "big.jpg")
    urls = [
        f"{fakeflickr.base_url}/{p['server']}/{p['id']}_{p['originalsecret']}_o.{p['originalformat']}"
        for p in fakeflickr.photos()
    ]
    sizes: list[int] = []

    def download(url: str) -> Callable[[], object]:
        return lambda: sizes.append(len(HTTP.get(url).content))

    fakeflickr.set_link(down_bytes_per_s=RATE)
    elapsed = _in_parallel([download(url) for url in urls])

    assert sizes == [EACH] * CLIENTS
    assert elapsed >= EXPECTED
    assert elapsed < EXPECTED + 1.5


def test_each_request_costs_one_round_trip(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token(perms="read"))
    fakeflickr.set_link(latency_ms=100)
    started = time.perf_counter()
    for _ in range(5):
        api.ok("flickr.test.login", "GET")
    sequential = time.perf_counter() - started
    concurrent = _in_parallel([lambda: api.ok("flickr.test.login", "GET") for _ in range(5)])

    assert 0.5 <= sequential < 0.5 + 1.5
    assert 0.1 <= concurrent < sequential  # round trips of concurrent requests overlap


def test_test_controls_are_not_slowed(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.set_link(latency_ms=3000, down_bytes_per_s=1)
    started = time.perf_counter()
    state = fakeflickr.state()
    elapsed = time.perf_counter() - started
    assert state["users"]
    assert elapsed < 1.5


def test_command_line_flags(tmp_path: Path) -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fakeflickr",
            "--data",
            str(tmp_path / "ff"),
            "--latency-ms",
            "40",
            "--up-bytes-per-s",
            "1000000",
            "--down-bytes-per-s",
            "2000000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            match = re.fullmatch(r"fakeflickr listening on (\S+)", process.stdout.readline().strip())
            assert match
            lines = [process.stdout.readline().strip() for _ in range(3)]
            settings = FakeFlickrHandle(match.group(1)).link()
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=10)
    assert lines[2] == "link latency 40 ms, up 1,000,000 B/s, down 2,000,000 B/s"
    assert settings == {"latency_ms": 40.0, "up_bytes_per_s": 1_000_000, "down_bytes_per_s": 2_000_000}


def test_command_line_refuses_a_negative_rate(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fakeflickr", "--data", str(tmp_path / "ff"), "--down-bytes-per-s", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "python -m fakeflickr: error: down_bytes_per_s must be a whole number of bytes per second,"
        " 0 or more, got -1"
    )
    assert not (tmp_path / "ff").exists()
