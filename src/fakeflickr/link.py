"""A model of the network between a client and Flickr: round-trip latency, and a link of limited
bandwidth each way shared by every connection. Off by default (fakeflickr answers at loopback
speed); benchmarks turn it on to ask how a client does on a home connection, e.g. "with 150 ms
round trips and a 5 MB/s uplink, do uploads keep the uplink full?".

The model, applied to every request except the test controls under ``/__admin/``:

* **Latency** (``latency_ms``): one round trip per HTTP request. Half of it passes before
  fakeflickr reads the request (the request travelling to Flickr), the other half before the first
  byte of the answer leaves (the answer travelling back). So N sequential calls take at least
  N × ``latency_ms``, and concurrent calls overlap their round trips, as on the Internet.
  Connection set-up (TCP and TLS handshakes) is not modelled: a new connection costs no extra
  round trip.
* **Bandwidth** (``up_bytes_per_s``, ``down_bytes_per_s``; 0 = unlimited): the request bodies
  fakeflickr reads (uploads, POSTed parameters) cross the uplink, the response bodies it writes
  (photo downloads, API answers) the downlink. Each is one token bucket shared by all connections,
  as a home uplink is: four concurrent uploads share the rate, they do not get it each. Bytes cross
  in slices of at most :data:`SLICE` (64 KiB), first come first served, so concurrent transfers
  interleave fairly. The bucket saves at most one slice of credit while the link is idle (a burst
  of 64 KiB). Headers are not counted.

Settings come from ``FakeFlickr(latency_ms=..., up_bytes_per_s=..., down_bytes_per_s=...)``,
``python -m fakeflickr --latency-ms ... --up-bytes-per-s ... --down-bytes-per-s ...`` or
``GET|POST /__admin/link`` at run time (not persisted in the data dir: the network is not
Flickr's state).
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, fields, replace
from typing import IO, Any

#: Bytes that cross a link at a time (and the credit an idle link may save).
SLICE = 64 * 1024

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """Round-trip time and the two rates; zero turns each part off."""

    latency_ms: float = 0.0
    up_bytes_per_s: int = 0
    down_bytes_per_s: int = 0

    def __post_init__(self) -> None:
        latency = self.latency_ms
        if isinstance(latency, bool) or not isinstance(latency, int | float):
            raise ValueError(f"latency_ms must be a number of milliseconds, got {latency!r}")
        if not math.isfinite(latency) or latency < 0:
            raise ValueError(f"latency_ms must be 0 or more, got {latency!r}")
        for name in ("up_bytes_per_s", "down_bytes_per_s"):
            rate = getattr(self, name)
            if isinstance(rate, bool) or not isinstance(rate, int) or rate < 0:
                raise ValueError(
                    f"{name} must be a whole number of bytes per second, 0 or more, got {rate!r}"
                )

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.up_bytes_per_s or self.down_bytes_per_s)

    def updated(self, values: dict[str, Any]) -> LinkSettings:
        """These settings with some fields changed (unknown names are refused)."""
        names = {f.name for f in fields(self)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise KeyError(f"no link setting {', '.join(unknown)} (known: {', '.join(sorted(names))})")
        return replace(self, **values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """One line for ``python -m fakeflickr``'s start-up banner."""

        def rate(value: int) -> str:
            return f"{value:,} B/s" if value else "unlimited"

        return (
            f"link latency {self.latency_ms:g} ms, up {rate(self.up_bytes_per_s)},"
            f" down {rate(self.down_bytes_per_s)}"
        )


class Bucket:
    """A token bucket shared by every connection: bytes cross at ``rate`` per second, first come
    first served; at most ``burst`` bytes of credit are saved while the link is idle."""

    def __init__(
        self, rate: int, burst: int = SLICE, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        #: When the link will have carried every byte handed to it so far.
        self._free_at = 0.0

    def take(self, size: int) -> None:
        """Block until ``size`` more bytes have crossed the link."""
        if self.rate <= 0 or size <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(self._free_at, now - self.burst / self.rate)
            self._free_at = start + size / self.rate
            wait = self._free_at - now
        if wait > 0:
            self._sleep(wait)


class Link:
    """The current settings and the two shared buckets; :meth:`wrap` applies them to a WSGI app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = LinkSettings()
        self._up = Bucket(0)
        self._down = Bucket(0)

    @property
    def settings(self) -> LinkSettings:
        with self._lock:
            return self._settings

    def configure(self, settings: LinkSettings) -> LinkSettings:
        """New settings for the requests that start from now on (fresh buckets)."""
        with self._lock:
            self._settings = settings
            self._up = Bucket(settings.up_bytes_per_s)
            self._down = Bucket(settings.down_bytes_per_s)
            return settings

    def update(self, values: dict[str, Any]) -> LinkSettings:
        return self.configure(self.settings.updated(values))

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        """The WSGI app seen through this link."""

        def linked(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            if str(environ.get("PATH_INFO", "")).startswith("/__admin/"):
                return app(environ, start_response)
            with self._lock:
                settings, up, down = self._settings, self._up, self._down
            if not settings.active:
                return app(environ, start_response)
            half_trip = settings.latency_ms / 2000
            if half_trip:
                time.sleep(half_trip)  # the request travels to Flickr
            if up.rate:
                environ["wsgi.input"] = _PacedInput(environ["wsgi.input"], up)
            return _PacedBody(app(environ, start_response), down, half_trip)

        return linked


class _PacedInput(io.RawIOBase):
    """``wsgi.input`` read through the uplink."""

    def __init__(self, stream: IO[bytes], bucket: Bucket) -> None:
        super().__init__()
        self._stream = stream
        self._bucket = bucket

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")[:SLICE]
        readinto = getattr(self._stream, "readinto", None)
        if readinto is not None:
            count = int(readinto(view) or 0)
        else:
            data = self._stream.read(len(view))
            count = len(data)
            view[:count] = data
        self._bucket.take(count)
        return count

    def readline(self, size: int | None = -1) -> bytes:
        line = self._stream.readline(-1 if size is None else size)
        self._bucket.take(len(line))
        return line


class _PacedBody:
    """A response body written through the downlink, after the answer's half of the round trip."""

    def __init__(self, body: Iterable[bytes], bucket: Bucket, delay: float) -> None:
        self._body = body
        self._bucket = bucket
        self._delay = delay

    def __iter__(self) -> Iterator[bytes]:
        if self._delay:
            time.sleep(self._delay)  # the answer travels back
        for chunk in self._body:
            for start in range(0, len(chunk), SLICE):
                piece = chunk[start : start + SLICE]
                self._bucket.take(len(piece))
                yield piece

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()
