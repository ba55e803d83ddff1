"""The review page's HTML, rendered on the server (pure: plain data in, text out).

Every value from the plan is escaped; the page carries no inline script or style (its
Content-Security-Policy allows only the package's own ``review.js`` and ``review.css``). Every
URL it holds carries the session's token. Long sections are paged (:data:`PAGE_SIZE` entries a
page, folders listed with links to the page where each starts) and every thumbnail is
``loading="lazy"``, so a plan of 10,000 entries paints as fast as one of 100.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import urlencode

from flickrsync.choosing import PRIVACY
from flickrsync.cli.render import human_size

#: Entries on one page of a section.
PAGE_SIZE = 100
#: The sections of the page: (name, title). ``other`` shows lists of the plan that this page does
#: not know (a newer flickrsync's), as tables.
SECTIONS = (
    ("uploads", "Uploads"),
    ("downloads", "Downloads"),
    ("matches", "Matched"),
    ("undecided", "To settle"),
    ("changes", "Edits & deletions"),
    ("photosets", "Photosets"),
    ("problems", "Problems"),
    ("other", "Other"),
)
#: Document keys this page shows in a section of its own (or in the header).
KNOWN_KEYS = frozenset(
    {
        "format",
        "version",
        "created_at",
        "profile",
        "account",
        "options",
        "refusal",
        "summary",
        "uploads",
        "downloads",
        "matches",
        "undecided",
        "changes",
        "replaces",
        "duplicates",
        "failed",
        "photosets",
        "notes",
    }
)
#: The matcher's rules that rest on how the pictures look: shown side by side.
LOOK_RULES = frozenset({"phash", "original"})


@dataclass(frozen=True)
class View:
    """What one page shows: the section, its page, and its entries (all of them: paged here)."""

    section: str
    page: int
    entries: Sequence[Mapping[str, Any]]
    #: Entries per section, for the navigation.
    counts: Mapping[str, int]
    #: Undecided pairs the user answered (``"PHOTO CID"`` -> same/different) and groups ignored.
    pairs: Mapping[str, str] = field(default_factory=dict)
    ignored_groups: frozenset[int] = frozenset()


def e(value: object) -> str:
    """Escaped for HTML text and quoted attributes."""
    return html.escape(str(value), quote=True)


def link(token: str, **params: object) -> str:
    """A URL of the page (``/?section=…&page=…&token=…``), escaped for an attribute."""
    query = {k: str(v) for k, v in params.items()}
    return e("/?" + urlencode({**query, "token": token}))


def thumb(token: str, kind: str, ident: str, alt: str) -> str:
    src = e(f"/thumb/{kind}/{ident}?" + urlencode({"token": token}))
    return (
        f'<img class="thumb" loading="lazy" decoding="async" width="160" height="160" '
        f'src="{src}" alt="{e(alt)}">'
    )


def render(doc: Mapping[str, Any], view: View, token: str, progress_html: str) -> str:
    """The whole page."""
    template = _template()
    account = doc.get("account", {})
    return template.substitute(
        profile=e(doc.get("profile", "")),
        username=e(account.get("username", "")),
        mode=e(doc.get("options", {}).get("mode", "")),
        created=e(doc.get("created_at", "")),
        token=e(token),
        summary=summary(doc),
        nav=nav(view, token),
        main=section(doc, view, token),
        progress=progress_html,
    )


@functools.cache
def _template() -> Template:
    return Template(resources.files(__package__).joinpath("templates/page.html").read_text("utf-8"))


def summary(doc: Mapping[str, Any]) -> str:
    s = doc.get("summary", {})
    items = [
        ("uploads", f"{s.get('uploads', 0):,} to upload ({human_size(int(s.get('upload_bytes', 0)))})"),
        ("downloads", f"{s.get('downloads', 0):,} to download"),
        ("tags", f"{s.get('tags', 0):,} to tag"),
        ("matched", f"{s.get('matched', 0):,} matched"),
        ("undecided", f"{s.get('undecided', 0):,} to settle"),
        ("ignored", f"{s.get('ignored', 0):,} ignored"),
        ("failed", f"{s.get('failed', 0):,} failed"),
    ]
    found = (
        ("edits_kept", "edits kept"),
        ("deleted_locally", "deleted here"),
        ("deleted_on_flickr", "deleted on Flickr"),
    )
    items += [(key, f"{int(s[key]):,} {label}") for key, label in found if s.get(key)]
    sets = sum(int(s.get(k, 0)) for k in ("sets_created", "sets_renamed", "sets_deleted"))
    moves = int(s.get("photos_added", 0)) + int(s.get("photos_removed", 0))
    items.append(("photosets", f"{sets:,} photosets changed, {moves:,} photos moved"))
    parts = "".join(f'<li data-count="{k}">{e(text)}</li>' for k, text in items)
    refusal = doc.get("refusal")
    stop = f'<p class="refusal">Nothing will be done: {e(refusal)}</p>' if refusal else ""
    return f'<ul class="summary">{parts}</ul>{stop}'


def nav(view: View, token: str) -> str:
    out = []
    for name, title in SECTIONS:
        count = view.counts.get(name, 0)
        if name == "other" and not count:
            continue
        current = ' aria-current="page"' if name == view.section else ""
        out.append(f'<a href="{link(token, section=name)}"{current}>{e(title)} <b>{count:,}</b></a>')
    return "".join(out)


def section(doc: Mapping[str, Any], view: View, token: str) -> str:
    entries = view.entries
    pages = max(1, math.ceil(len(entries) / PAGE_SIZE))
    page = min(max(1, view.page), pages)
    shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    first = (page - 1) * PAGE_SIZE
    body = {
        "uploads": lambda: _grouped(shown, token, _upload, entries, "upload-folder", view, first),
        "downloads": lambda: _grouped(shown, token, _download, entries, "download-folder", view, first),
        "matches": lambda: _cards(shown, token, _match),
        "undecided": lambda: "".join(_undecided(g, first + i, view, token) for i, g in enumerate(shown)),
        "changes": lambda: _cards(shown, token, _change),
        "photosets": lambda: _table(shown, ("action", "title", "old_title", "folder", "photos")),
        "problems": lambda: _table(shown, ("kind", "path", "reason")),
        "other": lambda: _table(shown, sorted({k for x in shown for k in x})),
    }[view.section]()
    if not entries:
        body = f'<p class="empty">{_EMPTY[view.section]}</p>'
    pager = _pager(view.section, page, pages, token)
    return f"<h2>{e(dict(SECTIONS)[view.section])}</h2>{_INTRO[view.section]}{pager}{body}{pager}"


_EMPTY = {
    "uploads": "Nothing to upload: every picture is on Flickr (or ignored).",
    "downloads": "Nothing to download.",
    "matches": "No picture of the library is on Flickr yet.",
    "undecided": "Nothing to settle: the matcher decided every picture.",
    "changes": "No picture was edited or deleted, here or on Flickr, since the last sync.",
    "photosets": "No photoset changes.",
    "problems": "No problems.",
    "other": "Nothing else.",
}
_INTRO = {
    "uploads": '<p class="intro">Uncheck what should not go up now; edit what Flickr is told. '
    "Nothing changes before you press Apply.</p>",
    "downloads": '<p class="intro">Flickr photos that are not in the library, by the folder '
    "they go to (one per photoset).</p>",
    "matches": '<p class="intro">Pictures already on Flickr, with the evidence. Matches by '
    "look show both pictures.</p>",
    "undecided": '<p class="intro">The matcher could not tell these apart. Say which pictures '
    "are the same (identify), which are different, or ignore them.</p>",
    "changes": '<p class="intro">What changed on either side since the last sync. Nothing you did is '
    "undone: an edit stays as <code>on_edit</code> says, a deletion is left alone until you restore "
    "it (<code>download --restore</code>, <code>sync --restore</code>).</p>",
    "photosets": '<p class="intro">What apply will change in the photosets (planned again '
    "after the transfers).</p>",
    "problems": "",
    "other": "",
}


def _pager(section_name: str, page: int, pages: int, token: str) -> str:
    if pages <= 1:
        return ""
    links = []
    for number in _page_numbers(page, pages):
        if number is None:
            links.append("<span>…</span>")
        elif number == page:
            links.append(f'<b aria-current="page">{number}</b>')
        else:
            links.append(f'<a href="{link(token, section=section_name, page=number)}">{number}</a>')
    return f'<nav class="pager">Page {"".join(links)} of {pages:,}</nav>'


def _page_numbers(page: int, pages: int) -> list[int | None]:
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[int | None] = []
    for number in wanted:
        if out and out[-1] is not None and number - out[-1] > 1:
            out.append(None)
        out.append(number)
    return out


def folder_of(relpath: str) -> str:
    return relpath.rsplit("/", 1)[0] if "/" in relpath else ""


def _grouped(  # noqa: PLR0917 - one section's parts
    shown: Sequence[Mapping[str, Any]],
    token: str,
    card: Any,
    entries: Sequence[Mapping[str, Any]],
    folder_kind: str,
    view: View,
    first: int,
) -> str:
    """Entries by folder (the session orders them so), with a list of every folder linking to
    the page where it starts."""
    starts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for i, entry in enumerate(entries):
        folder = folder_of(str(entry.get("relpath", "")))
        starts.setdefault(folder, i)
        sizes[folder] = sizes.get(folder, 0) + 1
    index = "".join(
        f'<a href="{link(token, section=view.section, page=start // PAGE_SIZE + 1)}#{_anchor(folder)}">'
        f"{e(folder or '(top folder)')} <b>{sizes[folder]:,}</b></a>"
        for folder, start in starts.items()
    )
    out = [f'<nav class="folders">{index}</nav>'] if len(starts) > 1 else []
    current: str | None = None
    for i, entry in enumerate(shown):
        folder = folder_of(str(entry.get("relpath", "")))
        if folder != current:
            if current is not None:
                out.append("</ul></section>")
            current = folder
            more = " (continued)" if starts[folder] < first + i else ""
            out.append(
                f'<section class="folder" id="{_anchor(folder)}"><h3>{e(folder or "(top folder)")}{more} '
                f"<small>{sizes[folder]:,}</small> "
                f'<span class="bulk" data-kind="{folder_kind}" data-id="{e(folder)}">'
                f'<button type="button" data-value="true">check all</button>'
                f'<button type="button" data-value="false">uncheck all</button>'
                f'<span class="status"></span></span></h3><ul class="cards">'
            )
        out.append(card(entry, token))
    if current is not None:
        out.append("</ul></section>")
    return "".join(out)


def _anchor(folder: str) -> str:
    return "folder-" + "".join(c if c.isalnum() else "-" for c in folder)[:80] + f"-{len(folder)}"


def _cards(shown: Sequence[Mapping[str, Any]], token: str, card: Any) -> str:
    return '<ul class="cards">' + "".join(card(x, token) for x in shown) + "</ul>"


def _checkbox(field_name: str, checked: bool, label: str) -> str:
    mark = " checked" if checked else ""
    return f'<label class="check"><input type="checkbox" data-field="{field_name}"{mark}> {e(label)}</label>'


def _upload(entry: Mapping[str, Any], token: str) -> str:
    cid = str(entry["content_id"])
    resize = entry.get("resize")
    long_edge = resize.get("long_edge", "") if isinstance(resize, dict) else ""
    privacy = "".join(
        f'<option value="{e(word)}"{" selected" if word == entry.get("privacy") else ""}>{e(word)}</option>'
        for word in PRIVACY
    )
    tags = ", ".join(str(t) for t in entry.get("tags", []))
    sources = entry.get("sources") or {}
    why = "; ".join(f"{k} from {v}" for k, v in sources.items())
    warnings = "".join(f'<li class="warning">{e(w)}</li>' for w in entry.get("warnings", []))
    media = "video" if entry.get("media") == "video" else "picture"
    return (
        f'<li class="card upload" data-kind="upload" data-id="{e(cid)}">'
        f"{_checkbox('include', bool(entry.get('_include', True)), 'upload')}"
        f"{thumb(token, 'picture', cid, str(entry.get('relpath', '')))}"
        f'<div class="path" title="{e(entry.get("path", ""))}">{e(entry.get("relpath", ""))}</div>'
        f'<div class="meta">{e(media)}, {e(human_size(int(entry.get("size", 0))))}</div>'
        f'<label>Title <input type="text" data-field="title" value="{e(entry.get("title", ""))}"></label>'
        f'<label>Description <textarea data-field="description" rows="2">'
        f"{e(entry.get('description', ''))}</textarea></label>"
        f'<label>Tags <input type="text" data-field="tags" value="{e(tags)}" '
        f'placeholder="comma between tags"></label>'
        f'<label>Privacy <select data-field="privacy">{privacy}</select></label>'
        f'<label>Resize <input type="number" min="100" step="1" data-field="resize" value="{e(long_edge)}" '
        f'placeholder="as it is"> px</label>'
        f"{_checkbox('ignore', bool(entry.get('ignore')), 'ignore for good')}"
        f'<div class="why" title="{e(why)}">{e(entry.get("reason", ""))}</div>'
        f'<ul class="warnings">{warnings}</ul><div class="status" role="status"></div></li>'
    )


def _download(entry: Mapping[str, Any], token: str) -> str:
    pid = str(entry["photo_id"])
    return (
        f'<li class="card download" data-kind="download" data-id="{e(pid)}">'
        f"{_checkbox('include', bool(entry.get('_include', True)), 'download')}"
        f"{thumb(token, 'photo', pid, str(entry.get('photo_title', '')))}"
        f'<div class="title">{e(entry.get("photo_title", "") or "(no title)")} '
        f"<small>photo {e(pid)}</small></div>"
        f'<label>To <input type="text" data-field="relpath" value="{e(entry.get("relpath", ""))}"></label>'
        f"{_checkbox('ignore', bool(entry.get('ignore')), 'ignore for good')}"
        f'<div class="why">{e(entry.get("reason", ""))}</div><div class="status" role="status"></div></li>'
    )


def _match(entry: Mapping[str, Any], token: str) -> str:
    cid, pid = str(entry["content_id"]), str(entry["photo_id"])
    rule = str(entry.get("rule", ""))
    look = rule in LOOK_RULES
    pictures = thumb(token, "picture", cid, "in the library") + (
        thumb(token, "photo", pid, "on Flickr") if look else ""
    )
    tag = _checkbox("add_tag", bool(entry.get("add_tag")), "tag it") if entry.get("add_tag") else ""
    path = str(entry.get("path") or "")
    return (
        f'<li class="card match{" look" if look else ""}" data-kind="match" data-id="{e(pid)} {e(cid)}">'
        f'<div class="pair">{pictures}</div>'
        f'<div class="path" title="{e(path)}">{e(_tail(path))}</div>'
        f'<div class="title">= {e(entry.get("photo_title", "") or "(no title)")} '
        f"<small>photo {e(pid)}</small></div>"
        f'<div class="why"><b>{e(rule)}</b>: {e(entry.get("evidence", ""))}</div>'
        f"{tag}{_checkbox('ignore', bool(entry.get('ignore')), 'ignore the photo for good')}"
        f'<div class="status" role="status"></div></li>'
    )


#: What each kind of change means, and what a run does about it.
_CHANGE_TEXT = {
    "edit": "edited here; Flickr keeps the earlier version (on_edit = keep)",
    "replace": "edited here; Apply puts this version in place of the photo (on_edit = replace)",
    "upload": "edited here; this version goes up as a new photo (on_edit = upload)",
    "superseded": "an earlier version: the new one is on Flickr already as photo {by}; left alone",
    "deleted_locally": "deleted from the library; not downloaded again (download --restore brings it back)",
    "deleted_on_flickr": "deleted on Flickr; not uploaded again (sync --restore uploads it)",
}


def changes(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The edits and deletions found on either side, each with its ``kind`` (a key of
    ``_CHANGE_TEXT``): an edit's kind says what this plan does about it."""
    found = doc.get("changes")
    if not isinstance(found, Mapping):
        return []
    replaced = {str(r.get("photo_id")) for r in doc.get("replaces", []) if isinstance(r, Mapping)}
    uploaded = {str(u.get("content_id")) for u in doc.get("uploads", []) if isinstance(u, Mapping)}
    rows: list[dict[str, Any]] = []
    for entry in found.get("edits", []):
        if str(entry.get("photo_id")) in replaced:
            kind = "replace"
        elif str(entry.get("content_id")) in uploaded:
            kind = "upload"
        else:
            kind = "edit"
        rows.append({"kind": kind, **entry})
    for key in ("superseded", "deleted_locally", "deleted_on_flickr"):
        rows += [{"kind": key, **entry} for entry in found.get(key, []) if isinstance(entry, Mapping)]
    return rows


def _change(entry: Mapping[str, Any], token: str) -> str:
    """A change with the pictures at hand: the picture here (when there is one) and the photo on
    Flickr (when there is one); an edit shows its new version beside the photo's earlier one."""
    kind = str(entry.get("kind", ""))
    pid, cid = str(entry.get("photo_id", "")), str(entry.get("content_id", ""))
    paths = entry.get("paths") or [entry.get("path") or ""]
    path = str(paths[0] or "")
    local = "" if kind == "deleted_locally" else thumb(token, "picture", cid, "in the library")
    remote = "" if kind == "deleted_on_flickr" else thumb(token, "photo", pid, "on Flickr")
    text = _CHANGE_TEXT.get(kind, kind).format(by=entry.get("superseded_by", ""))
    reason = f" ({entry['reason']})" if entry.get("reason") else ""
    return (
        f'<li class="card match look change {e(kind)}" data-kind="change" data-id="{e(pid)} {e(cid)}">'
        f'<div class="pair">{local}{remote}</div>'
        f'<div class="path" title="{e(path)}">{e(_tail(path))}</div>'
        f'<div class="title"><small>photo {e(pid)}</small></div>'
        f'<div class="why"><b>{e(text)}</b>{e(reason)}</div></li>'
    )


def _undecided(group: Mapping[str, Any], number: int, view: View, token: str) -> str:
    paths = {}
    for cid, path in zip(group.get("content_ids", []), group.get("paths", []), strict=False):
        paths[str(cid)] = str(path)
    rows = []
    for content_id in group.get("content_ids", []):
        cid = str(content_id)
        path = paths.get(cid, cid[:16])
        candidates = []
        for pid in group.get("photo_ids", []):
            key = f"{pid} {cid}"
            answer = view.pairs.get(key, "")
            buttons = "".join(
                f'<button type="button" data-value="{value}" aria-pressed="{str(answer == value).lower()}">'
                f"{label}</button>"
                for value, label in (("same", "same picture"), ("different", "different"))
            )
            candidates.append(
                f'<div class="candidate" data-kind="pair" data-id="{e(key)}">'
                f"{thumb(token, 'photo', str(pid), f'photo {pid}')}<div>photo {e(pid)}</div>"
                f'<div class="choices">{buttons}</div><div class="status" role="status"></div></div>'
            )
        rows.append(
            f'<div class="row"><div class="candidate local">'
            f"{thumb(token, 'picture', cid, path)}"
            f'<div class="path" title="{e(path)}">{e(_tail(path))}</div></div>'
            f"{''.join(candidates)}</div>"
        )
    ignored = number in view.ignored_groups
    commands = "".join(f"<li><code>{e(c)}</code></li>" for c in group.get("commands", []))
    return (
        f'<section class="group" data-kind="group" data-id="{number}">'
        f'<p class="why">{e(group.get("reason", ""))}</p>{"".join(rows)}'
        f"<p>{_checkbox('ignore', ignored, 'ignore all of these for good')}"
        f'<span class="status" role="status"></span></p>'
        f"<details><summary>The same from the command line</summary><ul>{commands}</ul></details></section>"
    )


def _tail(path: str) -> str:
    """The end of a full path, as much as a card shows: its folder and name."""
    return "/".join(path.rsplit("/", 2)[-2:])


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    used = [c for c in columns if any(c in r for r in rows)]
    head = "".join(f"<th>{e(c)}</th>" for c in used)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(_cell(r.get(c, '')))}</td>" for c in used) + "</tr>" for r in rows
    )
    return f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def problems(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The problems section's rows: the plan's refusal, failed items, copies on Flickr, notes."""
    rows: list[dict[str, Any]] = []
    if doc.get("refusal"):
        rows.append({"kind": "refused", "path": "", "reason": doc["refusal"]})
    rows += [
        {"kind": "failed", "path": f.get("path", ""), "reason": f.get("reason", "")}
        for f in doc.get("failed", [])
    ]
    rows += [
        {
            "kind": "on Flickr twice",
            "path": f"photo {d.get('photo_id')} (copy of {d.get('of')})",
            "reason": d.get("reason", ""),
        }
        for d in doc.get("duplicates", [])
    ]
    rows += [{"kind": "note", "path": "", "reason": n} for n in doc.get("notes", [])]
    return rows


def others(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Entries of the plan's lists this page does not know, each with the list's name."""
    rows: list[dict[str, Any]] = []
    for key, value in doc.items():
        if key in KNOWN_KEYS or not isinstance(value, list):
            continue
        for item in value:
            rows.append({"list": key, **(item if isinstance(item, dict) else {"value": item})})
    return rows


def progress(
    kind: str | None,
    phase: str,
    bars: Sequence[tuple[str, int, int]],
    outcome: Mapping[str, Any] | None,
    error: str | None,
) -> str:
    """The job's box: what it does now, or what it did."""
    if kind is None:
        return ""
    if error is not None:
        return f'<div class="outcome failed" data-state="failed"><p>{e(kind)} failed: {e(error)}</p></div>'
    if outcome is None:
        meters = "".join(
            f'<div class="bar"><label>{e(label)} {done:,}/{total:,} '
            f'<progress max="{max(total, 1)}" value="{min(done, total)}"></progress></label></div>'
            for label, done, total in bars
        )
        return f'<div class="running" data-state="running"><p>{e(kind)}: {e(phase)}…</p>{meters}</div>'
    if kind == "plan":
        return '<div class="outcome" data-state="done"><p>Planned again.</p></div>'
    return _outcome(outcome)


def _outcome(o: Mapping[str, Any]) -> str:
    done = (
        f"{o['uploaded']:,} uploaded, {o['downloaded']:,} downloaded, {o['tagged']:,} tagged, "
        f"{o['set_changes']:,} photoset changes, {o['ignored']:,} ignored for good"
    )
    lines = [f"<p><b>Applied</b>: {e(done)} ({o['api_calls']:,} Flickr API calls, {o['elapsed']} s).</p>"]
    lines += [f"<p>Settled: {e(x)}</p>" for x in o.get("identified", [])]
    if o.get("refusal"):
        lines.append(f"<p>Nothing was done: {e(o['refusal'])}</p>")
    if o.get("aborted"):
        lines.append(f"<p>Stopped early: {e(o['aborted'])}</p>")
    items = [("refused", x) for x in o.get("refused", [])] + [("failed", x) for x in o.get("failed", [])]
    if items:
        rows = "".join(
            f"<li><b>{kind}</b>: {e(x['path'])}{': ' if x['path'] else ''}{e(x['reason'])}</li>"
            for kind, x in items
        )
        lines.append(f'<ul class="problems">{rows}</ul>')
    lines.append(f"<p>The plan as applied: <code>{e(o.get('plan_file', ''))}</code></p>")
    state = "failed" if o.get("exit_code") else "done"
    return (
        f'<div class="outcome {state}" data-state="done">{"".join(lines)}'
        '<p><button type="button" id="replan">Plan again</button></p></div>'
    )
