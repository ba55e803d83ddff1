"""The ``fakeflickr`` pytest fixture: a fresh emulator on 127.0.0.1 (free port) per test.

Registered for the whole suite from tests/conftest.py (``pytest_plugins``). It yields a
:class:`fakeflickr.testing.FakeFlickrHandle`; its API is stable, other tests depend on it:

Attributes
    ``base_url`` (``http://127.0.0.1:PORT``), ``rest_url``, ``upload_url``, ``replace_url``,
    ``request_token_url``, ``authorize_url``, ``access_token_url``; ``consumer_key`` /
    ``consumer_secret`` (a registered API key pair, ``TEST_CONSUMER_KEY``/``TEST_CONSUMER_SECRET``);
    ``default_user`` (NSID of the account the authorize page approves for; username "demo");
    ``data_dir``; ``server`` (the in-process :class:`fakeflickr.server.FakeFlickr`, e.g.
    ``server.store`` for white-box checks).

Accounts and tokens
    ``create_user(username, **fields) -> dict``, ``update_user(nsid, **fields)``,
    ``add_consumer(key, secret)``, ``mint_token(user=None, perms="write", consumer_key=None) ->
    AccessToken(token, secret, perms, user_nsid, username, consumer_key)``, ``revoke_token(token)``.

Content
    ``seed_photos(specs, owner=None) -> [photo ids]`` (thousands per call; specs: title,
    description, tags, date_taken, date_taken_unknown, date_upload, media, is_public…, sets,
    pools, image_base64 or generate=True, else bytes are generated on first download),
    ``seed_photo(owner=None, **spec) -> id``, ``create_photoset(title, photo_ids, owner=None,
    description="") -> id``, ``create_group(name, members=(), admins=(), moderated=False) -> nsid``.

State
    ``state(photos=True, owner=None) -> dict`` (users, photos with tags raw/clean and sets,
    photosets with ordered members, groups and pools, tickets, deletions, calls, faults, config),
    ``photos(owner=None)``, ``photo(id)``, ``photosets(owner=None)``, ``deletions()``,
    ``calls() -> {method: count}``, ``reset_calls()``.

Faults, limits, config
    ``set_faults(rate, seed=0, kinds=(...), targets=(), slow_seconds=2.0, max_faults=None)``
    (kinds: http500 http502 http503 code105 slow drop drop_after_commit; targets: REST method
    names and/or rest, upload, replace, oauth, static), ``clear_faults()``, ``faults()``,
    ``set_rate_limit(calls, window=3600.0)``, ``configure(**config)`` (deep_page_cap,
    deep_page_mode, ticket_delay, timezone, clock, clock_offset, search_index_delay,
    oauth_timestamp_window, max_tags_per_photo, photo_formats, machine_tags_extra),
    ``complete_tickets()``, ``set_link(latency_ms=, up_bytes_per_s=, down_bytes_per_s=)`` and
    ``link()`` (the network model, off by default; see fakeflickr.link).

Async upload tickets complete after ``ticket_delay`` (0.5 s by default; the fixture keeps it).
At teardown the fixture fails the test if fakeflickr hit an unexpected exception (a fakeflickr bug,
answered to the client as error 105).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakeflickr.server import FakeFlickr
from fakeflickr.testing import TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET, FakeFlickrHandle


@dataclass
class FakeFlickrFixture(FakeFlickrHandle):
    """The handle plus the in-process server."""

    server: FakeFlickr | None = None


@pytest.fixture
def fakeflickr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeFlickrFixture]:
    data_dir: Path = tmp_path_factory.mktemp("fakeflickr")
    with FakeFlickr(data_dir, consumers=[(TEST_CONSUMER_KEY, TEST_CONSUMER_SECRET)]) as server:
        yield FakeFlickrFixture(server.base_url, data_dir=data_dir, server=server)
        # An unexpected exception inside the emulator is a fakeflickr bug (it answered error 105).
        assert server.app.internal_errors == [], (
            f"fakeflickr bug, please report: {server.app.internal_errors}"
        )
