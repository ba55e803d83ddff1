"""How fast fakeflickr seeds and lists a big library (the listing benchmarks seed 20,000 photos).

Prints: seconds to seed N photos in one admin call; seconds to walk them with people.getPhotos
(500 per page, the extras a sync needs); one machine-tag search. Ratios are against the cost of
the cheapest signed REST call (flickr.test.login) measured in the same run.

    .venv/bin/python -m benchmarks.fakeflickr_seed_and_list [N]
"""

from __future__ import annotations

import ssl
import sys
import tempfile
import time
from pathlib import Path

import httpx
from oauthlib.oauth1 import Client

from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, AccessToken, FakeFlickrHandle

EXTRAS = "date_upload,date_taken,last_update,tags,machine_tags,original_format,url_o,media"


def _get(http: httpx.Client, ff: FakeFlickrHandle, token: AccessToken, **params: str) -> httpx.Response:
    client = Client(
        TEST_CONSUMER_KEY,
        client_secret=TEST_CONSUMER_SECRET,
        resource_owner_key=token.token,
        resource_owner_secret=token.secret,
    )
    query = "&".join(f"{k}={v}" for k, v in {"format": "json", "nojsoncallback": "1", **params}.items())
    url, headers, _ = client.sign(f"{ff.rest_url}?{query}")
    return http.get(url, headers=headers)


def main(count: int) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeFlickr(Path(tmp), consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)]) as server,
        httpx.Client(timeout=600, verify=ssl.create_default_context()) as http,
    ):
        ff = FakeFlickrHandle(server.base_url)
        token = ff.mint_token(perms="read")
        started = time.perf_counter()
        for _ in range(50):
            _get(http, ff, token, method="flickr.test.login").raise_for_status()
        baseline = (time.perf_counter() - started) / 50

        specs = [
            {
                "title": f"IMG_{i:06d}",
                "tags": f"album{i % 40} checksum:sha1={i:040x}",
                "date_taken": "2020-01-01 10:00:00",
                "date_upload": 1500000000 + i,
                "sets": [f"set {i % 25}"],
            }
            for i in range(count)
        ]
        started = time.perf_counter()
        ff.seed_photos(specs)
        seed_seconds = time.perf_counter() - started

        started = time.perf_counter()
        seen = 0
        pages = 1
        page = 1
        while page <= pages:
            data = _get(
                http,
                ff,
                token,
                method="flickr.people.getPhotos",
                user_id="me",
                per_page="500",
                page=str(page),
                extras=EXTRAS,
            ).json()
            pages = data["photos"]["pages"]
            seen += len(data["photos"]["photo"])
            page += 1
        list_seconds = time.perf_counter() - started
        per_page_call = list_seconds / max(pages, 1)

        started = time.perf_counter()
        found = _get(
            http,
            ff,
            token,
            method="flickr.photos.search",
            user_id="me",
            machine_tags=f"checksum:sha1={count // 2:040x}",
        ).json()
        search_seconds = time.perf_counter() - started

    print(f"baseline signed call (test.login): {baseline * 1000:.1f} ms")
    print(f"seed {count} photos: {seed_seconds:.2f} s ({count / seed_seconds:,.0f} photos/s)")
    print(
        f"list {seen} photos in {pages} pages: {list_seconds:.2f} s "
        f"({per_page_call * 1000:.0f} ms per page = {per_page_call / baseline:.1f}x baseline)"
    )
    print(
        f"machine tag search ({found['photos']['total']} hit): {search_seconds * 1000:.0f} ms "
        f"({search_seconds / baseline:.1f}x baseline)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
