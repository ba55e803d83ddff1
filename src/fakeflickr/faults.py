"""Seeded fault injection and the per-key rate limit (test controls; REFERENCE §2.4, §7).

A :class:`FaultPlan` makes a fraction ``rate`` of the matching requests fail, drawn from a
``random.Random`` per endpoint seeded from ``seed`` and the endpoint's name, so the faults an
endpoint gets depend only on how many requests it served, not on how a client's threads
interleave its requests with those to other endpoints (a test run is repeatable). Kinds:

``http500`` ``http502`` ``http503``
    an HTTP error with an HTML body, nothing done;
``code105``
    HTTP 200 with Flickr error 105 "Service currently unavailable" (REST only), nothing done;
``slow``
    the request is answered normally after ``slow_seconds``;
``drop``
    the connection is closed without an answer, nothing done;
``drop_after_commit``
    the request is carried out (state changed) and then the connection is closed without an
    answer: the client cannot know that its change was applied.

Hostile answers to a file download (the static host only; a plan drawing one for another
endpoint answers ``http503`` instead), as a captive portal, a broken proxy or a bad disk send them:

``portal``
    HTTP 200, ``text/html``: a captive portal's sign-in page instead of the file;
``empty``
    HTTP 200 with the file's ``Content-Type`` and an empty body (``Content-Length: 0``, no
    ``Content-MD5``);
``garbage``
    HTTP 200 with the file's ``Content-Type``: seeded random bytes of the file's length, no
    ``Content-MD5``;
``padded``
    the file's answer with :data:`PADDING` seeded random bytes added at its end,
    ``Content-Length`` counting them, every other header as it was (an original's ``Content-MD5``
    no longer matches; a video's answer has none).

``targets`` limits the plan to some REST method names (``flickr.photos.search``) and/or endpoint
names (``rest``, ``upload``, ``replace``, ``oauth``, ``static``); empty = everything Flickr serves
(never ``/__admin``). ``max_faults`` stops injecting after that many.

:class:`RateLimiter` answers HTTP 429 with Flickr's HTML body once a key made ``calls`` requests in
the last ``window`` seconds (sliding window, per API key; requests without a key are not counted).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from werkzeug.wrappers import Response

#: Faults that change the answer to a file download (see the module doc).
FILE_FAULTS = ("portal", "empty", "garbage", "padded")
FAULT_KINDS = ("http500", "http502", "http503", "code105", "slow", "drop", "drop_after_commit", *FILE_FAULTS)
#: Bytes the ``padded`` fault adds to a file.
PADDING = 1000

PORTAL_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Welcome to Hotel Wi-Fi</title></head>\n"
    '<body><form method="post" action="/login"><p>Please sign in to use the Internet.</p>\n'
    '<input name="room"><button>Connect</button></form></body></html>\n'
)

RATE_LIMIT_BODY = (
    "<html><body><h1>429 Too Many Requests</h1>\n"
    "You have sent too many requests in a given amount of time.\n"
    "</body></html>\n"
)


@dataclass(slots=True)
class FaultPlan:
    rate: float
    seed: int = 0
    kinds: list[str] = field(default_factory=lambda: ["http500", "http502", "http503", "code105"])
    targets: list[str] = field(default_factory=list)
    slow_seconds: float = 2.0
    max_faults: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {unknown}; use {', '.join(FAULT_KINDS)}")


class Faults:
    """The active fault plan and a log of what was injected."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: FaultPlan | None = None
        self._rngs: dict[str, random.Random] = {}
        self._injected: list[dict[str, Any]] = []

    def set(self, plan: FaultPlan | None) -> None:
        with self._lock:
            self._plan = plan
            self._rngs = {}
            self._injected = []

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "plan": asdict(self._plan) if self._plan else None,
                "injected": list(self._injected),
            }

    def decide(self, endpoint: str, method: str | None) -> str | None:
        """The fault to inject into this request, or None."""
        with self._lock:
            plan = self._plan
            if plan is None:
                return None
            if (
                plan.targets
                and endpoint not in plan.targets
                and (method is None or method not in plan.targets)
            ):
                return None
            if plan.max_faults is not None and len(self._injected) >= plan.max_faults:
                return None
            rng = self._rngs.get(endpoint)
            if rng is None:
                rng = self._rngs[endpoint] = random.Random(f"{plan.seed}/{endpoint}")
            if rng.random() >= plan.rate:
                return None
            kinds = [
                k
                for k in plan.kinds
                if (k != "code105" or endpoint == "rest") and (k not in FILE_FAULTS or endpoint == "static")
            ] or ["http503"]
            kind = rng.choice(kinds)
            self._injected.append({"kind": kind, "endpoint": endpoint, "method": method, "at": time.time()})
            return kind

    def junk(self, size: int) -> bytes:
        """``size`` bytes from the plan's seeded generator (for ``garbage`` and ``padded``)."""
        with self._lock:
            rng = self._rngs.get("junk")
            if rng is None:
                seed = self._plan.seed if self._plan else 0
                rng = self._rngs["junk"] = random.Random(f"{seed}/junk")
            return rng.randbytes(size)

    def spoil(self, response: Response, fault: str) -> Response:
        """A file's answer as a broken proxy or disk would send it (``empty``, ``garbage``,
        ``padded``; see above)."""
        data = b"".join(response.iter_encoded()) if response.direct_passthrough else response.get_data()
        response.close()
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
        }
        if fault == "padded":
            data += self.junk(PADDING)
        else:
            headers = {k: v for k, v in headers.items() if k.lower() not in ("content-md5", "etag")}
            data = b"" if fault == "empty" else self.junk(len(data))
        spoiled = Response(data, status=200, headers=headers, content_type=response.content_type)
        spoiled.headers["Content-Length"] = str(len(data))
        return spoiled

    def slow_seconds(self) -> float:
        with self._lock:
            return self._plan.slow_seconds if self._plan else 0.0


class RateLimiter:
    """Per API key: at most ``calls`` requests in any ``window`` seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: int | None = None
        self.window: float = 3600.0
        self._hits: dict[str, deque[float]] = {}

    def configure(self, calls: int | None, window: float = 3600.0) -> None:
        with self._lock:
            self.calls = calls
            self.window = window
            self._hits = {}

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": self.calls, "window": self.window}

    def allow(self, key: str | None) -> bool:
        if key is None:
            return True
        with self._lock:
            if self.calls is None:
                return True
            now = time.monotonic()
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.calls:
                return False
            hits.append(now)
            return True
