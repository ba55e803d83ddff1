"""A profile, a token and a picture library against fakeflickr, for the sync engine's end-to-end tests.

:class:`SyncLib` is one flickrsync home (config.ini pointing at the emulator, a write token minted
on it) plus its pictures directory. Tests put real JPEGs with EXIF into the library
(:func:`picture_bytes`), seed Flickr as another client would have uploaded there
(``lib.ff.seed_photos``), run the CLI in-process (:meth:`SyncLib.run`) and look at both sides.

After every run :meth:`SyncLib.run` checks what must hold after *any* run, so each test checks it
many times without saying so:

* no photo was ever deleted on Flickr (fakeflickr logs every deletion);
* every file the test put in the library is still there, byte for byte (the tool never modifies or
  deletes a local file);
* no temporary download file (``.flickrsync-part-…``, :func:`flickrsync.library.is_temp_name`)
  is left, and every file the tool added to the library is a complete copy of a Flickr original
  (its MD5 is the original's).

Also used by ``benchmarks/sync_bench.py`` (run as ``python -m benchmarks.sync_bench``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from fakeflickr.handlers import write_methods
from fakeflickr.testing import FakeFlickrHandle
from flickrsync.cli import main
from flickrsync.config import load_settings
from flickrsync.fingerprint import fingerprint_bytes
from flickrsync.library import is_temp_name
from flickrsync.models import SET_MARKER, AccessToken, Account, Nsid
from flickrsync.oauth import save_token

#: Flickr API calls that change something, as fakeflickr counts them: the REST methods its registry
#: says need write perms (and POST), plus the upload and replace endpoints (counted as "upload" and
#: "replace").
WRITE_METHODS = write_methods() | {"upload", "replace"}

#: Where the dates of generated pictures start (one minute apart per seed).
BASE_DATE = dt.datetime(2019, 5, 1, 8, 0, 0)


def date_of(seed: int) -> str:
    """The EXIF DateTimeOriginal :func:`picture_bytes` gives ``seed`` by default (``YYYY:MM:DD ...``)."""
    return (BASE_DATE + dt.timedelta(minutes=seed)).strftime("%Y:%m:%d %H:%M:%S")


#: Upload time (Unix seconds) of the first photo :func:`posted` spreads over the past.
POSTED_BASE = 1_500_000_000


def posted(i: int) -> int:
    """A past upload time for the ``i``-th seeded photo, ten minutes apart: a big account seeded
    in one second would hit Flickr's 4,000-result deep-paging cap, which no client can list past."""
    return POSTED_BASE + 600 * i


def flickr_date(exif_date: str) -> str:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` -> Flickr's date taken ``YYYY-MM-DD HH:MM:SS``."""
    return exif_date.replace(":", "-", 2)


def picture_bytes(
    seed: int,
    *,
    size: tuple[int, int] = (96, 64),
    date: str | None = "",
    quality: int = 90,
    exif: bool = True,
) -> bytes:
    """A JPEG whose content depends on ``seed`` only: a few shapes (so a perceptual hash tells two
    seeds apart and recognises a rescaled copy) plus a row of seeded noise (so no two seeds share a
    content id). ``date`` "" means :func:`date_of`\\(seed); None writes no date. ``exif=False`` writes
    no EXIF at all (a copy re-encoded by a tool that strips metadata)."""
    rng = random.Random(seed)
    width, height = size
    img = Image.new("RGB", size, tuple(rng.randrange(40, 216) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(width // 4, width), y0 + rng.randrange(height // 4, height))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    for x in range(width):
        img.putpixel((x, height - 1), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    if not exif:
        img.save(out, "JPEG", quality=quality)
        return out.getvalue()
    info = Image.Exif()
    info[0x010F] = "flickrsync tests"
    when = date_of(seed) if date == "" else date
    if when is not None:
        info.get_ifd(0x8769)[0x9003] = when
    img.save(out, "JPEG", quality=quality, exif=info)
    return out.getvalue()


def content_id(data: bytes) -> str:
    """The content id flickrsync gives a file with these bytes (its machine tag's value)."""
    return str(fingerprint_bytes(data).content_id)


def machine_tag(data: bytes) -> str:
    return f"flickrsync:imagehash={content_id(data)}"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # a checksum, as Flickr stores it


def tagged_ids(photo: Mapping[str, Any]) -> list[str]:
    """Content ids in a fakeflickr photo's ``flickrsync:imagehash=`` machine tags (raw tags)."""
    found = []
    for tag in photo["tags"]:
        raw = str(tag["raw"])
        if raw.lower().startswith("flickrsync:imagehash="):
            found.append(raw.split("=", 1)[1].lower())
    return found


def write_calls(calls: Mapping[str, int]) -> dict[str, int]:
    """The calls among ``calls`` (fakeflickr's counters) that change something on Flickr."""
    return {name: n for name, n in calls.items() if name in WRITE_METHODS and n}


def api_calls(calls: Mapping[str, int]) -> int:
    """REST calls plus uploads (not static file downloads, not the OAuth dance)."""
    return sum(n for name, n in calls.items() if name != "static" and not name.startswith("oauth."))


@dataclass
class RunResult:
    """One in-process ``flickrsync`` run."""

    args: list[str]
    code: int
    out: str
    err: str
    #: fakeflickr's call counters for this run only.
    calls: dict[str, int]

    @property
    def writes(self) -> dict[str, int]:
        return write_calls(self.calls)

    @property
    def api_calls(self) -> int:
        return api_calls(self.calls)

    def json(self) -> dict[str, Any]:
        """The one JSON object ``--json`` printed (one profile)."""
        docs = [json.loads(line) for line in self.out.splitlines() if line.strip()]
        assert len(docs) == 1, f"expected one JSON line, got {len(docs)}: {self.out!r}"
        doc: dict[str, Any] = docs[0]
        return doc

    def __str__(self) -> str:
        return f"flickrsync {' '.join(self.args)} -> {self.code}\nstdout: {self.out}\nstderr: {self.err}"


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """``flickrsync.cli.main(args)`` with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


@dataclass
class SyncLib:
    """A flickrsync home and pictures directory wired to a fakeflickr account."""

    ff: FakeFlickrHandle
    home: Path
    root: Path
    nsid: str
    #: Files the test put in the library: relative path -> bytes (kept in step by add/move/remove).
    written: dict[str, bytes] = field(default_factory=dict)
    #: Check the invariants after each run (see the module docstring).
    check_after_run: bool = True
    #: Photos the test deleted on Flickr itself, as the user would (:meth:`delete_on_flickr`).
    user_deleted: set[str] = field(default_factory=set)

    # --- building ---------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        ff: FakeFlickrHandle,
        base: Path,
        *,
        config: str = "",
        directory: Path | None = None,
        user: str | None = None,
    ) -> SyncLib:
        """A home under ``base`` (config.ini + token for ``user``, default the first user) and an
        empty pictures directory ``base/Pictures`` (or ``directory``, not created)."""
        home = base / "home"
        home.mkdir(parents=True)
        root = directory if directory is not None else base / "Pictures"
        if directory is None:
            root.mkdir(parents=True)
        (home / "config.ini").write_text(
            "[DEFAULT]\n"
            f"api_key = {ff.consumer_key}\n"
            f"api_secret = {ff.consumer_secret}\n"
            f"endpoint = {ff.base_url}\n"
            f"directory = {root}\n" + config,
            encoding="utf-8",
        )
        (home / "config.ini").chmod(0o600)  # it holds the API secret, as `flickrsync init` makes it
        minted = ff.mint_token(user=user, perms="write")
        settings = load_settings(home, None)
        save_token(
            settings.token_file,
            AccessToken(
                minted.token, minted.secret, "write", Account(Nsid(minted.user_nsid), minted.username)
            ),
        )
        return cls(ff, home, root, minted.user_nsid)

    def add(self, rel: str, seed: int, **kwargs: Any) -> bytes:
        """Put a generated picture (:func:`picture_bytes`) at ``rel``; returns its bytes."""
        return self.add_bytes(rel, picture_bytes(seed, **kwargs))

    def add_bytes(self, rel: str, data: bytes) -> bytes:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written[rel] = data
        return data

    def add_many(self, items: Iterable[tuple[str, int]], **kwargs: Any) -> dict[str, bytes]:
        return {rel: self.add(rel, seed, **kwargs) for rel, seed in items}

    def move(self, old: str, new: str) -> None:
        """Move a file or folder the way a user does (os.rename); keeps :attr:`written` in step."""
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.root / old, self.root / new)
        prefix = old.rstrip("/") + "/"
        for rel in list(self.written):
            if rel == old:
                self.written[new] = self.written.pop(rel)
            elif rel.startswith(prefix):
                self.written[new.rstrip("/") + "/" + rel[len(prefix) :]] = self.written.pop(rel)

    def remove(self, rel: str) -> None:
        """The user deletes a file of the library (tests of vanished files)."""
        (self.root / rel).unlink()
        del self.written[rel]

    def delete_on_flickr(self, photo_id: str) -> None:
        """The user deletes a photo on Flickr (flickr.photos.delete with a token of their own that
        has the delete permission); the after-run checks allow it."""
        from tests.fakeflickr.client import Api

        Api(self.ff, self.ff.mint_token(user=self.nsid, perms="delete")).ok(
            "flickr.photos.delete", "POST", photo_id=photo_id
        )
        self.user_deleted.add(str(photo_id))

    def forget_downloads(self) -> None:
        """Count every file now in the library as the test's own (e.g. after a sync2)."""
        self.written = self.files()

    # --- running ----------------------------------------------------------------------------------

    def run(self, *args: str) -> RunResult:
        """``flickrsync --home HOME ARGS`` in-process (add ``--yes`` yourself); then the checks."""
        argv = ["--home", str(self.home), *args]
        self.ff.reset_calls()
        code, out, err = run_cli(argv)
        result = RunResult(list(args), code, out, err, self.ff.calls())
        if self.check_after_run:
            self.check(str(result))
        return result

    # --- looking ----------------------------------------------------------------------------------

    def photos(self) -> list[dict[str, Any]]:
        return self.ff.photos(owner=self.nsid)

    def photosets(self) -> list[dict[str, Any]]:
        return self.ff.photosets(owner=self.nsid)

    def tool_sets(self) -> dict[str, dict[str, Any]]:
        """Sets carrying flickrsync's marker, by title."""
        return {s["title"]: s for s in self.photosets() if SET_MARKER in s["description"]}

    def photos_by_content(self) -> dict[str, list[dict[str, Any]]]:
        """Flickr photos by the content id in their machine tag."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for photo in self.photos():
            for cid in tagged_ids(photo):
                found[cid].append(photo)
        return dict(found)

    def photo_of(self, data: bytes) -> dict[str, Any]:
        """The one Flickr photo carrying the machine tag of ``data``."""
        found = self.photos_by_content().get(content_id(data), [])
        assert len(found) == 1, f"{len(found)} Flickr photos carry the tag of this picture"
        return found[0]

    def files(self) -> dict[str, bytes]:
        """Every file under the root: relative path (posix) -> bytes."""
        out: dict[str, bytes] = {}
        for dirpath, _dirs, names in os.walk(self.root):
            for name in names:
                path = Path(dirpath) / name
                out[path.relative_to(self.root).as_posix()] = path.read_bytes()
        return out

    def new_files(self) -> dict[str, bytes]:
        """Files the tool added (downloads): everything not written by the test."""
        return {rel: data for rel, data in self.files().items() if rel not in self.written}

    def originals(self) -> dict[str, dict[str, Any]]:
        """Flickr photos by the MD5 of their original file (photos whose original exists)."""
        return {p["file_md5"]: p for p in self.photos() if p.get("file_md5")}

    # --- invariants -------------------------------------------------------------------------------

    def check(self, context: str = "") -> None:
        """What must hold after any run (see the module docstring)."""
        deleted = [
            d for d in self.ff.deletions() if d["kind"] == "photo" and d["object_id"] not in self.user_deleted
        ]
        assert deleted == [], f"photos deleted on Flickr: {deleted}\n{context}"
        files = self.files()
        for rel, data in self.written.items():
            assert rel in files, f"local file gone: {rel}\n{context}"
            assert files[rel] == data, f"local file modified: {rel}\n{context}"
        partial = [rel for rel in files if is_temp_name(rel.rsplit("/", 1)[-1])]
        assert partial == [], f"partial downloads left: {partial}\n{context}"
        if any(rel not in self.written for rel in files):
            originals = self.originals()
            for rel, data in files.items():
                if rel not in self.written:
                    assert md5(data) in originals, (
                        f"{rel} ({len(data)} bytes) is no complete Flickr original\n{context}"
                    )

    def set_titles_of(self, photo_id: str) -> set[str]:
        return {s["title"] for s in self.photosets() if photo_id in s["photos"]}


def seed_spec(
    data: bytes | None,
    title: str,
    *,
    date: str | None = None,
    tags: str = "",
    sets: Iterable[str] = (),
    **extra: Any,
) -> dict[str, Any]:
    """A fakeflickr seed spec: ``data`` as the original (None: a lazy photo), ``date`` as Flickr's
    date taken (``YYYY-MM-DD HH:MM:SS``; None: from the file's EXIF, or unknown)."""
    spec: dict[str, Any] = {"title": title, "tags": tags, "sets": list(sets), **extra}
    if data is not None:
        spec["image_base64"] = base64.b64encode(data).decode("ascii")
    if date is not None:
        spec["date_taken"] = date
    return spec
