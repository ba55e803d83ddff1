"""Plans you can edit, the engine's side: build a plan document, and apply one (issue 12 point 6).

``sync``/``sync2``/``download --plan-out FILE`` and ``flickrsync apply FILE`` call these, and so
does the review page. The document's format and the rules of applying it are the pure
:mod:`flickrsync.planfile`'s; this module runs the engine around them:

* :func:`build_plan` — a dry run (nothing changes, on Flickr or on disk) and its plan as a
  JSON-able document;
* :func:`apply_plan` — records the entries set to ``"ignore": true`` in the ignore list, prepares
  a run afresh (journal settled, library scanned, Flickr listed, matched, planned), lays the
  document over that plan (:func:`flickrsync.planfile.reconcile`) and lets the executor carry out
  what remains, then the photoset step as ``sync`` does. Entries the library or the account no
  longer allow are refused, each with a one-line reason; the rest is done.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flickrsync import localfs, userlists
from flickrsync.client import FlickrClient
from flickrsync.config import Settings
from flickrsync.errors import UsageError
from flickrsync.executor import Progress
from flickrsync.index import Index
from flickrsync.lock import HeldLock
from flickrsync.models import FailedItem, IgnoreEntry, PhotoId
from flickrsync.planfile import (
    PlanDocument,
    PlanError,
    PlanOptionsDoc,
    plan_document,
    read_document,
    reconcile,
)
from flickrsync.sync import Engine, Prepared, RunOptions, RunReport


def document_of(
    settings: Settings, options: RunOptions, prepared: Prepared, *, clock: Callable[[], float] = time.time
) -> dict[str, Any]:
    """The plan ``prepared`` holds, as a document (:func:`flickrsync.planfile.plan_document`)."""
    created = dt.datetime.fromtimestamp(clock(), dt.UTC).replace(microsecond=0)
    return plan_document(
        profile=settings.profile,
        account=prepared.account,
        options=PlanOptionsDoc(
            mode=options.mode,
            date_match=options.date_match,
            photosets=options.photosets,
            prune=options.prune,
            force=options.force,
            on_edit=options.on_edit,
            restore=options.restore,
            restore_targets=options.restore_targets,
        ),
        plan=prepared.plan,
        match=prepared.match,
        pictures=prepared.pictures,
        photos=prepared.photos,
        created_at=created.isoformat().replace("+00:00", "Z"),
        set_preview=prepared.set_preview,
        notes=prepared.notes,
        changes=prepared.changes,
    )


def build_plan(
    settings: Settings,
    client: FlickrClient,
    index: Index,
    options: RunOptions,
    *,
    lock: HeldLock | None = None,
    scan_progress: localfs.ProgressCallback | None = None,
) -> tuple[Prepared, dict[str, Any]]:
    """Prepare a dry run of ``options`` (nothing changes) and return it with its document."""
    options = replace(options, dry_run=True, only_photosets=False)
    engine = Engine(settings, client, index, options, scan_progress=scan_progress, lock=lock)
    prepared = engine.prepare()
    return prepared, document_of(settings, options, prepared)


def write_document(path: Path, document: dict[str, Any]) -> None:
    """Write a document to ``path`` atomically (a crash leaves the old file or the new one)."""
    userlists.write_atomically(path.absolute(), json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def read_file(path: Path) -> PlanDocument:
    """Read and check a plan file; a :class:`UsageError` names the file and what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{path}: not a JSON document: {exc}", hint="fix the file's syntax") from None
    return checked(data, str(path))


def checked(data: object, where: str = "the plan") -> PlanDocument:
    try:
        return read_document(data)
    except PlanError as exc:
        raise UsageError(f"{where}: {exc}", hint="see docs/plan-format.md") from None


@dataclass
class ApplyReport:
    """What applying a plan did: the run (its plan is what was carried out; its failed items
    include the refused entries), the entries refused, and what the plan asked to ignore."""

    report: RunReport
    refused: tuple[FailedItem, ...]
    ignored: tuple[IgnoreEntry, ...]


def apply_plan(
    settings: Settings,
    client: FlickrClient,
    index: Index,
    document: PlanDocument | object,
    *,
    transfers: int | None = None,
    progress: Progress | None = None,
    scan_progress: localfs.ProgressCallback | None = None,
    lock: HeldLock | None = None,
    confirm: Callable[[Prepared], bool] = lambda _prepared: True,
    clock: Callable[[], float] = time.time,
) -> ApplyReport:
    """Carry out a plan document as edited (see the module docstring). ``confirm`` is asked,
    with what will be done, before anything is: False stops there."""
    doc = document if isinstance(document, PlanDocument) else checked(document)
    if doc.profile != settings.profile:
        raise UsageError(
            f"the plan is for profile [{doc.profile}], not [{settings.profile}]",
            hint=f"run `flickrsync -p {doc.profile} apply …`",
        )
    if client.token is None or doc.nsid != client.token.account.nsid:
        who = client.token.account.nsid if client.token is not None else "no account"
        raise UsageError(f"the plan is for Flickr account {doc.nsid}, this profile is {who}")
    started = clock()
    calls_before = client.stats().calls
    ignored = _ignored_by(doc)
    if ignored:
        userlists.add_ignored(settings, index, ignored)
    options = RunOptions(
        mode=doc.options.mode,
        transfers=transfers or settings.transfers,
        date_match=doc.options.date_match,
        force=doc.options.force,
        photosets=doc.options.photosets,
        prune=doc.options.prune,
        on_edit=doc.options.on_edit,
        restore=doc.options.restore,
        restore_targets=doc.options.restore_targets,
    )
    engine = Engine(
        settings,
        client,
        index,
        options,
        progress=progress,
        scan_progress=scan_progress,
        lock=lock,
        clock=clock,
    )
    fresh = engine.prepare()
    root = str(settings.directory)
    taken = {p.relpath for pic in fresh.pictures.values() for p in pic.paths if p.root == root}
    taken |= {f.path.relpath for f in index.problems() if f.path.root == root}
    assert fresh.match is not None
    result = reconcile(
        doc, fresh.plan, fresh.match, pictures=fresh.pictures, photos=set(fresh.photos), taken=taken
    )
    plan = replace(
        result.plan,
        failed=(*result.plan.failed, *result.refused),
        summary=replace(result.plan.summary, failed=result.plan.summary.failed + len(result.refused)),
    )
    prepared = replace(fresh, plan=plan)
    report = RunReport(settings.profile, "apply", False, prepared, None, 0, 0.0)
    sets = prepared.set_preview
    if plan.refusal is None and (not plan.is_empty or (sets is not None and not sets.is_empty)):
        if confirm(prepared):
            report.outcome = engine.execute(prepared)
        else:
            report.stopped = True
    engine.finish(report)
    report.api_calls = client.stats().calls - calls_before
    report.elapsed = clock() - started
    return ApplyReport(report, result.refused, ignored)


def _ignored_by(doc: PlanDocument) -> tuple[IgnoreEntry, ...]:
    """The entries the plan sets to ``"ignore": true``, as ignore-list entries: a picture by its
    content id (the path as a note), a photo by its id."""
    entries = [IgnoreEntry("picture", u.content_id, u.path.relpath) for u in doc.uploads if u.ignore]
    entries += [IgnoreEntry("picture", r.content_id) for r in doc.replaces if r.ignore]
    photos: dict[PhotoId, None] = dict.fromkeys(d.photo_id for d in doc.downloads if d.ignore)
    photos.update(dict.fromkeys(m.photo_id for m in doc.matches if m.ignore))
    photos.update(dict.fromkeys(d.photo_id for d in doc.dates if d.ignore))
    entries += [IgnoreEntry("photo", pid) for pid in photos]
    return tuple(entries)
