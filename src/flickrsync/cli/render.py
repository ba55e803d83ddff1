"""Text and ``--json`` documents, built from the report dataclasses.

JSON: :func:`to_json` turns any report dataclass into JSON values field by field, so a document
carries every field its dataclass has, under the field's name, and a new field shows up without
touching this module. Two shapes are the project's own: a :class:`~flickrsync.models.LocalPath`
is ``{"path": full path, "root", "relpath"}`` (held in a field, it is flattened into its holder:
the field's name carries the full path), and a :class:`~flickrsync.models.FileStat` is flattened
into its holder (``size``, ``mtime_ns``, ``dev``, ``ino``). Floats are rounded to milliseconds.

Text: one function per report, reading the same dataclasses.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from flickrsync.cli.logs import info_lines
from flickrsync.models import (
    ACTION_KINDS,
    Action,
    AddTags,
    ContentId,
    CreateSet,
    Download,
    EditSetPhotos,
    FileStat,
    LocalPath,
    PlanSummary,
    ProfileStatus,
    Replace,
    ScanReport,
    Upload,
)

if TYPE_CHECKING:
    from flickrsync.config import ConfigReport, Settings
    from flickrsync.duplicates import DuplicatesReport
    from flickrsync.inspect import FileReport
    from flickrsync.sync import Prepared, RunOptions, RunReport
    from flickrsync.verify import VerifyReport

#: Version of the ``--json`` output schemas. Bump on any incompatible change (a key removed,
#: renamed or given another meaning); keys added are compatible.
JSON_SCHEMA_VERSION = 1

#: The per-file lines of ``-v`` are log records of this logger (info level).
_log = logging.getLogger("flickrsync.run")


# --- JSON ------------------------------------------------------------------------------------


def to_json(value: object) -> Any:
    """``value`` as JSON values (see the module docstring for the shapes)."""
    kind = type(value)
    if kind in _SAME:  # most values: first, and cheap
        return value
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


#: Types whose values are their own JSON (exactly these: a subclass goes through :func:`_converter`).
_SAME: frozenset[type] = frozenset({str, int, bool, type(None)})
#: Each type's converter, made once (125,000 actions of a few types: the kind of a value is
#: decided once per type, not once per value).
_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


def _converter(kind: type) -> Callable[[Any], Any]:
    """How :func:`to_json` turns a value of ``kind`` into JSON values."""
    if issubclass(kind, str | int | type(None)):  # bool is an int
        return _same
    if issubclass(kind, LocalPath):
        return _path_json
    if is_dataclass(kind) and not issubclass(kind, type):
        return _dataclass_converter(kind)
    if issubclass(kind, Mapping):
        return lambda value: {str(k): to_json(v) for k, v in value.items()}
    if issubclass(kind, list | tuple | set | frozenset):
        return lambda value: [v if type(v) in _SAME else to_json(v) for v in value]
    if issubclass(kind, float):
        return lambda value: round(value, 3)
    if issubclass(kind, Path):
        return str
    return _same


def _same(value: object) -> object:
    return value


def _path_json(path: LocalPath) -> dict[str, str]:
    return {"path": full_path(path), "root": path.root, "relpath": path.relpath}


def _dataclass_converter(kind: type) -> Callable[[Any], dict[str, Any]]:
    """A dataclass's fields by name, in order; a :class:`LocalPath` or :class:`FileStat` field
    flattened into the holder (see the module docstring).

    The converter is written out field by field for ``kind`` (as :mod:`dataclasses` writes a
    class's ``__init__``): a loop over the names cost more than the values it converts in the
    ``--json`` document of 125,000 actions. The names are the dataclass's own identifiers."""
    lines = ["def convert(value):", "    out = {}"]
    for name in (f.name for f in fields(kind)):
        lines += [
            f"    item = value.{name}",
            f"    if type(item) in SAME: out[{name!r}] = item",
            f"    else: put(out, {name!r}, item)",
        ]
    lines.append("    return out")
    namespace: dict[str, Any] = {"SAME": _SAME, "put": _put_field}
    exec("\n".join(lines), namespace)  # noqa: S102 - code made above from field names only
    convert: Callable[[Any], dict[str, Any]] = namespace["convert"]
    return convert


def _put_field(out: dict[str, Any], name: str, item: object) -> None:
    """One field of a dataclass whose value is not its own JSON into its holder ``out``."""
    if isinstance(item, LocalPath):
        out[name] = full_path(item)
        out["root"] = item.root
        out["relpath"] = item.relpath
    elif isinstance(item, FileStat):
        out.update(to_json(item))
    else:
        out[name] = to_json(item)


def emit_json(kind: str, payload: Mapping[str, Any]) -> None:
    """Print one JSON document on stdout with the schema version and kind."""
    doc = {"schema": JSON_SCHEMA_VERSION, "kind": kind, **payload}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A file name that is not UTF-8 (kept as surrogate escapes): JSON's \udcXX escapes carry
        # it losslessly (os.fsencode(json.loads(...)) gives back the original bytes).
        text = json.dumps(doc, ensure_ascii=True, sort_keys=False, default=str)
    click.echo(text)


# --- shared text helpers ---------------------------------------------------------------------


def full_path(path: LocalPath) -> str:
    return os.path.join(path.root, path.relpath)


def show(path: LocalPath | str) -> str:
    """A path (or text holding one) for the terminal: bytes that are not UTF-8 are shown as
    ``\\xNN``, never a crash."""
    text = full_path(path) if isinstance(path, LocalPath) else path
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def human_size(size: int) -> str:
    """Bytes for people: ``512 bytes``, ``12.3 KB``, ``4.1 MB``, ``2.0 GB`` (powers of 1,000)."""
    if size < 1000:
        return f"{size:,} bytes" if size != 1 else "1 byte"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < scale * 999.95:
            return f"{size / scale:,.1f} {unit}"
    return f"{size / 1e12:,.1f} TB"


def duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``1 h 5 min`` (rounded: a human reads it)."""
    seconds = max(0.0, seconds)
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


# --- status ----------------------------------------------------------------------------------

_TOKEN = {
    "valid": "valid",
    "missing": "none",
    "invalid": "NOT VALID",
    "unknown": "not checked (Flickr unreachable)",
}


def status_text(item: ProfileStatus) -> None:
    account = item.account
    who = f"{account.username} ({account.nsid})" if account else "no account"
    click.echo(f"[{item.profile}] {who}")
    perms = f" ({item.perms})" if item.perms else ""
    click.echo(f"  token:     {_TOKEN[item.authorization]}{perms}")
    if item.problem:
        click.echo(f"             {item.problem}")
    click.echo(f"  directory: {item.directory}" + ("" if item.directory_exists else " (missing)"))
    if item.index_pictures is None:
        click.echo("  index:     none yet (run `flickrsync scan` or `flickrsync sync`)")
    else:
        click.echo(
            f"  index:     {item.index_pictures:,} pictures, {item.index_videos or 0:,} videos, "
            f"{item.index_problems or 0:,} problems"
            + ("" if item.remote_photos is None else f"; {item.remote_photos:,} Flickr photos")
        )
    click.echo(f"  last sync: {item.last_sync or 'never'}")
    click.echo(f"  ready:     {'yes' if item.usable else 'NO: a sync cannot run (see above)'}")


# --- scan, duplicates, inspect ---------------------------------------------------------------


def scan_json(settings: Settings, report: ScanReport) -> dict[str, Any]:
    return {
        "profile": settings.profile,
        "database": str(settings.database),
        **to_json(report),
        "ignored": dict(report.ignored),
    }


def scan_text(settings: Settings, report: ScanReport) -> None:
    c = report.counts
    roots = show(", ".join(report.roots))
    click.echo(f"[{settings.profile}] {roots}")
    click.echo(f"  pictures     {c.pictures:>9,}")
    click.echo(f"  videos       {c.videos:>9,}")
    dup = f"  duplicates   {c.duplicate_groups:>9,} groups"
    if c.duplicate_groups:
        dup += f" ({c.duplicate_files:,} extra copies; see `flickrsync duplicates`)"
    click.echo(dup)
    read = f"  read         {report.read:>9,} files, {human_size(report.read_bytes)}"
    if report.read_seconds > 0:
        read += f" ({report.read_bytes / report.read_seconds / 1e6:,.0f} MB/s)"
    click.echo(read)
    click.echo(f"  unchanged    {report.unchanged:>9,}")
    if report.reused:
        click.echo(f"  moved/linked {report.reused:>9,} (identified without reading)")
    if report.removed:
        click.echo(f"  removed      {report.removed:>9,} (gone from disk)")
    if report.perceptual:
        click.echo(f"  perceptual   {report.perceptual:>9,} hashes computed")
    if report.ignored:
        total = sum(n for _ext, n in report.ignored)
        top = ", ".join(f"{ext} {n:,}" for ext, n in report.ignored[:6])
        click.echo(f"  ignored      {total:>9,} other files ({top})")
    problems = report.problem_count
    click.echo(
        f"  problems     {problems:>9,}"
        + (" (listed on stderr: not indexed, not backed up)" if problems else "")
    )
    click.echo(f"  time         {report.elapsed:>9.1f} s")


def scan_line(settings: Settings, report: ScanReport) -> None:
    """``scan -q``: the final line only."""
    c = report.counts
    click.echo(
        f"[{settings.profile}] {c.pictures:,} pictures, {c.videos:,} videos, "
        f"{c.duplicate_groups:,} duplicate groups, {report.problem_count:,} problems"
    )


def scan_problems(report: ScanReport) -> None:
    """Each file the scan could not use, one line on stderr."""
    for file in report.problems:
        click.echo(f"flickrsync: problem: {show(file.path)}: {show(file.problem or '')}", err=True)
    for issue in report.issues:
        kind = "problem" if issue.problem else "note"
        click.echo(f"flickrsync: {kind}: {show(issue.path)}: {show(issue.reason)}", err=True)


def duplicates_text(report: DuplicatesReport) -> None:
    groups = report.groups
    click.echo(f"[{report.profile}] {len(groups):,} duplicate groups, {report.extra_copies:,} extra copies")
    for p in groups:
        dims = f" {p.width}x{p.height}" if p.width and p.height else ""
        taken = f", taken {p.date_taken}" if p.date_taken else ""
        click.echo(f"{p.content_id[:16]}  {p.format}{dims}{taken}, {len(p.paths)} copies:")
        for path in p.paths:
            click.echo(f"  {show(path)}")


def inspect_text(r: FileReport) -> None:
    from flickrsync.inspect import ID_KINDS, ORIENTATIONS  # noqa: PLC0415 - with the command

    click.echo(show(r.path))

    def line(label: str, value: object) -> None:
        click.echo(f"  {label:<13} {value}")

    if r.size is not None:
        line("size", f"{r.size:,} bytes")
    if r.problem:
        line("problem", r.problem)
    if r.content_id:
        line("kind", f"{r.media} ({r.format})")
        line("content id", r.content_id)
        line("computed as", ID_KINDS.get(r.id_kind or "", r.id_kind))
        taken = r.date_taken or "unknown (no usable EXIF date)"
        if r.date_taken and r.subsec:
            taken += f".{r.subsec}"
        if r.date_taken and r.tz_offset:
            taken += f" {r.tz_offset}"
        line("date taken", taken)
        if r.width and r.height:
            line("dimensions", f"{r.width} x {r.height}")
        orientation = r.orientation
        line(
            "orientation", f"{orientation} ({ORIENTATIONS.get(orientation, '?')})" if orientation else "none"
        )
        if r.media == "photo":
            line("perceptual", r.phash or f"not computed: {r.phash_error}")
        for warning in r.warnings:
            line("warning", warning)
    if r.sha256:
        line("sha256", r.sha256)
    if r.indexed is not None:
        line("indexed", r.indexed)
    for dup in r.duplicates:
        line("duplicate", show(dup))
    for link in r.links:
        line("on Flickr", f"photo {link.photo_id} of {link.nsid} (matched by {link.rule})")
    if r.upload is not None:
        line("title", f"{r.upload.title!r} (from {r.upload.title_from})")
        if r.upload.description:
            text = (
                r.upload.description if len(r.upload.description) <= 70 else r.upload.description[:67] + "…"
            )
            line("description", f"{text!r} (from {r.upload.description_from})")
        if r.upload.tags:
            line(
                "tags",
                ", ".join(r.upload.tags) + (f" (from {r.upload.tags_from})" if r.upload.tags_from else ""),
            )
        for warning in (*r.upload.warnings, *r.metadata_warnings):
            line("metadata", warning)
    if r.settings:
        line("settings", "for uploads from its folder, and where each came from:")
        for s in r.settings:
            click.echo(f"    {s.key:<17} {s.value}   ({s.origin})")


# --- sync, sync2, download, photosets --------------------------------------------------------


def action_json(action: Action) -> dict[str, Any]:
    doc: dict[str, Any] = {"action": ACTION_KINDS[type(action)], **to_json(action)}
    if isinstance(action, CreateSet | EditSetPhotos):
        doc["photos"] = len(action.photo_ids)
    return doc


def combined(prepared: Prepared) -> tuple[list[Action], PlanSummary]:
    """The transfer plan and the photoset preview as one list and one summary."""
    from flickrsync.planner import merge_plans  # noqa: PLC0415 - loaded with the sync engine

    plan = prepared.plan
    if prepared.set_preview is not None:
        plan = merge_plans(plan, prepared.set_preview)
    return list(plan.actions), plan.summary


def sync_json(report: RunReport) -> dict[str, Any]:
    prepared = report.prepared
    assert prepared is not None
    actions, summary = combined(prepared)
    outcome = report.outcome
    return {
        "profile": report.profile,
        "account": to_json(prepared.account),
        "dry_run": report.dry_run,
        "summary": {**to_json(summary), "reassignments": summary.reassignments},
        "actions": [action_json(a) for a in actions],
        "failed": to_json(prepared.plan.failed),
        "undecided": undecided_json(prepared),
        "refusal": prepared.plan.refusal,
        "notes": prepared.notes,
        "lookups": to_json(prepared.lookups),
        "changes": changes_json(prepared),
        "outcome": None
        if outcome is None
        else {
            "uploaded": len(outcome.uploaded),
            "linked": len(outcome.linked),
            "downloaded": len(outcome.downloaded),
            "tagged": len(outcome.tagged),
            "set_calls": outcome.set_calls,
            "bytes_sent": outcome.bytes_sent,
            "bytes_received": outcome.bytes_received,
            # "item": the name schema 1 gave a failed item's path here.
            "failed": [{**to_json(f), "item": f.path} for f in outcome.failed],
            "aborted": outcome.aborted,
            "replaced": len(outcome.replaced),
            "dates_set": len(outcome.dated),
            "notes": outcome.notes,
        },
        "api_calls": report.api_calls,
        "budget_wait": round(report.budget_wait, 3),
        "elapsed": round(report.elapsed, 3),
    }


def changes_json(prepared: Prepared) -> dict[str, Any]:
    """Edits and deletions since the last sync (``changes`` of a sync document)."""
    changes = prepared.changes
    if changes is None:
        return {}
    return {
        "edits": to_json(changes.edits),
        "superseded": to_json(changes.superseded),
        "deleted_locally": to_json(changes.deleted_locally),
        "deleted_on_flickr": to_json(changes.deleted_on_flickr),
    }


def changes_lines(s: PlanSummary, options: RunOptions) -> list[str]:
    """The summary lines about edits and deletions, one per kind (with its count)."""
    lines = []
    if s.replaces:
        lines.append(
            f"  to replace   {s.replaces:>9,} edited pictures replace their earlier version on Flickr"
        )
    if s.edits_kept:
        lines.append(f"  edits kept   {s.edits_kept:>9,} edited pictures: Flickr keeps the earlier version")
    if s.deleted_locally:
        lines.append(
            f"  deleted here {s.deleted_locally:>9,} pictures deleted from the library are still on Flickr: "
            "not downloaded (`download --restore` brings them back)"
        )
    if s.deleted_on_flickr:
        lines.append(
            f"  deleted on Flickr {s.deleted_on_flickr:>4,} photos deleted on Flickr are still in the "
            "library: not uploaded (`sync --restore` uploads them)"
        )
    if s.dates_set and options.uploads:
        lines.append(f"  to date      {s.dates_set:>9,} videos get their date taken on Flickr")
    return lines


def plan_text(settings: Settings, options: RunOptions, prepared: Prepared) -> None:
    """The summary before anything is done: counts only for what the command does."""
    account = prepared.account
    label = f"[{settings.profile}]"
    command = "photosets" if options.only_photosets else options.mode
    dry = " (dry run: nothing will change)" if options.dry_run else ""
    click.echo(f"{label} {command} — Flickr account {account.username} ({account.nsid}){dry}")
    for note in prepared.notes:
        click.echo(f"  note: {note}")
    if prepared.scan is not None:
        c = prepared.scan.counts
        click.echo(
            f"  library      {c.pictures:>9,} pictures, {c.videos:,} videos, "
            f"{prepared.scan.problem_count:,} problems "
            f"({prepared.scan.read:,} files read)"
        )
    listing = prepared.listing
    kind = "full listing" if listing.full else "changes since the last sync"
    click.echo(f"  flickr       {len(listing.photos):>9,} photos in the {kind}")
    lookups = prepared.lookups
    if lookups.total or lookups.skipped.renditions or lookups.skipped.decodes:
        done = _kinds(lookups.renditions, lookups.originals, lookups.decodes, lookups.digests)
        spared = _kinds(lookups.skipped.renditions, 0, lookups.skipped.decodes, 0)
        click.echo(
            f"  identify     {lookups.total:>9,} look-ups"
            + (f" ({done})" if done else "")
            + (f"; skipped by pruning: {spared} (no candidate of that size, date and type)" if spared else "")
        )
    if prepared.plan.refusal is not None:
        return
    _actions, s = combined(prepared)
    if options.uploads or options.downloads:
        click.echo(f"  matched      {s.matched:>9,} pictures already on Flickr")
        if s.duplicates_on_flickr:
            click.echo(f"  on Flickr twice {s.duplicates_on_flickr:>6,} photos (reported, never deleted)")
        if s.undecided:
            click.echo(f"  undecided    {s.undecided:>9,} (left alone this run; settle each with one of:)")
            undecided_lines(prepared)
    if options.uploads:
        click.echo(f"  to upload    {s.uploads:>9,} ({human_size(s.upload_bytes)})")
        if s.ignored:
            click.echo(f"  ignored      {s.ignored:>9,} (see `flickrsync ignore list`)")
        click.echo(f"  to tag       {s.tags:>9,} matched photos get flickrsync's machine tag")
    if options.downloads:
        click.echo(f"  to download  {s.downloads:>9,}")
    for line in changes_lines(s, options):
        click.echo(line)
    if prepared.set_preview is not None:
        click.echo(
            f"  photosets    {s.sets_created:>9,} to create, {s.sets_renamed:,} to rename, "
            f"{s.reassignments:,} reassignments (+{s.photos_added:,} −{s.photos_removed:,})"
            + (f", {s.sets_deleted:,} to delete" if s.sets_deleted else "")
            + (f", {s.group_adds:,} group additions" if s.group_adds else "")
        )
    if s.failed:
        click.echo(f"  cannot sync  {s.failed:>9,} (listed on stderr)")


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _kinds(renditions: int, originals: int, decodes: int, digests: int) -> str:
    """Look-ups by kind, in words (kinds with none left out)."""
    return ", ".join(
        _count(n, one, many)
        for n, one, many in (
            (renditions, "small rendition", "small renditions"),
            (originals, "original", "originals"),
            (decodes, "perceptual hash", "perceptual hashes"),
            (digests, "file digest", "file digests"),
        )
        if n
    )


def undecided_json(prepared: Prepared) -> list[dict[str, Any]]:
    from flickrsync.planfile import identify_commands  # noqa: PLC0415 - loaded with the sync engine

    groups = prepared.match.undecided if prepared.match is not None else ()
    return [
        {**to_json(g), "commands": identify_commands(g.content_ids, g.photo_ids, prepared.pictures)}
        for g in groups
    ]


def undecided_lines(prepared: Prepared) -> None:
    """Each group of look-alikes the matcher could not tell apart, with the commands that settle
    it (``flickrsync identify PHOTO PATH``: "this photo is that picture")."""
    from flickrsync.planfile import identify_commands  # noqa: PLC0415 - loaded with the sync engine

    if prepared.match is None:
        return
    for group in prepared.match.undecided:
        photos = ", ".join(group.photo_ids)
        click.echo(f"    {len(group.content_ids)} pictures / photos {photos}: {group.reason}")
        for command in identify_commands(group.content_ids, group.photo_ids, prepared.pictures):
            click.echo(f"      {show(command)}")
    if prepared.match.undecided:
        click.echo("      (a pair that is not the same picture: flickrsync identify --different PHOTO PATH)")


def outcome_text(report: RunReport, options: RunOptions) -> None:
    """The final line (``-q`` shows only this and the errors): what was done, counts only for
    what the command does, or why nothing was."""
    outcome = report.outcome
    label = f"[{report.profile}]"
    waited = f", {duration(report.budget_wait)} waiting for the API limit" if report.budget_wait >= 1 else ""
    cost = f"{report.api_calls:,} Flickr API calls{waited}, {report.elapsed:.1f} s"
    prepared = report.prepared
    if outcome is None:
        if report.stopped:
            click.echo(f"{label} stopped: nothing was done")
        elif prepared is not None and prepared.plan.refusal is not None:
            click.echo(f"{label} refused: nothing was done (reason on stderr); {cost}")
        elif report.dry_run:
            click.echo(f"{label} dry run: nothing was changed; {cost}")
        else:
            click.echo(f"{label} nothing to do: everything is in sync; {cost}")
        return
    done = []
    if options.uploads:
        done.append(f"{len(outcome.uploaded):,} uploaded ({human_size(outcome.bytes_sent)})")
        if outcome.linked:
            done.append(f"{len(outcome.linked):,} found on Flickr already (linked, not uploaded)")
    if outcome.replaced:
        done.append(f"{len(outcome.replaced):,} replaced")
    if options.downloads:
        done.append(f"{len(outcome.downloaded):,} downloaded ({human_size(outcome.bytes_received)})")
    if options.uploads:
        done.append(f"{len(outcome.tagged):,} tagged")
    if options.sets_step:
        done.append(f"{outcome.set_calls:,} photoset changes")
    click.echo(f"{label} done: {', '.join(done)}; {cost}")
    for note in outcome.notes:
        click.echo(f"flickrsync: note: {label} {show(note)}", err=True)
    if outcome.aborted:
        click.echo(f"{label} stopped early: {outcome.aborted}")
    if outcome.failed:
        click.echo(
            f"{label} {len(outcome.failed):,} items failed (listed on stderr); run again to retry them"
        )


def verbose_lines(report: RunReport, *, matched: bool) -> None:
    """One log line per file (info level: on stderr with ``-v``, always in the debug log): what
    was uploaded, downloaded or tagged (or would be, in a dry run), what was left alone, with the
    reason, and — when ``matched`` (``-v``) — how each picture was matched. (Every picture of a
    large library is matched on every run: written each time, those lines would rotate the log's
    history away.)"""
    prepared = report.prepared
    if prepared is None or prepared.plan.refusal is not None:
        return
    info_lines(_log, _verbose_messages(report, prepared, matched=matched))


def _verbose_messages(report: RunReport, prepared: Prepared, *, matched: bool) -> Iterator[str]:
    """The lines of :func:`verbose_lines`, in order."""
    label = f"[{report.profile}]"
    paths = prepared.paths

    def where(cid: str) -> str:
        path = paths.get(ContentId(cid))
        return show(path) if path is not None else f"picture {cid[:16]}"

    match = prepared.match
    if match is not None:
        for m in match.matches if matched else ():
            yield f"{label} matched: {where(m.content_id)} = photo {m.photo_id} ({m.rule}: {m.reason})"
        for d in match.duplicates:
            yield f"{label} on Flickr twice: photo {d.photo_id} is a copy of photo {d.of} ({d.reason})"
        for u in match.undecided:
            for cid in u.content_ids:
                yield f"{label} skipped: {where(cid)} ({u.reason})"
    changes = prepared.changes
    if changes is not None:
        for e in changes.edits:
            yield f"{label} edited: {show(e.path)} is a new version of photo {e.photo_id} ({e.reason})"
        for e in changes.superseded:
            yield f"{label} left alone: photo {e.photo_id} holds an earlier version of {show(e.path)}"
        for gone in changes.deleted_locally:
            at = show(gone.paths[0]) if gone.paths else f"picture {gone.content_id[:16]}"
            yield f"{label} deleted here: {at} (photo {gone.photo_id} stays on Flickr)"
        for gone in changes.deleted_on_flickr:
            at = show(gone.paths[0]) if gone.paths else f"picture {gone.content_id[:16]}"
            yield f"{label} deleted on Flickr: photo {gone.photo_id} ({at} is not uploaded again)"
    outcome = report.outcome
    for action in prepared.plan.actions:
        if isinstance(action, Upload):
            pid = outcome.uploaded.get(action.content_id) if outcome else None
            linked = outcome.linked.get(action.content_id) if outcome else None
            if pid is not None:
                yield f"{label} uploaded: {show(action.path)} as photo {pid}"
            elif linked is not None:
                at = show(action.path)
                yield f"{label} linked: {at} is photo {linked} already (Flickr's duplicate check)"
            elif outcome is None:
                yield f"{label} to upload: {show(action.path)} ({action.reason})"
        elif isinstance(action, Download):
            dest = outcome.downloaded.get(action.photo_id) if outcome else None
            if dest is not None:
                yield f"{label} downloaded: photo {action.photo_id} to {show(dest)}"
            elif outcome is None:
                yield f"{label} to download: photo {action.photo_id} to {show(action.dest)} ({action.reason})"
        elif isinstance(action, AddTags) and (outcome is None or action.photo_id in outcome.tagged):
            verb = "tagged" if outcome else "to tag"
            yield f"{label} {verb}: photo {action.photo_id} ({action.reason})"
        elif isinstance(action, Replace) and (outcome is None or action.photo_id in outcome.replaced):
            verb = "replaced" if outcome else "to replace"
            yield f"{label} {verb}: photo {action.photo_id} with {show(action.path)} ({action.reason})"
    for item in prepared.plan.failed:
        yield f"{label} skipped: {show(item.path)} ({item.reason})"


# --- verify ----------------------------------------------------------------------------------

#: How each kind of verify item is named in the text report (the missing kinds first).
VERIFY_KINDS = {
    "not_on_flickr": "not on Flickr",
    "edit_not_pushed": "edit not on Flickr",
    "deleted_on_flickr": "deleted on Flickr",
    "not_in_library": "not in the library",
    "not_in_photoset": "not in its photoset",
    "undecided": "not decided",
    "deep_mismatch": "original differs",
    "deep_unchecked": "original not checked",
    "deleted_locally": "deleted here",
    "superseded": "earlier version",
    "duplicate_on_flickr": "copy on Flickr",
    "only_on_flickr": "only on Flickr",
    "ignored": "ignored",
}


def verify_json(report: VerifyReport) -> dict[str, Any]:
    return {
        **to_json(report),
        "complete": report.complete,
        "items": [{**to_json(item), "missing": item.missing} for item in report.items],
    }


def verify_text(report: VerifyReport, *, quiet: bool = False, verbose: bool = False) -> None:
    """What is missing, item by item, then counts per kind, folder and set, and the verdict."""
    label = f"[{report.profile}]"
    if not quiet:
        account = report.account
        ways = "both ways (sync2)" if report.both_ways else "library -> Flickr (sync)"
        click.echo(f"{label} verify — Flickr account {account.username} ({account.nsid}), {ways}")
        for note in report.notes:
            click.echo(f"  note: {note}")
        click.echo(f"  library      {report.pictures:>9,} pictures and videos, {report.matched:,} on Flickr")
        click.echo(f"  flickr       {report.photos:>9,} photos and videos")
        for kind, name in VERIFY_KINDS.items():
            if report.counts.get(kind):
                click.echo(f"  {name:<20} {report.counts[kind]:>6,}")
        if report.deep is not None:
            d = report.deep
            click.echo(
                f"  originals    {d.checked_now + d.checked_before:>9,} checked ({d.checked_now:,} now), "
                f"{d.mismatched:,} differ, {d.unchecked:,} could not be checked"
            )
        for item in report.items:
            if item.missing or verbose:
                where = show(item.path) if item.path is not None else f"photo {item.photo_id}"
                click.echo(f"  {VERIFY_KINDS[item.kind]}: {where}: {show(item.detail)}")
        for folder in report.folders:
            if folder.missing or verbose:
                click.echo(
                    f"  folder {show(folder.folder or '.')}: {folder.pictures:,} pictures, "
                    f"{folder.on_flickr:,} on Flickr, {folder.missing:,} missing"
                )
        for s in report.sets:
            if s.missing_members or verbose:
                click.echo(
                    f"  photoset {s.title!r}: {s.photos:,} photos ({s.in_library:,} in the library), "
                    f"{s.missing_members:,} pictures of its folder not in it"
                )
    missing = sum(1 for item in report.items if item.missing)
    cost = f"{report.api_calls:,} Flickr API calls, {report.elapsed:.1f} s"
    if report.complete:
        click.echo(f"{label} complete: nothing is missing; {cost}")
    elif not report.listing_complete and not missing:
        click.echo(f"{label} not proven: Flickr's listing was incomplete; run again; {cost}")
    else:
        click.echo(f"{label} incomplete: {missing:,} items missing (listed above); {cost}")


# --- config check ----------------------------------------------------------------------------


def config_text(report: ConfigReport) -> None:
    """Each profile's settings as a run would use them, with where each value came from."""
    click.echo(f"config file: {report.config_file}")
    for profile in report.profiles:
        click.echo(f"[{profile.profile}]")
        for value in profile.values:
            click.echo(f"  {value.key:<22} {value.value}   ({value.origin})")
    problems = len(report.problems) + sum(len(p.problems) for p in report.profiles)
    if problems:
        click.echo(f"{problems:,} problems (listed on stderr)")
    else:
        count = len(report.profiles)
        click.echo(f"ok: {count:,} profile{'' if count == 1 else 's'}, no problems")
