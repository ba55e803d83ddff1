"""One review: the plan document as the page edits it, the choices that wait for "Apply", and
the job (apply, or plan again) that runs while the page polls for its progress.

Nothing here decides what a plan means: the document is :mod:`flickrsync.planfile`'s (every edit
is checked by its reader), applying is :func:`flickrsync.planrun.apply_plan` (what ``flickrsync
apply`` runs), identify and ignore are :mod:`flickrsync.userchoices`' (what ``flickrsync
identify`` and ``flickrsync ignore add`` run). What the page changes is kept here until Apply:

* an upload or download unchecked is left out of the document (the plan file's "entry removed");
* an upload's title, description, tags, privacy and resize, a download's path, a match's tag,
  and "ignore for good" are written into the document's entries;
* "same picture" on a pair the matcher could not settle is ``identify PHOTO PATH``,
  "different" is ``identify --different PHOTO PATH`` (the matcher never pairs them again),
  "ignore these" on such a group is ``ignore add picture:… photo:…``.

Apply carries those out in that order, in one background job (:func:`flickrsync.executor.
in_background`) that opens its own index and holds the profile lock; it writes the document it
applies to ``<home>/review-<profile>.json`` first (``flickrsync apply`` takes that file too).
"""

from __future__ import annotations

import logging
import posixpath
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from flickrsync import userchoices
from flickrsync.choosing import FolderSettings
from flickrsync.client import FlickrClient
from flickrsync.config import Settings, profile_file_part
from flickrsync.errors import FlickrsyncError
from flickrsync.executor import in_background
from flickrsync.index import Index
from flickrsync.localfs import ScanConfig
from flickrsync.lock import profile_lock
from flickrsync.models import ContentId, LocalPicture, PhotoId
from flickrsync.planfile import PlanError, read_document
from flickrsync.planrun import ApplyReport, apply_plan, build_plan, write_document
from flickrsync.progress import PhaseProgress
from flickrsync.review import page
from flickrsync.review.page import View
from flickrsync.review.thumbs import Thumbnails
from flickrsync.sync import Prepared, RunOptions

if TYPE_CHECKING:
    from concurrent.futures import Future

log = logging.getLogger("flickrsync.review")

Choice = Literal["same", "different"]
#: The fields the page may change, per kind of entry.
UPLOAD_FIELDS = ("include", "title", "description", "tags", "privacy", "resize", "ignore")
DOWNLOAD_FIELDS = ("include", "relpath", "ignore")
MATCH_FIELDS = ("add_tag", "ignore")


def review_file(settings: Settings) -> Path:
    """``<home>/review-<profile>.json``: the plan as edited on the page, as last applied or saved
    (``flickrsync apply`` takes it too)."""
    return settings.home / f"review-{profile_file_part(settings.profile)}.json"


class EditError(ValueError):
    """An edit the plan cannot take; the message says why, for the page to show."""


class PageProgress:
    """What a job reports while it runs: the engine's progress (a
    :data:`~flickrsync.progress.ProgressSink`: the scan as the phase's words, the other phases as
    bars) and the job's own steps. Read by the page's polls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.phase = "starting"
        self.bars: dict[str, list[int]] = {}

    def __call__(self, p: PhaseProgress) -> None:
        with self._lock:
            if p.phase == "scan":
                total = f"/{p.total:,}" if p.total else ""
                self.phase = f"reading the library ({p.step}: {p.done:,}{total} files)"
                return
            self.phase = p.phase
            done = max(p.done, p.total or 0) if p.finished else p.done
            self.bars[p.phase] = [done, p.total or 0, p.bytes_done, p.bytes_total]

    def set_phase(self, text: str) -> None:
        with self._lock:
            self.phase = text

    def snapshot(self) -> tuple[str, list[tuple[str, int, int]]]:
        with self._lock:
            return self.phase, [(label, bar[0], bar[1]) for label, bar in self.bars.items()]


@dataclass
class Job:
    """A background job of the page: ``apply`` or ``plan`` (plan again)."""

    kind: Literal["apply", "plan"]
    progress: PageProgress
    future: Future[dict[str, Any]] | None = None

    @property
    def running(self) -> bool:
        return self.future is None or not self.future.done()

    def result(self) -> tuple[dict[str, Any] | None, str | None]:
        """``(outcome, error)`` once done; ``(None, None)`` while running."""
        if self.future is None or not self.future.done():
            return None, None
        error = self.future.exception()
        if error is None:
            return self.future.result(), None
        if isinstance(error, FlickrsyncError):
            return None, str(error)
        return None, f"internal error: {type(error).__name__}: {error} (details in the log)"


class Review:
    """The state of one review page. Every method may be called from any request thread."""

    def __init__(
        self,
        settings: Settings,
        client: FlickrClient,
        options: RunOptions,
        prepared: Prepared,
        document: dict[str, Any],
    ) -> None:
        self.settings = settings
        self.client = client
        self.options = options
        self.folders = FolderSettings(settings.pictures, settings.folders)
        self.lock = threading.Lock()
        self.job: Job | None = None
        #: The exit code of each apply (the command's own is the worst).
        self.exit_codes: list[int] = []
        self._load(prepared, document)

    def _load(self, prepared: Prepared, document: dict[str, Any]) -> None:
        self.document = document
        # By folder, then name: the page shows a folder's entries together.
        self.uploads: dict[str, dict[str, Any]] = {
            e["content_id"]: e for e in sorted(document["uploads"], key=_by_folder)
        }
        self.downloads: dict[str, dict[str, Any]] = {
            e["photo_id"]: e for e in sorted(document["downloads"], key=_by_folder)
        }
        self.matches: dict[str, dict[str, Any]] = {
            f"{e['photo_id']} {e['content_id']}": e for e in document["matches"]
        }
        #: Set once the plan was applied: plan again before changing or applying anything more.
        self.applied = False
        self.left_out_uploads: set[str] = set()
        self.left_out_downloads: set[str] = set()
        #: Pairs the matcher left undecided: ``"PHOTO_ID CONTENT_ID"`` -> the user's answer.
        self.pairs: dict[str, Choice] = {}
        #: Undecided groups (their index in the document) the user ignores.
        self.ignored_groups: set[int] = set()
        self.pictures: dict[ContentId, LocalPicture] = prepared.pictures
        roots = ScanConfig.from_settings(self.settings).roots
        self.thumbs = Thumbnails(
            self.settings.home / "thumbs", self.client, roots, prepared.pictures, prepared.photos
        )

    # --- edits ----------------------------------------------------------------------------------

    def edit(self, kind: str, key: str, name: str, value: object) -> str:
        """Change one thing; returns what the page shows next to it. Raises :class:`EditError`."""
        with self.lock:
            if self.job is not None and self.job.running:
                raise EditError(f"wait: {self.job.kind} is running")
            if self.applied:
                raise EditError("this plan was applied: plan again to change more")
            if kind == "upload":
                return self._edit_upload(key, name, value)
            if kind == "download":
                return self._edit_download(key, name, value)
            if kind == "match":
                return self._edit_match(key, name, value)
            if kind in ("upload-folder", "download-folder") and name == "include":
                return self._include_folder(kind, key, _flag(value))
            if kind == "pair" and name == "choice":
                return self._choose(key, value)
            if kind == "group" and name == "ignore":
                return self._ignore_group(key, _flag(value))
        raise EditError(f"nothing to change: {kind} {name}")

    def _edit_upload(self, key: str, name: str, value: object) -> str:
        entry = self.uploads.get(key)
        if entry is None or name not in UPLOAD_FIELDS:
            raise EditError(f"no upload {key[:16]} to change ({name})")
        if name == "include":
            _toggle(self.left_out_uploads, key, not _flag(value))
            return "to upload" if _flag(value) else "left out"
        if name == "tags":
            value = [t.strip() for t in _text(value).split(",") if t.strip()]
        elif name == "resize":
            value = self._resize(entry, value)
        elif name == "ignore":
            value = _flag(value)
        elif name in ("title", "description", "privacy"):
            value = _text(value)
        changed = {**entry, name: value}
        _check(uploads=[changed], header=self.document)
        entry[name] = value
        return "ignored for good when you apply" if name == "ignore" and value else "changed"

    def _resize(self, entry: dict[str, Any], value: object) -> dict[str, int] | None:
        text = _text(value).strip()
        if not text:
            return None
        if not text.isdigit():
            raise EditError("resize: a long edge in pixels, or empty for the file as it is")
        old = entry.get("resize")
        if isinstance(old, dict) and "quality" in old:
            quality = old["quality"]
        else:  # the quality config.ini gives the picture's folder
            quality = self.folders(page.folder_of(str(entry["relpath"]))).resize_quality
        return {"long_edge": int(text), "quality": quality}

    def _edit_download(self, key: str, name: str, value: object) -> str:
        entry = self.downloads.get(key)
        if entry is None or name not in DOWNLOAD_FIELDS:
            raise EditError(f"no download of photo {key} to change ({name})")
        if name == "include":
            _toggle(self.left_out_downloads, key, not _flag(value))
            return "to download" if _flag(value) else "left out"
        new: object = _flag(value) if name == "ignore" else _text(value).strip()
        changed = {**entry, name: new}
        if name == "relpath":
            changed["path"] = posixpath.join(entry["root"], str(new))
        _check(downloads=[changed], header=self.document)
        entry.update(changed)
        return "ignored for good when you apply" if name == "ignore" and new else "changed"

    def _edit_match(self, key: str, name: str, value: object) -> str:
        entry = self.matches.get(key)
        if entry is None or name not in MATCH_FIELDS:
            raise EditError(f"no match {key} to change ({name})")
        entry[name] = _flag(value)
        if name == "ignore":
            return "photo ignored for good when you apply" if entry[name] else "changed"
        return "tagged when you apply" if entry[name] else "not tagged"

    def _include_folder(self, kind: str, folder: str, include: bool) -> str:
        if kind == "upload-folder":
            keys = [k for k, e in self.uploads.items() if page.folder_of(e["relpath"]) == folder]
            for k in keys:
                _toggle(self.left_out_uploads, k, not include)
        else:
            keys = [k for k, e in self.downloads.items() if page.folder_of(e["relpath"]) == folder]
            for k in keys:
                _toggle(self.left_out_downloads, k, not include)
        return f"{len(keys):,} {'checked' if include else 'left out'}"

    def _choose(self, key: str, value: object) -> str:
        photo_id, _space, content_id = key.partition(" ")
        if not any(
            photo_id in g["photo_ids"] and content_id in g["content_ids"] for g in self.document["undecided"]
        ):
            raise EditError(f"photo {photo_id} and that picture are no undecided pair")
        answer = _text(value)
        if answer not in ("same", "different", ""):
            raise EditError("choose same, different, or nothing")
        if answer == "same":
            # One photo is one picture: another "same" for this photo is replaced.
            for other in [k for k, v in self.pairs.items() if v == "same" and k.startswith(photo_id + " ")]:
                del self.pairs[other]
        if answer:
            self.pairs[key] = "same" if answer == "same" else "different"
        else:
            self.pairs.pop(key, None)
        return {
            "same": f"same picture: photo {photo_id} is identified with it when you apply",
            "different": f"different: photo {photo_id} is never paired with it again, when you apply",
            "": "",
        }[answer]

    def _ignore_group(self, key: str, ignore: bool) -> str:
        if not key.isdigit() or int(key) >= len(self.document["undecided"]):
            raise EditError(f"no undecided group {key}")
        _toggle(self.ignored_groups, int(key), ignore)
        return "ignored for good when you apply" if ignore else ""

    # --- what the page shows --------------------------------------------------------------------

    def view(self, section: str | None, number: int) -> tuple[dict[str, Any], View]:
        """The document and what one page of it shows (``section`` None: the first section
        with something to decide)."""
        with self.lock:
            doc = self.document
            counts = {
                "uploads": len(self.uploads),
                "downloads": len(self.downloads),
                "matches": len(self.matches),
                "undecided": len(doc.get("undecided", [])),
                "changes": len(page.changes(doc)),
                "photosets": len(doc.get("photosets", [])),
                "problems": len(page.problems(doc)),
                "other": len(page.others(doc)),
            }
            if section not in counts:
                order = ("uploads", "downloads", "undecided", "matches", "problems")
                section = next((name for name in order if counts[name]), "uploads")
            return doc, View(
                section,
                number,
                self._entries(section),
                counts,
                dict(self.pairs),
                frozenset(self.ignored_groups),
            )

    def _entries(self, section: str) -> list[dict[str, Any]]:
        if section == "uploads":
            return [{**e, "_include": k not in self.left_out_uploads} for k, e in self.uploads.items()]
        if section == "downloads":
            return [{**e, "_include": k not in self.left_out_downloads} for k, e in self.downloads.items()]
        if section == "matches":
            return [dict(e) for e in self.matches.values()]
        if section == "problems":
            return page.problems(self.document)
        if section == "other":
            return page.others(self.document)
        if section == "changes":
            return page.changes(self.document)
        return [dict(e) for e in self.document.get(section, []) if isinstance(e, dict)]

    def progress_html(self) -> tuple[str, bool, str | None]:
        """The job's box as HTML, whether it runs, and its kind."""
        with self.lock:
            job = self.job
        if job is None:
            return "", False, None
        phase, bars = job.progress.snapshot()
        outcome, error = job.result()
        return page.progress(job.kind, phase, bars, outcome, error), job.running, job.kind

    def picture_path(self, content_id: str) -> str | None:
        picture = self.pictures.get(ContentId(content_id))
        if picture is None or not picture.paths:
            return None
        return posixpath.join(picture.paths[0].root, picture.paths[0].relpath)

    # --- the job --------------------------------------------------------------------------------

    def start_apply(self) -> Job:
        """Start carrying out the plan as edited; :class:`EditError` when a job runs already."""
        with self.lock:
            if self.applied:
                raise EditError("this plan was applied already: plan again first")
            document = self.plan_to_apply()
            answered = [
                (answer, PhotoId(k.partition(" ")[0]), path)
                for k, answer in self.pairs.items()
                if (path := self.picture_path(k.partition(" ")[2])) is not None
            ]
            ignore = [
                f"{kind}:{value}"
                for i in sorted(self.ignored_groups)
                for kind, values in (
                    ("picture", self.document["undecided"][i]["content_ids"]),
                    ("photo", self.document["undecided"][i]["photo_ids"]),
                )
                for value in values
            ]
            return self._start("apply", lambda progress: self._apply(document, answered, ignore, progress))

    def start_plan(self) -> Job:
        """Plan again (after an apply, or when the library changed)."""
        with self.lock:
            return self._start("plan", self._plan)

    def _start(self, kind: Literal["apply", "plan"], work: Callable[[PageProgress], dict[str, Any]]) -> Job:
        if self.job is not None and self.job.running:
            raise EditError(f"{self.job.kind} is running already")
        job = Job(kind, PageProgress())
        job.future = in_background(lambda: work(job.progress))
        self.job = job
        return job

    def plan_to_apply(self) -> dict[str, Any]:
        """The document as edited: what apply gets and what is saved."""
        doc = dict(self.document)
        doc["uploads"] = [e for k, e in self.uploads.items() if k not in self.left_out_uploads]
        doc["downloads"] = [e for k, e in self.downloads.items() if k not in self.left_out_downloads]
        doc["matches"] = list(self.matches.values())
        return doc

    def save(self) -> str:
        """Write the document as edited to ``<home>/review-<profile>.json``; returns the path."""
        with self.lock:
            document = self.plan_to_apply()
        write_document(review_file(self.settings), document)
        return str(review_file(self.settings))

    def _apply(
        self,
        document: dict[str, Any],
        answered: Iterable[tuple[Choice, PhotoId, str]],
        ignore: list[str],
        progress: PageProgress,
    ) -> dict[str, Any]:
        settings = self.settings
        write_document(review_file(settings), document)
        problems: list[str] = []
        identified: list[str] = []
        with (
            profile_lock(settings.lock_file, settings.profile, "review") as lock,
            Index.open(settings.database) as index,
        ):
            for answer, photo_id, path in answered:
                progress.set_phase(f"identifying photo {photo_id}")
                try:
                    if answer == "same":
                        done = userchoices.identify(settings, self.client, index, photo_id, path)
                        identified.append(f"photo {done.photo_id} is {path}")
                    else:
                        userchoices.different(settings, index, photo_id, path)
                        identified.append(f"photo {photo_id} is not {path}")
                except FlickrsyncError as exc:
                    problems.append(
                        f"identify {'--different ' if answer != 'same' else ''}photo {photo_id}: {exc}"
                    )
            if ignore:
                found = userchoices.ignore(settings, index, ignore)
                problems.extend(found.problems)
            progress.set_phase("preparing (the library and Flickr as they are now)")
            applied = apply_plan(
                settings,
                self.client,
                index,
                document,
                progress=progress,
                lock=lock,
            )
        result = outcome_of(applied, identified, problems, len(ignore))
        result["plan_file"] = str(review_file(settings))
        with self.lock:
            self.exit_codes.append(result["exit_code"])
            self.applied = True
        return result

    def _plan(self, progress: PageProgress) -> dict[str, Any]:
        settings = self.settings
        with (
            profile_lock(settings.lock_file, settings.profile, "review") as lock,
            Index.open(settings.database) as index,
        ):
            prepared, document = build_plan(
                settings, self.client, index, self.options, lock=lock, progress=progress
            )
        with self.lock:
            self._load(prepared, document)
        return {"planned": True}


def outcome_of(
    applied: ApplyReport, identified: list[str], problems: list[str], ignored_by_page: int
) -> dict[str, Any]:
    """What an apply did, for the page (plain JSON-able data)."""
    report = applied.report
    outcome = report.outcome
    refused = set(applied.refused)
    prepared = report.prepared
    failed = [f for f in report.failed if f not in refused]
    code = max(report.exit_code, 1 if problems else 0)
    return {
        "uploaded": len(outcome.uploaded) if outcome else 0,
        "downloaded": len(outcome.downloaded) if outcome else 0,
        "tagged": len(outcome.tagged) if outcome else 0,
        "set_changes": outcome.set_calls if outcome else 0,
        "ignored": len(applied.ignored) + ignored_by_page,
        "identified": identified,
        "refused": [{"path": f.path, "reason": f.reason} for f in applied.refused],
        "failed": [{"path": f.path, "reason": f.reason} for f in failed]
        + [{"path": "", "reason": p} for p in problems],
        "aborted": outcome.aborted if outcome else None,
        "refusal": prepared.plan.refusal if prepared is not None else None,
        "api_calls": report.api_calls,
        "elapsed": round(report.elapsed, 1),
        "exit_code": code,
    }


def _check(
    *, header: dict[str, Any], uploads: Sequence[object] = (), downloads: Sequence[object] = ()
) -> None:
    """Check changed entries with the plan file's own reader (one owner of what a plan may say)."""
    probe = {
        **{k: header[k] for k in ("format", "version", "profile", "account", "options")},
        "uploads": list(uploads),
        "downloads": list(downloads),
        "matches": [],
    }
    try:
        read_document(probe)
    except PlanError as exc:
        text = str(exc)
        for prefix in ("uploads[0].", "downloads[0]."):
            text = text.replace(prefix, "")
        raise EditError(text) from None


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise EditError("must be true or false")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise EditError("must be text")
    return value


def _toggle(items: set[Any], key: Any, on: bool) -> None:
    if on:
        items.add(key)
    else:
        items.discard(key)


def _by_folder(entry: dict[str, Any]) -> tuple[str, str]:
    relpath = str(entry.get("relpath", ""))
    return (page.folder_of(relpath), relpath)
