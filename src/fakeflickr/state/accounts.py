"""The store's accounts room: API keys (consumers), users, and OAuth request/access tokens."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable
from typing import Any

from fakeflickr.state.base import StoreBase
from fakeflickr.state.records import FREE_ITEM_LIMIT, PHOTO_SIZE_MAX, VIDEO_SIZE_MAX, Token, User


def _row_user(row: sqlite3.Row) -> User:
    values = {k: row[k] for k in row.keys()}  # noqa: SIM118
    values["is_pro"] = bool(values["is_pro"])
    return User(**values)


def _row_token(row: sqlite3.Row) -> Token:
    return Token(**{k: row[k] for k in row.keys()})  # noqa: SIM118


class AccountsMixin(StoreBase):
    """Consumers, users and tokens."""

    # --- consumers ------------------------------------------------------------------------------

    def add_consumer(self, key: str, secret: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO consumers (key, secret) VALUES (?, ?)", (key, secret))

    def consumer_secret(self, key: str) -> str | None:
        with self.tx() as db:
            row = db.execute("SELECT secret FROM consumers WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row[0])

    def consumers(self) -> list[tuple[str, str]]:
        with self.tx() as db:
            return [(r[0], r[1]) for r in db.execute("SELECT key, secret FROM consumers ORDER BY key")]

    # --- users ------------------------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        *,
        nsid: str | None = None,
        fullname: str = "",
        realname: str = "",
        location: str = "",
        path_alias: str | None = None,
        is_pro: bool = True,
        item_limit: int | None = None,
        filesize_max: int | None = None,
        videosize_max: int | None = None,
        default_is_public: int = 1,
        default_is_friend: int = 0,
        default_is_family: int = 0,
    ) -> User:
        with self.tx() as db:
            num = self._counter("next_user_num", 78701040, 13)
            if nsid is None:
                nsid = f"{num + 32139}@N{(num % 9) + 1:02d}"
            if item_limit is None and not is_pro:
                item_limit = FREE_ITEM_LIMIT
            db.execute(
                "INSERT INTO users (nsid, num, username, fullname, realname, location, path_alias,"
                " is_pro, item_limit, filesize_max, videosize_max, default_is_public,"
                " default_is_friend, default_is_family, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    nsid,
                    num,
                    username,
                    fullname,
                    realname,
                    location,
                    path_alias,
                    int(is_pro),
                    item_limit,
                    filesize_max or PHOTO_SIZE_MAX,
                    videosize_max or VIDEO_SIZE_MAX,
                    default_is_public,
                    default_is_friend,
                    default_is_family,
                    self.now(),
                ),
            )
            user = self.user(nsid)
            assert user is not None
            return user

    def update_user(self, nsid: str, values: dict[str, Any]) -> User:
        allowed = {
            "fullname",
            "realname",
            "location",
            "path_alias",
            "is_pro",
            "item_limit",
            "filesize_max",
            "videosize_max",
            "default_is_public",
            "default_is_friend",
            "default_is_family",
        }
        with self.tx():
            self._update_columns("users", "nsid", nsid, values, allowed)
            user = self.user(nsid)
            if user is None:
                raise KeyError(nsid)
            return user

    def user(self, nsid: str) -> User | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM users WHERE nsid = ?", (nsid,)).fetchone()
            return None if row is None else _row_user(row)

    def find_user(self, key: str) -> User | None:
        """By NSID, username or path alias."""
        with self.tx() as db:
            row = db.execute(
                "SELECT * FROM users WHERE nsid = ? OR username = ? OR path_alias = ?", (key, key, key)
            ).fetchone()
            return None if row is None else _row_user(row)

    def users(self) -> list[User]:
        with self.tx() as db:
            return [_row_user(r) for r in db.execute("SELECT * FROM users ORDER BY num")]

    def users_by_nsid(self, nsids: Iterable[str]) -> dict[str, User]:
        wanted = sorted(set(nsids))
        if not wanted:
            return {}
        with self.tx() as db:
            marks = ",".join("?" * len(wanted))
            rows = db.execute(f"SELECT * FROM users WHERE nsid IN ({marks})", wanted)  # noqa: S608
            return {r["nsid"]: _row_user(r) for r in rows}

    def default_user(self) -> User | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM users ORDER BY num LIMIT 1").fetchone()
            return None if row is None else _row_user(row)

    # --- tokens -------------------------------------------------------------------------------------

    def _insert_token(self, **values: Any) -> Token:
        token = f"{self._long_id()}-{secrets.token_hex(8)}"
        secret = secrets.token_hex(8)
        self.db.execute(
            "INSERT INTO tokens (token, secret, kind, consumer_key, user_nsid, perms, callback,"
            " verifier, state, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                token,
                secret,
                values["kind"],
                values["consumer_key"],
                values.get("user_nsid"),
                values.get("perms"),
                values.get("callback"),
                values.get("verifier"),
                values["state"],
                self.now(),
            ),
        )
        found = self.token(token)
        assert found is not None
        return found

    def create_request_token(self, consumer_key: str, callback: str) -> Token:
        with self.tx():
            return self._insert_token(
                kind="request", consumer_key=consumer_key, callback=callback, state="new"
            )

    def authorize_request_token(self, token: str, user_nsid: str, perms: str) -> str:
        """Approve a request token for a user; returns the verifier."""
        with self.tx() as db:
            found = self.token(token)
            if found is None or found.kind != "request" or found.state != "new":
                raise KeyError(token)
            if found.callback == "oob":
                digits = f"{secrets.randbelow(10**9):09d}"
                verifier = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
            else:
                verifier = secrets.token_hex(8)
            db.execute(
                "UPDATE tokens SET user_nsid = ?, perms = ?, verifier = ?, state = 'authorized'"
                " WHERE token = ?",
                (user_nsid, perms, verifier, token),
            )
            return verifier

    def exchange_request_token(self, token: str, verifier: str) -> Token | None:
        """Trade an authorised request token + verifier for an access token (once)."""
        with self.tx() as db:
            found = self.token(token)
            if (
                found is None
                or found.kind != "request"
                or found.state != "authorized"
                or found.verifier != verifier
            ):
                return None
            db.execute("UPDATE tokens SET state = 'used' WHERE token = ?", (token,))
            return self._insert_token(
                kind="access",
                consumer_key=found.consumer_key,
                user_nsid=found.user_nsid,
                perms=found.perms,
                state="active",
            )

    def mint_access_token(self, consumer_key: str, user_nsid: str, perms: str) -> Token:
        with self.tx():
            return self._insert_token(
                kind="access", consumer_key=consumer_key, user_nsid=user_nsid, perms=perms, state="active"
            )

    def revoke_token(self, token: str) -> bool:
        with self.tx() as db:
            cur = db.execute(
                "UPDATE tokens SET state = 'revoked' WHERE token = ? AND kind = 'access'", (token,)
            )
            return cur.rowcount > 0

    def token(self, token: str) -> Token | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM tokens WHERE token = ?", (token,)).fetchone()
            return None if row is None else _row_token(row)

    def tokens(self) -> list[Token]:
        with self.tx() as db:
            return [_row_token(r) for r in db.execute("SELECT * FROM tokens ORDER BY created, token")]
