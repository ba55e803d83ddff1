"""Python helpers over the ``/__admin`` test controls, for tests, benchmarks and the demo.

:class:`FakeFlickrHandle` talks to a running fakeflickr over HTTP (stdlib only), so it works the
same for an in-process :class:`~fakeflickr.server.FakeFlickr` and for ``python -m fakeflickr``.
The pytest fixture ``fakeflickr`` (tests/fakeflickr_fixtures.py) yields one.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The API key pair the pytest fixture registers (shaped like Flickr's: 32 hex / 16 hex).
TEST_CONSUMER_KEY = "0123456789abcdef0123456789abcdef"
TEST_CONSUMER_SECRET = "fedcba9876543210"  # noqa: S105 - a test key, registered by the fixture


class AdminError(RuntimeError):
    """An ``/__admin`` call was refused (HTTP 4xx with ``{"error": ...}``)."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An OAuth access token minted directly (the browser step skipped)."""

    token: str
    secret: str
    perms: str
    user_nsid: str
    username: str
    consumer_key: str


@dataclass
class FakeFlickrHandle:
    """A running fakeflickr: its URLs, a registered API key, and the admin controls."""

    base_url: str
    consumer_key: str = TEST_CONSUMER_KEY
    consumer_secret: str = TEST_CONSUMER_SECRET
    data_dir: Path | None = None
    #: NSID of the first user (the one the authorize page approves for by default).
    default_user: str = field(default="")

    def __post_init__(self) -> None:
        if not self.default_user:
            users = self.admin("GET", "users")
            self.default_user = users[0]["nsid"] if users else ""

    # --- URLs, as on Flickr but on one host -----------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/services/rest/"

    @property
    def upload_url(self) -> str:
        return f"{self.base_url}/services/upload/"

    @property
    def replace_url(self) -> str:
        return f"{self.base_url}/services/replace/"

    @property
    def request_token_url(self) -> str:
        return f"{self.base_url}/services/oauth/request_token"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/services/oauth/authorize"

    @property
    def access_token_url(self) -> str:
        return f"{self.base_url}/services/oauth/access_token"

    # --- raw admin call -------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL built by us
            f"{self.base_url}/__admin/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise AdminError(f"{method} /__admin/{path}: HTTP {exc.code} {detail}") from None

    # --- accounts -------------------------------------------------------------------------------

    def create_user(self, username: str, **fields: Any) -> dict[str, Any]:
        """Create an account. Fields: nsid, fullname, realname, path_alias, is_pro (default True),
        item_limit (free accounts default to 1000), filesize_max, videosize_max,
        default_is_public/default_is_friend/default_is_family."""
        result: dict[str, Any] = self.admin("POST", "users", {"username": username, **fields})
        return result

    def update_user(self, nsid: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("POST", f"users/{nsid}", fields)
        return result

    def add_consumer(self, key: str, secret: str) -> None:
        self.admin("POST", "consumers", {"key": key, "secret": secret})

    def mint_token(
        self, user: str | None = None, perms: str = "write", consumer_key: str | None = None
    ) -> AccessToken:
        """An access token for ``user`` (NSID or username; default: the first user)."""
        body = {"user": user, "perms": perms, "consumer_key": consumer_key or self.consumer_key}
        data = self.admin("POST", "tokens", body)
        return AccessToken(
            data["token"],
            data["secret"],
            data["perms"],
            data["user_nsid"],
            data["username"],
            data["consumer_key"],
        )

    def revoke_token(self, token: str) -> None:
        self.admin("POST", "tokens/revoke", {"token": token})

    # --- content --------------------------------------------------------------------------------

    def seed_photos(self, photos: list[dict[str, Any]], owner: str | None = None) -> list[str]:
        """Photos already on Flickr (see ``fakeflickr.admin.seed_photos`` for the spec). Returns
        their ids, in order. Thousands per call are fine."""
        data = self.admin("POST", "photos", {"owner": owner, "photos": photos})
        return [str(i) for i in data["ids"]]

    def seed_photo(self, owner: str | None = None, **spec: Any) -> str:
        return self.seed_photos([spec], owner)[0]

    def create_photoset(
        self, title: str, photo_ids: list[str], owner: str | None = None, description: str = ""
    ) -> str:
        body = {"owner": owner, "title": title, "description": description, "photo_ids": photo_ids}
        return str(self.admin("POST", "photosets", body)["id"])

    def create_group(
        self,
        name: str,
        members: list[str] | tuple[str, ...] = (),
        admins: list[str] | tuple[str, ...] = (),
        moderated: bool = False,
        nsid: str | None = None,
    ) -> str:
        body = {
            "name": name,
            "members": list(members),
            "admins": list(admins),
            "moderated": moderated,
            "nsid": nsid,
        }
        return str(self.admin("POST", "groups", body)["nsid"])

    # --- reading state ----------------------------------------------------------------------------

    def state(self, photos: bool = True, owner: str | None = None) -> dict[str, Any]:
        query = [] if photos else ["photos=0"]
        if owner:
            query.append(f"owner={owner}")
        result: dict[str, Any] = self.admin("GET", "state" + ("?" + "&".join(query) if query else ""))
        return result

    def photos(self, owner: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.state(owner=owner)["photos"]
        return result

    def photo(self, photo_id: str) -> dict[str, Any]:
        for item in self.photos():
            if item["id"] == str(photo_id):
                return item
        raise KeyError(photo_id)

    def photosets(self, owner: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.state(photos=False, owner=owner)["photosets"]
        return result

    def deletions(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.state(photos=False)["deletions"]
        return result

    def calls(self) -> dict[str, int]:
        result: dict[str, int] = self.admin("GET", "calls")
        return result

    def reset_calls(self) -> None:
        self.admin("POST", "calls/reset", {})

    # --- faults, limits, config -------------------------------------------------------------------

    def set_faults(
        self,
        rate: float,
        *,
        seed: int = 0,
        kinds: list[str] | tuple[str, ...] = ("http500", "http502", "http503", "code105"),
        targets: list[str] | tuple[str, ...] = (),
        slow_seconds: float = 2.0,
        max_faults: int | None = None,
    ) -> dict[str, Any]:
        """Fail a fraction ``rate`` of matching requests (see :mod:`fakeflickr.faults`)."""
        body = {
            "rate": rate,
            "seed": seed,
            "kinds": list(kinds),
            "targets": list(targets),
            "slow_seconds": slow_seconds,
            "max_faults": max_faults,
        }
        result: dict[str, Any] = self.admin("POST", "faults", body)
        return result

    def clear_faults(self) -> None:
        self.admin("DELETE", "faults")

    def faults(self) -> dict[str, Any]:
        """The active plan and the list of injected faults."""
        result: dict[str, Any] = self.state(photos=False)["faults"]
        return result

    def set_rate_limit(self, calls: int | None, window: float = 3600.0) -> None:
        """At most ``calls`` requests per API key in any ``window`` seconds (None: no limit)."""
        self.admin("POST", "rate_limit", {"calls": calls, "window": window})

    def configure(self, **config: Any) -> dict[str, Any]:
        """Set :class:`fakeflickr.state.Config` fields (deep_page_cap, ticket_delay, timezone, clock …)."""
        result: dict[str, Any] = self.admin("POST", "config", config)
        return result

    def set_link(self, **settings: float) -> dict[str, Any]:
        """The network model (:mod:`fakeflickr.link`): ``latency_ms`` (round trip per request),
        ``up_bytes_per_s``, ``down_bytes_per_s`` (shared by all connections); 0 = off. Fields not
        given keep their value."""
        result: dict[str, Any] = self.admin("POST", "link", settings)
        return result

    def link(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", "link")
        return result

    def complete_tickets(self) -> None:
        """Finish every pending async upload/replace now."""
        self.admin("POST", "tickets/complete", {})
