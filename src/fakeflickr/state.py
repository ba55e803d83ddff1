"""fakeflickr's state: one SQLite database (WAL) plus the original files, under the data dir.

On-disk layout (``DATA_DIR``)::

    fakeflickr.db            SQLite, schema below (WAL journal; survives restarts)
    originals/NN/<id>_<originalsecret>.<originalformat>   bytes exactly as uploaded
    cache/NN/<id>_<secret>_<suffix>.jpg                  resized JPEGs, made on first request
    incoming/                uploads being received, and async uploads waiting for their ticket

Tables: ``meta`` (config, id counters), ``consumers`` (API key/secret), ``users``, ``tokens``
(request and access tokens with perms), ``photos``, ``tags`` (raw/clean, per photo),
``tag_numbers`` (the global number of each clean tag text, last part of a tag id),
``photosets`` + ``set_photos`` (ordered members), ``groups`` + ``group_members`` +
``pool_photos``, ``tickets`` (async uploads/replaces), ``deletions`` (every photo or photoset
that went away, for tests to assert on).

Ids are shaped as on Flickr: photo ids 11 digits, photoset ids 17 digits starting ``72157``, NSIDs
``<digits>@N<2 digits>``, secrets 10 hex, tokens ``<17 digits>-<16 hex>`` with 16-hex secrets,
tag ids ``<owner's user number>-<photo id>-<tag number>``, tickets ``<user number>-<17 digits>``.

Concurrency: one connection shared by all threads, guarded by one re-entrant lock; every request
that reads or writes runs inside :meth:`Store.tx` (``BEGIN IMMEDIATE`` ... ``COMMIT``), so writes
are serialised and a request sees a consistent state.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fakeflickr.media import generate_jpeg, generate_mp4
from fakeflickr.text import MachineTagQuery, ParsedTag, clean_text, format_taken

Perms = Literal["none", "read", "write", "delete"]
PERM_LEVEL: dict[str, int] = {"none": 0, "read": 1, "write": 2, "delete": 3}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consumers (key TEXT PRIMARY KEY, secret TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    nsid TEXT PRIMARY KEY,
    num INTEGER UNIQUE NOT NULL,
    username TEXT UNIQUE NOT NULL,
    fullname TEXT NOT NULL DEFAULT '',
    realname TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    path_alias TEXT,
    is_pro INTEGER NOT NULL DEFAULT 1,
    item_limit INTEGER,
    filesize_max INTEGER NOT NULL,
    videosize_max INTEGER NOT NULL,
    default_is_public INTEGER NOT NULL DEFAULT 1,
    default_is_friend INTEGER NOT NULL DEFAULT 0,
    default_is_family INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    kind TEXT NOT NULL,              -- request | access
    consumer_key TEXT NOT NULL,
    user_nsid TEXT,
    perms TEXT,
    callback TEXT,
    verifier TEXT,
    state TEXT NOT NULL,             -- request: new|authorized|used; access: active|revoked
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS photos (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    secret TEXT NOT NULL,
    originalsecret TEXT NOT NULL,
    server TEXT NOT NULL,
    farm INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    ispublic INTEGER NOT NULL,
    isfriend INTEGER NOT NULL,
    isfamily INTEGER NOT NULL,
    safety_level INTEGER NOT NULL,
    content_type INTEGER NOT NULL,
    hidden INTEGER NOT NULL,
    license TEXT NOT NULL,
    perm_comment INTEGER NOT NULL,
    perm_addmeta INTEGER NOT NULL,
    dateupload INTEGER NOT NULL,
    lastupdate INTEGER NOT NULL,
    datetaken TEXT NOT NULL,
    takengranularity INTEGER NOT NULL,
    takenunknown INTEGER NOT NULL,
    media TEXT NOT NULL,
    originalformat TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    rotation INTEGER NOT NULL DEFAULT 0,
    views INTEGER NOT NULL DEFAULT 0,
    duration INTEGER,
    file_path TEXT,
    file_size INTEGER,
    file_md5 TEXT,
    searchable_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS photos_owner_upload ON photos (owner, dateupload, id);
CREATE INDEX IF NOT EXISTS photos_owner_update ON photos (owner, lastupdate, id);
CREATE INDEX IF NOT EXISTS photos_owner_taken ON photos (owner, datetaken, id);
CREATE TABLE IF NOT EXISTS tags (
    seq INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL,
    author TEXT NOT NULL,
    raw TEXT NOT NULL,
    clean TEXT NOT NULL,
    machine INTEGER NOT NULL,
    num INTEGER NOT NULL,
    UNIQUE (photo_id, clean)
);
CREATE INDEX IF NOT EXISTS tags_clean ON tags (clean, photo_id);
CREATE TABLE IF NOT EXISTS tag_numbers (clean TEXT PRIMARY KEY, num INTEGER UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS photosets (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    primary_id INTEGER NOT NULL,
    date_create INTEGER NOT NULL,
    date_update INTEGER NOT NULL,
    sort_key INTEGER NOT NULL,
    views INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS set_photos (
    set_id INTEGER NOT NULL,
    photo_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (set_id, photo_id)
);
CREATE INDEX IF NOT EXISTS set_photos_photo ON set_photos (photo_id);
CREATE INDEX IF NOT EXISTS set_photos_order ON set_photos (set_id, position);
CREATE TABLE IF NOT EXISTS groups (
    nsid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    moderated INTEGER NOT NULL DEFAULT 0,
    privacy INTEGER NOT NULL DEFAULT 3,
    eighteenplus INTEGER NOT NULL DEFAULT 0,
    invitation_only INTEGER NOT NULL DEFAULT 0,
    url_name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS group_members (
    group_nsid TEXT NOT NULL,
    user_nsid TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_nsid, user_nsid)
);
CREATE TABLE IF NOT EXISTS pool_photos (
    group_nsid TEXT NOT NULL,
    photo_id INTEGER NOT NULL,
    state TEXT NOT NULL,             -- added | pending
    added INTEGER NOT NULL,
    PRIMARY KEY (group_nsid, photo_id)
);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY,
    user_nsid TEXT NOT NULL,
    kind TEXT NOT NULL,              -- upload | replace
    complete INTEGER NOT NULL,       -- 0 pending, 1 done, 2 failed
    photo_id INTEGER,
    ready_at REAL NOT NULL,          -- real wall-clock seconds
    created INTEGER NOT NULL,
    imported INTEGER,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deletions (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,              -- photo | photoset
    object_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL
);
"""

MB = 1024 * 1024
PHOTO_SIZE_MAX = 200 * MB
VIDEO_SIZE_MAX = 1024 * MB
FREE_ITEM_LIMIT = 1000


# --- records --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Config:
    """Knobs tests may turn through ``/__admin/config`` (persisted in ``meta``)."""

    #: Deep-paging cap: results past this offset repeat the last page inside the cap
    #: (photos.search and people.getPhotos). 0 disables.
    deep_page_cap: int = 4000
    #: "repeat" (default, as reported 2017-2018) or "error" (search answers code 20).
    deep_page_mode: str = "repeat"
    #: Seconds before an async upload/replace ticket completes.
    ticket_delay: float = 0.5
    #: Zone in which a file without an EXIF date gets its date taken (the upload time).
    timezone: str = "America/Los_Angeles"
    #: Fixed "now" (Unix seconds) for dates Flickr stamps (posted, lastupdate); None = real time.
    clock: float | None = None
    #: Seconds added to real time for those dates (ignored when ``clock`` is set).
    clock_offset: float = 0.0
    #: OAuth timestamps further than this from real time are refused (timestamp_refused).
    oauth_timestamp_window: int = 300
    #: Seconds before a new or edited photo shows up in photos.search (0 = at once). On by
    #: default, as on Flickr (REFERENCE §4.2; docs/flickr-quirks.md): tests that need a fresh
    #: upload in search at once turn it off and say why.
    search_index_delay: int = 3600
    #: Maximum number of tags on one photo (error 2 "Maximum number of tags reached").
    max_tags_per_photo: int = 75
    #: Pillow formats accepted as photos (others -> upload error 5).
    photo_formats: list[str] = field(default_factory=lambda: ["JPEG", "MPO", "PNG", "GIF", "TIFF", "HEIF"])
    #: False makes the ``machine_tags`` extra come back empty while ``tags`` still lists the
    #: machine tags, as one 2013 recording shows (lets tests check a client does not depend on it).
    machine_tags_extra: bool = True
    #: ``server``/``farm`` given to new photos (modern values).
    server: str = "65535"
    farm: int = 66

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, values: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in names:
                raise KeyError(key)
            setattr(self, key, value)


@dataclass(frozen=True, slots=True)
class User:
    nsid: str
    num: int
    username: str
    fullname: str
    realname: str
    location: str
    path_alias: str | None
    is_pro: bool
    item_limit: int | None
    filesize_max: int
    videosize_max: int
    default_is_public: int
    default_is_friend: int
    default_is_family: int
    created: int


@dataclass(frozen=True, slots=True)
class Token:
    token: str
    secret: str
    kind: str
    consumer_key: str
    user_nsid: str | None
    perms: str | None
    callback: str | None
    verifier: str | None
    state: str
    created: int


@dataclass(frozen=True, slots=True)
class Photo:
    id: int
    owner: str
    secret: str
    originalsecret: str
    server: str
    farm: int
    title: str
    description: str
    ispublic: int
    isfriend: int
    isfamily: int
    safety_level: int
    content_type: int
    hidden: int
    license: str
    perm_comment: int
    perm_addmeta: int
    dateupload: int
    lastupdate: int
    datetaken: str
    takengranularity: int
    takenunknown: int
    media: str
    originalformat: str
    width: int
    height: int
    rotation: int
    views: int
    duration: int | None
    file_path: str | None
    file_size: int | None
    file_md5: str | None
    searchable_at: int


@dataclass(frozen=True, slots=True)
class Tag:
    id: str
    photo_id: int
    author: str
    raw: str
    clean: str
    machine: bool


@dataclass(frozen=True, slots=True)
class Photoset:
    id: int
    owner: str
    title: str
    description: str
    primary_id: int
    date_create: int
    date_update: int
    views: int
    photos: int
    videos: int


@dataclass(frozen=True, slots=True)
class Group:
    nsid: str
    name: str
    moderated: bool
    privacy: int
    eighteenplus: int
    invitation_only: int
    url_name: str


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    user_nsid: str
    kind: str
    complete: int
    photo_id: int | None
    ready_at: float
    created: int
    imported: int | None
    payload: dict[str, Any]


@dataclass(slots=True)
class PhotoQuery:
    """A filter over photos, shared by people.getPhotos, search, getNotInSet, recentlyUpdated."""

    owner: str | None = None
    #: Who asks: photos not owned by the viewer are visible only when public.
    viewer: str | None = None
    min_upload: int | None = None
    max_upload: int | None = None
    min_taken: str | None = None
    max_taken: str | None = None
    min_lastupdate: int | None = None
    media: str | None = None  # photo | video
    privacy_filter: int | None = None
    tags_any: list[str] = field(default_factory=list)
    tags_all: list[str] = field(default_factory=list)
    tags_exclude: list[str] = field(default_factory=list)
    machine_tags: list[MachineTagQuery] = field(default_factory=list)
    machine_tag_mode: str = "any"
    text_include: list[str] = field(default_factory=list)
    text_exclude: list[str] = field(default_factory=list)
    not_in_set: bool = False
    in_set: int | None = None
    in_pool: str | None = None
    #: Leave out photos uploaded with hidden=2 ("hide from public searches").
    exclude_hidden: bool = False
    searchable_before: int | None = None
    sort: str = "date-posted-desc"


# --- helpers ------------------------------------------------------------------------------------


def new_secret() -> str:
    return secrets.token_hex(5)


def _row_photo(row: sqlite3.Row) -> Photo:
    """A ``photos`` row (columns in the dataclass's field order, see SCHEMA)."""
    return Photo(*row)


def _row_user(row: sqlite3.Row) -> User:
    values = {k: row[k] for k in row.keys()}  # noqa: SIM118
    values["is_pro"] = bool(values["is_pro"])
    return User(**values)


def _row_token(row: sqlite3.Row) -> Token:
    return Token(**{k: row[k] for k in row.keys()})  # noqa: SIM118


def _shard(photo_id: int) -> str:
    return f"{photo_id % 100:02d}"


SORTS: dict[str, str] = {
    "date-posted-desc": "p.dateupload DESC, p.id DESC",
    "date-posted-asc": "p.dateupload ASC, p.id ASC",
    "date-taken-desc": "p.datetaken DESC, p.id DESC",
    "date-taken-asc": "p.datetaken ASC, p.id ASC",
    "interestingness-desc": "p.views DESC, p.id DESC",
    "interestingness-asc": "p.views ASC, p.id ASC",
    "relevance": "p.dateupload DESC, p.id DESC",
    "lastupdate-desc": "p.lastupdate DESC, p.id DESC",
    "set-order": "sp.position ASC",
}


class Store:
    """All state of one fakeflickr, behind one lock. Methods are the domain operations."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        for sub in ("originals", "cache", "incoming"):
            (data_dir / sub).mkdir(exist_ok=True)
        self.lock = threading.RLock()
        self._depth = 0
        self.db = sqlite3.connect(
            data_dir / "fakeflickr.db", check_same_thread=False, isolation_level=None, timeout=30
        )
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(SCHEMA)
        self.config = Config()
        stored = self._meta_get("config")
        if stored:
            known = {f.name for f in fields(Config)}
            self.config.update({k: v for k, v in json.loads(stored).items() if k in known})

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # --- transactions, meta, clock ------------------------------------------------------------

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction (re-entrant: nested blocks join the outer one)."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self._depth = 0
                self.db.execute("ROLLBACK")
                raise
            self._depth = 0
            self.db.execute("COMMIT")

    def _update_columns(
        self, table: str, key_column: str, key: object, values: dict[str, Any], allowed: set[str]
    ) -> None:
        """UPDATE whitelisted columns of one row (names never come from a request)."""
        for column, value in values.items():
            if column not in allowed:
                raise KeyError(column)
            self.db.execute(f"UPDATE {table} SET {column} = ? WHERE {key_column} = ?", (value, key))  # noqa: S608

    def _meta_get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _meta_set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def set_config(self, values: dict[str, Any]) -> Config:
        with self.tx():
            self.config.update(values)
            self._meta_set("config", json.dumps(self.config.to_json()))
            return self.config

    def now(self) -> int:
        """Flickr's "now" for the dates it stamps (posted, lastupdate): real time unless a test
        set the clock."""
        if self.config.clock is not None:
            return int(self.config.clock)
        return int(time.time() + self.config.clock_offset)

    def local_time(self, ts: int) -> str:
        """Unix seconds rendered as wall-clock time in the configured zone (date taken default)."""
        return format_taken(datetime.fromtimestamp(ts, UTC).astimezone(ZoneInfo(self.config.timezone)))

    def _counter(self, key: str, start: int, step: int = 1) -> int:
        current = self._meta_get(key)
        value = start if current is None else int(current) + step
        self._meta_set(key, str(value))
        return value

    def _next_photo_ids(self, count: int) -> list[int]:
        """Photo ids grow like Flickr's (11 digits, increasing, not contiguous)."""
        current = self._meta_get("next_photo_id")
        ids: list[int] = []
        value = None if current is None else int(current)
        for _ in range(count):
            value = 53000000001 if value is None else value + 1 + value % 7
            ids.append(value)
        if ids:
            self._meta_set("next_photo_id", str(ids[-1]))
        return ids

    def _next_photo_id(self) -> int:
        return self._next_photo_ids(1)[0]

    def _next_set_id(self) -> int:
        return self._counter("next_set_id", 72157720000000001, 17)

    def _long_id(self) -> str:
        return f"72157{secrets.randbelow(10**12):012d}"

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

    # --- photos -------------------------------------------------------------------------------------

    def ensure_original(self, photo: Photo) -> tuple[Photo, Path]:
        """The original's path; a lazily seeded photo gets its deterministic bytes now (a JPEG
        with the EXIF date taken when known, or a minimal MP4 for a video)."""
        path = self.original_path(photo)
        if path is not None and path.exists():
            return photo, path
        with self.lock:
            fresh = self.photo(photo.id)
            assert fresh is not None
            path = self.original_path(fresh)
            if path is not None and path.exists():
                return fresh, path
            if fresh.media == "video":
                data = generate_mp4(fresh.width, fresh.height, fresh.duration or 1)
            else:
                date = None if fresh.takenunknown or fresh.datetaken.startswith("0000") else fresh.datetaken
                data = generate_jpeg(f"{fresh.id}", fresh.width, fresh.height, date)
            tmp = self.data_dir / "incoming" / f"lazy-{fresh.id}"
            tmp.write_bytes(data)
            updated = self.attach_file(fresh.id, tmp)
            final = self.original_path(updated)
            assert final is not None
            return updated, final

    def original_path(self, photo: Photo) -> Path | None:
        return None if photo.file_path is None else self.data_dir / photo.file_path

    def _original_rel(self, photo_id: int, originalsecret: str, fmt: str) -> str:
        return f"originals/{_shard(photo_id)}/{photo_id}_{originalsecret}.{fmt}"

    def cache_path(self, photo: Photo, suffix: str) -> Path:
        name = f"{photo.id}_{photo.secret}_{photo.originalsecret}_{suffix or 'm5'}.jpg"
        return self.data_dir / "cache" / _shard(photo.id) / name

    def add_photo(
        self,
        *,
        owner: str,
        title: str,
        description: str,
        tags: Sequence[ParsedTag],
        ispublic: int,
        isfriend: int,
        isfamily: int,
        dateupload: int,
        datetaken: str,
        takenunknown: int,
        media: str,
        originalformat: str,
        width: int,
        height: int,
        takengranularity: int = 0,
        safety_level: int = 0,
        content_type: int = 1,
        hidden: int = 1,
        license: str = "0",
        views: int = 0,
        duration: int | None = None,
        source_file: Path | None = None,
        source_digest: tuple[int, str] | None = None,
        lastupdate: int | None = None,
    ) -> Photo:
        """Insert one photo. ``source_file`` (moved into originals/) holds its bytes; without it
        the photo is "lazy": a deterministic JPEG is generated on first download."""
        with self.tx() as db:
            photo_id = self._next_photo_id()
            originalsecret = new_secret()
            rel = None
            size = md5 = None
            if source_file is not None:
                rel = self._original_rel(photo_id, originalsecret, originalformat)
                size, md5 = _move_into(source_file, self.data_dir / rel, source_digest)
            searchable = dateupload + self.config.search_index_delay
            db.execute(
                "INSERT INTO photos (id, owner, secret, originalsecret, server, farm, title,"
                " description, ispublic, isfriend, isfamily, safety_level, content_type, hidden,"
                " license, perm_comment, perm_addmeta, dateupload, lastupdate, datetaken,"
                " takengranularity, takenunknown, media, originalformat, width, height, rotation,"
                " views, duration, file_path, file_size, file_md5, searchable_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 2, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                (
                    photo_id,
                    owner,
                    new_secret(),
                    originalsecret,
                    self.config.server,
                    self.config.farm,
                    title,
                    description,
                    ispublic,
                    isfriend,
                    isfamily,
                    safety_level,
                    content_type,
                    hidden,
                    license,
                    dateupload,
                    lastupdate if lastupdate is not None else dateupload,
                    datetaken,
                    takengranularity,
                    takenunknown,
                    media,
                    originalformat,
                    width,
                    height,
                    views,
                    duration,
                    rel,
                    size,
                    md5,
                    searchable,
                ),
            )
            self._insert_tags(photo_id, owner, tags)
            photo = self.photo(photo_id)
            assert photo is not None
            return photo

    def add_photos_bulk(self, rows: list[dict[str, Any]]) -> list[int]:
        """Fast insert of many lazy photos (no files). Each row has the ``add_photo`` keywords
        (minus ``source_file``) plus ``tags`` as parsed tags."""
        with self.tx() as db:
            ids = self._next_photo_ids(len(rows))
            photo_rows = []
            tag_rows: list[tuple[int, str, list[ParsedTag]]] = []
            for photo_id, row in zip(ids, rows, strict=True):
                photo_rows.append(
                    (
                        photo_id,
                        row["owner"],
                        new_secret(),
                        new_secret(),
                        self.config.server,
                        self.config.farm,
                        row["title"],
                        row["description"],
                        row["ispublic"],
                        row["isfriend"],
                        row["isfamily"],
                        row.get("safety_level", 0),
                        row.get("content_type", 1),
                        row.get("hidden", 1),
                        row.get("license", "0"),
                        row["dateupload"],
                        row.get("lastupdate") or row["dateupload"],
                        row["datetaken"],
                        row.get("takengranularity", 0),
                        row["takenunknown"],
                        row["media"],
                        row["originalformat"],
                        row["width"],
                        row["height"],
                        row.get("views", 0),
                        row.get("duration"),
                        row["dateupload"] + self.config.search_index_delay,
                    )
                )
                tag_rows.append((photo_id, row["owner"], row["tags"]))
            db.executemany(
                "INSERT INTO photos (id, owner, secret, originalsecret, server, farm, title,"
                " description, ispublic, isfriend, isfamily, safety_level, content_type, hidden,"
                " license, perm_comment, perm_addmeta, dateupload, lastupdate, datetaken,"
                " takengranularity, takenunknown, media, originalformat, width, height, rotation,"
                " views, duration, file_path, file_size, file_md5, searchable_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 2, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, 0, ?, ?, NULL, NULL, NULL, ?)",
                photo_rows,
            )
            self._insert_tags_bulk(tag_rows)
        return ids

    def attach_file(self, photo_id: int, source_file: Path) -> Photo:
        """Give a (lazy) photo its original bytes."""
        with self.tx() as db:
            photo = self.photo(photo_id)
            assert photo is not None
            rel = self._original_rel(photo.id, photo.originalsecret, photo.originalformat)
            size, md5 = _move_into(source_file, self.data_dir / rel)
            db.execute(
                "UPDATE photos SET file_path = ?, file_size = ?, file_md5 = ? WHERE id = ?",
                (rel, size, md5, photo_id),
            )
            updated = self.photo(photo_id)
            assert updated is not None
            return updated

    def replace_file(
        self,
        photo_id: int,
        source_file: Path,
        probe_fields: dict[str, Any],
        source_digest: tuple[int, str] | None = None,
    ) -> Photo:
        """Swap a photo's bytes (replace API): new secrets, same id and metadata."""
        with self.tx() as db:
            old = self.photo(photo_id)
            assert old is not None
            originalsecret = new_secret()
            fmt = str(probe_fields["originalformat"])
            rel = self._original_rel(photo_id, originalsecret, fmt)
            size, md5 = _move_into(source_file, self.data_dir / rel, source_digest)
            now = self.now()
            db.execute(
                "UPDATE photos SET secret = ?, originalsecret = ?, originalformat = ?, media = ?,"
                " width = ?, height = ?, duration = ?, file_path = ?, file_size = ?, file_md5 = ?,"
                " lastupdate = ? WHERE id = ?",
                (
                    new_secret(),
                    originalsecret,
                    fmt,
                    probe_fields["media"],
                    probe_fields["width"],
                    probe_fields["height"],
                    probe_fields.get("duration"),
                    rel,
                    size,
                    md5,
                    now,
                    photo_id,
                ),
            )
            if old.file_path:
                (self.data_dir / old.file_path).unlink(missing_ok=True)
            updated = self.photo(photo_id)
            assert updated is not None
            return updated

    def photo(self, photo_id: int) -> Photo | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM photos WHERE id = ?", (photo_id,)).fetchone()
            return None if row is None else _row_photo(row)

    def photos_by_id(self, ids: Iterable[int]) -> dict[int, Photo]:
        wanted = sorted(set(ids))
        out: dict[int, Photo] = {}
        with self.tx() as db:
            for chunk in _chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                for row in db.execute(f"SELECT * FROM photos WHERE id IN ({marks})", chunk):  # noqa: S608
                    out[row["id"]] = _row_photo(row)
        return out

    def count_items(self, owner: str) -> int:
        with self.tx() as db:
            photos = db.execute("SELECT COUNT(*) FROM photos WHERE owner = ?", (owner,)).fetchone()[0]
            pending = db.execute(
                "SELECT COUNT(*) FROM tickets WHERE user_nsid = ? AND kind = 'upload' AND complete = 0",
                (owner,),
            ).fetchone()[0]
            return int(photos) + int(pending)

    def count_videos(self, owner: str) -> int:
        with self.tx() as db:
            row = db.execute(
                "SELECT COUNT(*) FROM photos WHERE owner = ? AND media = 'video'", (owner,)
            ).fetchone()
            return int(row[0])

    def touch(self, photo_id: int) -> None:
        """Bump lastupdate (any metadata change) and re-index for search."""
        now = self.now()
        self.db.execute(
            "UPDATE photos SET lastupdate = ?, searchable_at = ? WHERE id = ?",
            (now, now + self.config.search_index_delay, photo_id),
        )

    def update_photo(self, photo_id: int, touch: bool = True, **values: Any) -> Photo:
        allowed = {
            "title",
            "description",
            "ispublic",
            "isfriend",
            "isfamily",
            "perm_comment",
            "perm_addmeta",
            "secret",
            "dateupload",
            "datetaken",
            "takengranularity",
            "takenunknown",
            "safety_level",
            "content_type",
            "hidden",
            "license",
            "views",
        }
        with self.tx():
            self._update_columns("photos", "id", photo_id, values, allowed)
            if touch:
                self.touch(photo_id)
            photo = self.photo(photo_id)
            assert photo is not None
            return photo

    def delete_photo(self, photo_id: int, reason: str) -> None:
        with self.tx() as db:
            photo = self.photo(photo_id)
            if photo is None:
                return
            set_ids = [
                r[0] for r in db.execute("SELECT set_id FROM set_photos WHERE photo_id = ?", (photo_id,))
            ]
            db.execute("DELETE FROM photos WHERE id = ?", (photo_id,))
            db.execute("DELETE FROM tags WHERE photo_id = ?", (photo_id,))
            db.execute("DELETE FROM pool_photos WHERE photo_id = ?", (photo_id,))
            db.execute("DELETE FROM set_photos WHERE photo_id = ?", (photo_id,))
            self._log_deletion("photo", str(photo_id), photo.owner, photo.title, reason)
            for set_id in set_ids:
                self._after_membership_change(set_id, f"last photo deleted ({reason})")
            if photo.file_path:
                (self.data_dir / photo.file_path).unlink(missing_ok=True)

    def _log_deletion(self, kind: str, object_id: str, owner: str, title: str, reason: str) -> None:
        self.db.execute(
            "INSERT INTO deletions (kind, object_id, owner, title, at, reason) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, object_id, owner, title, self.now(), reason),
        )

    def deletions(self) -> list[dict[str, Any]]:
        with self.tx() as db:
            return [dict(r) for r in db.execute("SELECT * FROM deletions ORDER BY seq")]

    # --- queries ------------------------------------------------------------------------------------

    def count_photos(self, q: PhotoQuery) -> int:
        join, where, args = self._photo_filter(q)
        with self.tx() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM photos p{join}{where}", args).fetchone()[0])  # noqa: S608

    def select_photos(self, q: PhotoQuery, per_page: int, page: int) -> list[Photo]:
        """One 1-based page of the photos ``q`` matches, in ``q.sort`` order."""
        join, where, args = self._photo_filter(q)
        with self.tx() as db:
            rows = db.execute(
                f"SELECT p.* FROM photos p{join}{where} ORDER BY {SORTS[q.sort]} LIMIT ? OFFSET ?",  # noqa: S608
                [*args, per_page, (page - 1) * per_page],
            ).fetchall()
        return [_row_photo(r) for r in rows]

    def _photo_filter(self, q: PhotoQuery) -> tuple[str, str, list[Any]]:
        """(JOIN clause, WHERE clause, arguments) for a photo query."""
        where: list[str] = []
        args: list[Any] = []
        join = ""
        if q.in_set is not None:
            join = " JOIN set_photos sp ON sp.photo_id = p.id"
            where.append("sp.set_id = ?")
            args.append(q.in_set)
        if q.owner is not None:
            where.append("p.owner = ?")
            args.append(q.owner)
        if q.owner is None or q.owner != q.viewer:
            if q.viewer is None:
                where.append("p.ispublic = 1")
            else:
                where.append("(p.ispublic = 1 OR p.owner = ?)")
                args.append(q.viewer)
        for column, op, value in (
            ("p.dateupload", ">=", q.min_upload),
            ("p.dateupload", "<=", q.max_upload),
            ("p.datetaken", ">=", q.min_taken),
            ("p.datetaken", "<=", q.max_taken),
            ("p.lastupdate", ">=", q.min_lastupdate),
            ("p.searchable_at", "<=", q.searchable_before),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")
                args.append(value)
        if q.media:
            where.append("p.media = ?")
            args.append(q.media)
        if q.privacy_filter is not None:
            where.append(
                {
                    1: "p.ispublic = 1",
                    2: "p.ispublic = 0 AND p.isfriend = 1 AND p.isfamily = 0",
                    3: "p.ispublic = 0 AND p.isfriend = 0 AND p.isfamily = 1",
                    4: "p.ispublic = 0 AND p.isfriend = 1 AND p.isfamily = 1",
                    5: "p.ispublic = 0 AND p.isfriend = 0 AND p.isfamily = 0",
                }[q.privacy_filter]
            )
        if q.tags_any:
            marks = ",".join("?" * len(q.tags_any))
            where.append(f"p.id IN (SELECT photo_id FROM tags WHERE clean IN ({marks}))")  # noqa: S608
            args.extend(q.tags_any)
        for tag in q.tags_all:
            where.append("p.id IN (SELECT photo_id FROM tags WHERE clean = ?)")
            args.append(tag)
        if q.tags_exclude:
            marks = ",".join("?" * len(q.tags_exclude))
            where.append(f"p.id NOT IN (SELECT photo_id FROM tags WHERE clean IN ({marks}))")  # noqa: S608
            args.extend(q.tags_exclude)
        if q.machine_tags:
            parts = []
            for mt in q.machine_tags:
                condition, values = mt.condition()
                parts.append(f"p.id IN (SELECT photo_id FROM tags WHERE machine = 1 AND {condition})")  # noqa: S608
                args.extend(values)
            joiner = " OR " if q.machine_tag_mode == "any" else " AND "
            where.append("(" + joiner.join(parts) + ")")
        for word, negate in [(w, False) for w in q.text_include] + [(w, True) for w in q.text_exclude]:
            like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clean_like = "%" + clean_text(word) + "%"
            cond = (
                "(p.title LIKE ? ESCAPE '\\' OR p.description LIKE ? ESCAPE '\\'"
                " OR p.id IN (SELECT photo_id FROM tags WHERE clean LIKE ?))"
            )
            where.append(("NOT " if negate else "") + cond)
            args.extend([like, like, clean_like])
        if q.exclude_hidden:
            where.append("p.hidden = 1")
        if q.in_pool is not None:
            where.append(
                "p.id IN (SELECT photo_id FROM pool_photos WHERE group_nsid = ? AND state = 'added')"
            )
            args.append(q.in_pool)
        if q.not_in_set:
            where.append("p.id NOT IN (SELECT photo_id FROM set_photos)")
        return join, (" WHERE " + " AND ".join(where)) if where else "", args

    # --- tags ---------------------------------------------------------------------------------------

    def _tag_number(self, clean: str) -> int:
        row = self.db.execute("SELECT num FROM tag_numbers WHERE clean = ?", (clean,)).fetchone()
        if row is not None:
            return int(row[0])
        num = self._counter("next_tag_num", 1211, 1)
        self.db.execute("INSERT INTO tag_numbers (clean, num) VALUES (?, ?)", (clean, num))
        return num

    def _insert_tags_bulk(self, rows: list[tuple[int, str, list[ParsedTag]]]) -> None:
        """Tags of many new photos at once (bulk seeding)."""
        cleans = sorted({t.clean for _, _, tags in rows for t in tags})
        numbers: dict[str, int] = {}
        for chunk in _chunks(cleans, 500):
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(f"SELECT clean, num FROM tag_numbers WHERE clean IN ({marks})", chunk):  # noqa: S608
                numbers[r[0]] = int(r[1])
        missing = [c for c in cleans if c not in numbers]
        if missing:
            current = self._meta_get("next_tag_num")
            start = 1211 if current is None else int(current) + 1
            for offset, clean in enumerate(missing):
                numbers[clean] = start + offset
            self.db.executemany(
                "INSERT INTO tag_numbers (clean, num) VALUES (?, ?)", [(c, numbers[c]) for c in missing]
            )
            self._meta_set("next_tag_num", str(start + len(missing) - 1))
        self.db.executemany(
            "INSERT OR IGNORE INTO tags (photo_id, author, raw, clean, machine, num)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (photo_id, author, t.raw, t.clean, int(t.machine), numbers[t.clean])
                for photo_id, author, tags in rows
                for t in tags
            ],
        )

    def _insert_tags(self, photo_id: int, author: str, tags: Sequence[ParsedTag]) -> list[ParsedTag]:
        added = []
        for tag in tags:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO tags (photo_id, author, raw, clean, machine, num)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (photo_id, author, tag.raw, tag.clean, int(tag.machine), self._tag_number(tag.clean)),
            )
            if cur.rowcount:
                added.append(tag)
        return added

    def add_tags(self, photo_id: int, author: str, tags: Sequence[ParsedTag]) -> list[Tag]:
        with self.tx():
            added = self._insert_tags(photo_id, author, tags)
            if added:
                self.touch(photo_id)
            cleans = {t.clean for t in added}
            return [t for t in self.tags_for([photo_id]).get(photo_id, []) if t.clean in cleans]

    def count_tags(self, photo_id: int) -> int:
        with self.tx() as db:
            return int(db.execute("SELECT COUNT(*) FROM tags WHERE photo_id = ?", (photo_id,)).fetchone()[0])

    def set_tags(self, photo_id: int, author: str, tags: Sequence[ParsedTag]) -> None:
        """Replace the tags ``author`` added (tags by other people stay)."""
        with self.tx() as db:
            db.execute("DELETE FROM tags WHERE photo_id = ? AND author = ?", (photo_id, author))
            self._insert_tags(photo_id, author, tags)
            self.touch(photo_id)

    def tag_by_id(self, tag_id: str) -> Tag | None:
        parts = tag_id.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return None
        photo_id, num = int(parts[1]), int(parts[2])
        tags = [t for t in self.tags_for([photo_id]).get(photo_id, []) if t.id == tag_id]
        del num
        return tags[0] if tags else None

    def remove_tag(self, tag: Tag) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM tags WHERE photo_id = ? AND clean = ?", (tag.photo_id, tag.clean))
            self.touch(tag.photo_id)

    def tags_for(self, photo_ids: Iterable[int]) -> dict[int, list[Tag]]:
        wanted = sorted(set(photo_ids))
        out: dict[int, list[Tag]] = {}
        with self.tx() as db:
            for chunk in _chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    "SELECT t.photo_id, t.author, t.raw, t.clean, t.machine, t.num, u.num AS unum"  # noqa: S608
                    " FROM tags t JOIN photos p ON p.id = t.photo_id"
                    " JOIN users u ON u.nsid = p.owner"
                    f" WHERE t.photo_id IN ({marks}) ORDER BY t.seq",
                    chunk,
                )
                for r in rows:
                    out.setdefault(r["photo_id"], []).append(
                        Tag(
                            id=f"{r['unum']}-{r['photo_id']}-{r['num']}",
                            photo_id=r["photo_id"],
                            author=r["author"],
                            raw=r["raw"],
                            clean=r["clean"],
                            machine=bool(r["machine"]),
                        )
                    )
        return out

    # --- photosets ----------------------------------------------------------------------------------

    def _set_from_row(self, row: sqlite3.Row) -> Photoset:
        counts = self.db.execute(
            "SELECT SUM(p.media = 'photo'), SUM(p.media = 'video') FROM set_photos sp"
            " JOIN photos p ON p.id = sp.photo_id WHERE sp.set_id = ?",
            (row["id"],),
        ).fetchone()
        return Photoset(
            id=row["id"],
            owner=row["owner"],
            title=row["title"],
            description=row["description"],
            primary_id=row["primary_id"],
            date_create=row["date_create"],
            date_update=row["date_update"],
            views=row["views"],
            photos=int(counts[0] or 0),
            videos=int(counts[1] or 0),
        )

    def create_photoset(self, owner: str, title: str, description: str, primary_id: int) -> Photoset:
        with self.tx() as db:
            set_id = self._next_set_id()
            low = db.execute("SELECT MIN(sort_key) FROM photosets WHERE owner = ?", (owner,)).fetchone()[0]
            now = self.now()
            db.execute(
                "INSERT INTO photosets (id, owner, title, description, primary_id, date_create,"
                " date_update, sort_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (set_id, owner, title, description, primary_id, now, now, (low or 0) - 1),
            )
            db.execute(
                "INSERT INTO set_photos (set_id, photo_id, position) VALUES (?, ?, 0)", (set_id, primary_id)
            )
            found = self.photoset(set_id)
            assert found is not None
            return found

    def photoset(self, set_id: int) -> Photoset | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM photosets WHERE id = ?", (set_id,)).fetchone()
            return None if row is None else self._set_from_row(row)

    def photosets(self, owner: str) -> list[Photoset]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT * FROM photosets WHERE owner = ? ORDER BY sort_key, id", (owner,)
            ).fetchall()
            return [self._set_from_row(r) for r in rows]

    def find_photosets_by_title(self, owner: str, title: str) -> list[Photoset]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT * FROM photosets WHERE owner = ? AND title = ? ORDER BY sort_key, id", (owner, title)
            ).fetchall()
            return [self._set_from_row(r) for r in rows]

    def set_members(self, set_id: int) -> list[int]:
        with self.tx() as db:
            return [
                int(r[0])
                for r in db.execute(
                    "SELECT photo_id FROM set_photos WHERE set_id = ? ORDER BY position", (set_id,)
                )
            ]

    def sets_of_photo(self, photo_id: int) -> list[Photoset]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT s.* FROM photosets s JOIN set_photos sp ON sp.set_id = s.id"
                " WHERE sp.photo_id = ? ORDER BY s.sort_key, s.id",
                (photo_id,),
            ).fetchall()
            return [self._set_from_row(r) for r in rows]

    def _bump_set(self, set_id: int) -> None:
        self.db.execute("UPDATE photosets SET date_update = ? WHERE id = ?", (self.now(), set_id))

    def add_to_set(self, set_id: int, photo_id: int) -> None:
        with self.tx() as db:
            pos = db.execute("SELECT MAX(position) FROM set_photos WHERE set_id = ?", (set_id,)).fetchone()[0]
            db.execute(
                "INSERT INTO set_photos (set_id, photo_id, position) VALUES (?, ?, ?)",
                (set_id, photo_id, (pos if pos is not None else -1) + 1),
            )
            self._bump_set(set_id)

    def remove_from_set(self, set_id: int, photo_ids: Iterable[int], reason: str) -> bool:
        """Remove members; a set left empty is deleted (Flickr has no empty sets). True if the
        set was deleted."""
        with self.tx() as db:
            for photo_id in photo_ids:
                db.execute("DELETE FROM set_photos WHERE set_id = ? AND photo_id = ?", (set_id, photo_id))
            self._bump_set(set_id)
            return self._after_membership_change(set_id, reason)

    def _after_membership_change(self, set_id: int, reason: str) -> bool:
        row = self.db.execute("SELECT * FROM photosets WHERE id = ?", (set_id,)).fetchone()
        if row is None:
            return True
        members = self.set_members(set_id)
        if not members:
            self.db.execute("DELETE FROM photosets WHERE id = ?", (set_id,))
            self._log_deletion("photoset", str(set_id), row["owner"], row["title"], reason)
            return True
        if row["primary_id"] not in members:
            self.db.execute("UPDATE photosets SET primary_id = ? WHERE id = ?", (members[0], set_id))
        return False

    def edit_set_photos(self, set_id: int, primary_id: int, photo_ids: list[int]) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM set_photos WHERE set_id = ?", (set_id,))
            db.executemany(
                "INSERT INTO set_photos (set_id, photo_id, position) VALUES (?, ?, ?)",
                [(set_id, pid, i) for i, pid in enumerate(photo_ids)],
            )
            db.execute("UPDATE photosets SET primary_id = ? WHERE id = ?", (primary_id, set_id))
            self._bump_set(set_id)

    def update_set(self, set_id: int, **values: Any) -> None:
        with self.tx():
            self._update_columns(
                "photosets", "id", set_id, values, {"title", "description", "primary_id", "views"}
            )
            self._bump_set(set_id)

    def reorder_sets(self, owner: str, set_ids: list[int]) -> None:
        with self.tx() as db:
            others = [s.id for s in self.photosets(owner) if s.id not in set_ids]
            for key, set_id in enumerate([*set_ids, *others]):
                db.execute("UPDATE photosets SET sort_key = ? WHERE id = ?", (key, set_id))

    def delete_photoset(self, set_id: int, reason: str) -> None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM photosets WHERE id = ?", (set_id,)).fetchone()
            if row is None:
                return
            db.execute("DELETE FROM set_photos WHERE set_id = ?", (set_id,))
            db.execute("DELETE FROM photosets WHERE id = ?", (set_id,))
            self._log_deletion("photoset", str(set_id), row["owner"], row["title"], reason)

    # --- groups -------------------------------------------------------------------------------------

    def create_group(
        self,
        name: str,
        *,
        nsid: str | None = None,
        moderated: bool = False,
        privacy: int = 3,
        eighteenplus: int = 0,
        invitation_only: int = 0,
    ) -> Group:
        with self.tx() as db:
            if nsid is None:
                nsid = f"{self._counter('next_group_num', 1663100, 7)}@N21"
            url_name = clean_text(name) or nsid
            db.execute(
                "INSERT INTO groups (nsid, name, moderated, privacy, eighteenplus, invitation_only, url_name)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (nsid, name, int(moderated), privacy, eighteenplus, invitation_only, url_name),
            )
            group = self.group(nsid)
            assert group is not None
            return group

    def group(self, nsid: str) -> Group | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM groups WHERE nsid = ?", (nsid,)).fetchone()
            if row is None:
                return None
            values = {k: row[k] for k in row.keys()}  # noqa: SIM118
            values["moderated"] = bool(values["moderated"])
            return Group(**values)

    def add_member(self, group_nsid: str, user_nsid: str, admin: bool = False) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO group_members (group_nsid, user_nsid, admin) VALUES (?, ?, ?)",
                (group_nsid, user_nsid, int(admin)),
            )

    def groups_of(self, user_nsid: str) -> list[tuple[Group, bool]]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT g.nsid, m.admin FROM groups g JOIN group_members m ON m.group_nsid = g.nsid"
                " WHERE m.user_nsid = ? ORDER BY g.name, g.nsid",
                (user_nsid,),
            ).fetchall()
        out = []
        for r in rows:
            group = self.group(r[0])
            assert group is not None
            out.append((group, bool(r[1])))
        return out

    def is_member(self, group_nsid: str, user_nsid: str) -> bool:
        with self.tx() as db:
            return (
                db.execute(
                    "SELECT 1 FROM group_members WHERE group_nsid = ? AND user_nsid = ?",
                    (group_nsid, user_nsid),
                ).fetchone()
                is not None
            )

    def group_counts(self, group_nsid: str) -> tuple[int, int]:
        """(members, photos in pool)."""
        with self.tx() as db:
            members = db.execute(
                "SELECT COUNT(*) FROM group_members WHERE group_nsid = ?", (group_nsid,)
            ).fetchone()
            photos = db.execute(
                "SELECT COUNT(*) FROM pool_photos WHERE group_nsid = ? AND state = 'added'", (group_nsid,)
            ).fetchone()
            return int(members[0]), int(photos[0])

    def pool_state(self, group_nsid: str, photo_id: int) -> str | None:
        with self.tx() as db:
            row = db.execute(
                "SELECT state FROM pool_photos WHERE group_nsid = ? AND photo_id = ?", (group_nsid, photo_id)
            ).fetchone()
            return None if row is None else str(row[0])

    def add_to_pool(self, group_nsid: str, photo_id: int, state: str) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO pool_photos (group_nsid, photo_id, state, added) VALUES (?, ?, ?, ?)",
                (group_nsid, photo_id, state, self.now()),
            )

    def pools_of_photo(self, photo_id: int) -> list[Group]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT group_nsid FROM pool_photos WHERE photo_id = ? AND state = 'added' ORDER BY added",
                (photo_id,),
            ).fetchall()
        out = []
        for r in rows:
            group = self.group(r[0])
            if group is not None:
                out.append(group)
        return out

    # --- tickets ------------------------------------------------------------------------------------

    def create_ticket(self, user: User, kind: str, payload: dict[str, Any], delay: float) -> str:
        with self.tx() as db:
            ticket_id = f"{user.num}-{self._long_id()}"
            db.execute(
                "INSERT INTO tickets (id, user_nsid, kind, complete, photo_id, ready_at, created, payload)"
                " VALUES (?, ?, ?, 0, NULL, ?, ?, ?)",
                (ticket_id, user.nsid, kind, time.time() + delay, self.now(), json.dumps(payload)),
            )
            return ticket_id

    def due_tickets(self) -> list[Ticket]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT * FROM tickets WHERE complete = 0 AND ready_at <= ? ORDER BY ready_at, id",
                (time.time(),),
            ).fetchall()
            return [_row_ticket(r) for r in rows]

    def finish_ticket(self, ticket_id: str, complete: int, photo_id: int | None) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE tickets SET complete = ?, photo_id = ?, imported = ? WHERE id = ?",
                (complete, photo_id, self.now(), ticket_id),
            )

    def tickets_by_id(self, ids: Iterable[str]) -> dict[str, Ticket]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self.tx() as db:
            marks = ",".join("?" * len(wanted))
            rows = db.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", wanted)  # noqa: S608
            return {r["id"]: _row_ticket(r) for r in rows}

    def all_tickets(self) -> list[Ticket]:
        with self.tx() as db:
            return [_row_ticket(r) for r in db.execute("SELECT * FROM tickets ORDER BY created, id")]


def _row_ticket(row: sqlite3.Row) -> Ticket:
    values = {k: row[k] for k in row.keys()}  # noqa: SIM118
    values["payload"] = json.loads(values["payload"])
    return Ticket(**values)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _move_into(source: Path, target: Path, known: tuple[int, str] | None = None) -> tuple[int, str]:
    """Move a received file to its final place; returns (size, hex MD5)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if known is not None:
        os.replace(source, target)
        return known
    digest = hashlib.md5()
    size = 0
    with source.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    os.replace(source, target)
    return size, digest.hexdigest()
