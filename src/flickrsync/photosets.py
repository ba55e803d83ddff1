"""Pure photoset planner: the folder tree + the account's photosets -> set and group actions.

Charter: albums follow folders. This module decides which photoset each library folder maps to and
what must change on Flickr to make the sets mirror the folders, and returns that as plan actions
(:mod:`flickrsync.models`, section "plan"). It does no I/O: it reads only its arguments — local
pictures, the remote photos, a *complete* :class:`~flickrsync.matcher.MatchResult`, the sets with
their members, options, and the (photo, group) pairs already added to group pools.

The rules (docs/photosets.md is the user's version):

* Each folder under the root that holds pictures maps to one photoset, titled with the folder's
  path relative to the root flattened with a separator (default ``", "`` as flickrsync 0.1.1 did):
  ``2014/Holiday`` -> ``2014, Holiday``. A picture in several folders is in several sets.
  Pictures directly in the root belong to no set — except that flickrsync 0.1.1 put them in a set
  titled ``flickrsync``; if that (tool-made) set exists it keeps tracking the root.
* Titles are compared by a key: NFC, control characters dropped, runs of white space as one
  space, trimmed — so 0.1.1's titles with a leading space (``" 2014, Holiday"``) are adopted.
  Folders whose titles collide after flattening (``a, b`` and ``a/b``) get distinct titles: the
  first in code-point order keeps it, the next gets `` (2)`` and so on.
* Sets flickrsync creates carry :data:`~flickrsync.models.SET_MARKER` in their description (0.1.1
  wrote the same). Only those are *managed* — plus sets the user names in ``include`` (by title).
  ``exclude`` (folders or titles, globs; a folder pattern covers its subfolders) takes precedence,
  and a non-empty ``include`` restricts which folders take part.
* Membership: a managed set gets every matched photo whose picture is in its folder, and loses a
  member only when that photo's picture is known to be somewhere else (moved). Photos the library
  does not have (Flickr only, duplicates, undecided) are left where they are.
* Renamed folder: a managed tool-made set whose folder is gone is renamed (editMeta) to a new
  folder's title — instead of creating a new set — when more than half of the new folder's photos
  are in the set AND more than half of the set's matched photos are in the new folder (a
  majority both ways, so a folder that merely received a few of its files does not steal it).
  Pairs are taken greediest first (largest overlap; ties by set id, then folder).
* A tool-made set left with no photo is deleted only with ``prune`` (the set, never a photo).
  Without it the set keeps one photo (its primary): Flickr deletes a set whose last photo is
  removed. Sets flickrsync did not create are never deleted.
* Calls: each set change is planned as single addPhoto/removePhoto calls or as one editPhotos
  (the complete new membership, primary included), whichever costs fewer calls — ties go to the
  single call, which cannot drop a photo added on Flickr meanwhile. The primary photo stays
  unless it leaves the set. With ``order_by_date`` the set is kept in date-taken order (Flickr's
  date taken, then photo id); a reorder is one editPhotos and is counted.
* Groups: ``(folder glob, group NSID)`` pairs add the photos of matching folders to the group's
  pool once; pairs already done are passed in (the index remembers them).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from flickrsync.matcher import MatchResult, exact_date
from flickrsync.models import (
    SET_MARKER,
    AddToGroup,
    AddToSet,
    CreateSet,
    DeleteSet,
    EditSetMeta,
    EditSetPhotos,
    LocalPicture,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    Plan,
    PlanSummary,
    RemotePhoto,
    RemoteSet,
    RemoveFromSet,
    SetAction,
    SyncMode,
    readable,
)

#: flickrsync 0.1.1 put the pictures of the root folder in a set with this title.
LEGACY_ROOT_SET_TITLE = "flickrsync"
#: Longest set title we create. Flickr documents no limit; this keeps deep paths whole.
MAX_TITLE_CHARS = 255
#: Title of a folder whose name is nothing but white space/control characters.
BLANK_TITLE = "untitled"
ROOT = ""


@dataclass(frozen=True, slots=True)
class PhotosetPlanOptions:
    """Configuration of the photoset step (config.ini keys ``photoset_*``, ``groups``; ``--prune``)."""

    separator: str = ", "
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    groups: tuple[tuple[str, Nsid], ...] = ()
    prune: bool = False
    order_by_date: bool = True


@dataclass(frozen=True)
class FolderSets:
    """Which folder each managed set stands for (the outcome of :func:`bind_sets`)."""

    #: Every folder holding pictures -> its set title (collisions already made distinct).
    titles: Mapping[str, str]
    #: Folders that take part in photosets (include/exclude applied).
    participating: frozenset[str]
    #: Managed set id -> its folder (``""`` = the root, for 0.1.1's root set).
    bound: Mapping[PhotosetId, str]
    #: Managed set id -> the new title, for sets whose folder was renamed.
    renamed: Mapping[PhotosetId, str]
    #: Sets this run may change: tool-made or included, not excluded.
    managed: frozenset[PhotosetId]
    #: Folder -> matched photos whose picture is in it (the desired membership).
    desired: Mapping[str, frozenset[PhotoId]] = field(default_factory=dict)


# --- titles ----------------------------------------------------------------------------------


def clean_title(text: str) -> str:
    """A title as we write it and the key we compare titles by: as read (a folder name that is
    not UTF-8 gets U+FFFD, :func:`~flickrsync.models.readable`), NFC, control characters dropped,
    white space runs as one space, trimmed, at most :data:`MAX_TITLE_CHARS` characters."""
    text = unicodedata.normalize("NFC", readable(text))
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(text.split())[:MAX_TITLE_CHARS].strip()


def flatten_folder(folder: str, separator: str = ", ") -> str:
    """A folder's set title: its path relative to the root with ``/`` replaced by the separator."""
    title = clean_title(separator.join(folder.split("/")))
    return title or BLANK_TITLE


def is_tool_made(photoset: Photoset) -> bool:
    """Created by flickrsync (this version or 0.1.1): the marker is in the description."""
    return SET_MARKER in photoset.description


def assign_titles(folders: Iterable[str], separator: str = ", ") -> dict[str, str]:
    """Every folder -> a distinct set title. Folders whose flattened titles collide are taken in
    code-point order: the first keeps the title, the others get `` (2)``, `` (3)`` …, skipping any
    title another folder has naturally."""
    ordered = sorted({unicodedata.normalize("NFC", f) for f in folders if f})
    natural = {f: flatten_folder(f, separator) for f in ordered}
    taken: set[str] = set()
    natural_titles = set(natural.values())
    titles: dict[str, str] = {}
    for folder in ordered:
        title = natural[folder]
        if title in taken:
            n = 2
            while True:
                suffix = f" ({n})"
                candidate = title[: MAX_TITLE_CHARS - len(suffix)].rstrip() + suffix
                if candidate not in taken and candidate not in natural_titles:
                    title = candidate
                    break
                n += 1
        taken.add(title)
        titles[folder] = title
    return titles


def folder_ancestors(folder: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b", "a/b/c"]``; the root -> ``[""]``."""
    if not folder:
        return [ROOT]
    parts = folder.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _hits(patterns: Sequence[str], folder: str | None, title: str | None) -> bool:
    for pattern in patterns:
        if title is not None and fnmatchcase(title, pattern):
            return True
        if folder is not None and any(fnmatchcase(a, pattern) for a in folder_ancestors(folder)):
            return True
    return False


def takes_part(folder: str | None, title: str, options: PhotosetPlanOptions) -> bool:
    """Does this folder/title take part in photosets under include/exclude?"""
    if _hits(options.exclude, folder, title):
        return False
    return not options.include or _hits(options.include, folder, title)


# --- binding folders to sets -----------------------------------------------------------------


def _folders_of(picture: LocalPicture) -> set[str]:
    return {unicodedata.normalize("NFC", p.folder) for p in picture.paths}


def bind_sets(
    local: Sequence[LocalPicture],
    match: MatchResult,
    sets: Sequence[RemoteSet],
    options: PhotosetPlanOptions,
) -> FolderSets:
    """Decide which managed set stands for which folder (titles, the 0.1.1 root set, renames)."""
    photo_of = match.photo_of()
    folders: set[str] = set()
    desired: dict[str, set[PhotoId]] = defaultdict(set)
    for picture in local:
        pid = photo_of.get(picture.content_id)
        for folder in _folders_of(picture):
            folders.add(folder)
            if pid is not None:
                desired[folder].add(pid)
    titles = assign_titles(folders - {ROOT}, options.separator)
    folder_by_title = {title: folder for folder, title in titles.items()}
    participating = {f for f, t in titles.items() if takes_part(f, t, options)}

    by_id = {s.photoset.id: s for s in sets}
    managed: set[PhotosetId] = set()
    for s in sets:
        key = clean_title(s.photoset.title)
        its_folder = folder_by_title.get(key)
        if _hits(options.exclude, its_folder, key):
            continue
        if is_tool_made(s.photoset):
            if not options.include or _hits(options.include, its_folder, key):
                managed.add(s.photoset.id)
        elif options.include and _hits(options.include, None, key):
            managed.add(s.photoset.id)

    # 1. By title: each participating folder takes the managed set with its title (several: the
    #    one sharing most photos with the folder, then the oldest id).
    sets_by_key: dict[str, list[RemoteSet]] = defaultdict(list)
    for sid in managed:
        sets_by_key[clean_title(by_id[sid].photoset.title)].append(by_id[sid])
    bound: dict[PhotosetId, str] = {}
    for folder in sorted(participating):
        want = desired.get(folder, set())
        candidates = sorted(
            sets_by_key.get(titles[folder], ()),
            key=lambda s: (-len(want.intersection(s.photo_ids)), _id_order(s.photoset.id)),
        )
        if candidates:
            bound[candidates[0].photoset.id] = folder
    # 0.1.1's root set keeps tracking the root's pictures (unless a real folder has that title).
    if ROOT in folders and LEGACY_ROOT_SET_TITLE not in folder_by_title:
        legacy = [
            s
            for s in sorted(
                sets_by_key.get(LEGACY_ROOT_SET_TITLE, ()), key=lambda s: _id_order(s.photoset.id)
            )
            if s.photoset.id not in bound and is_tool_made(s.photoset)
        ]
        if legacy:
            bound[legacy[0].photoset.id] = ROOT
            participating.add(ROOT)

    # 2. Renames: a tool-made set whose folder is gone, and a new folder holding most of its photos.
    matched = match.picture_of()
    unbound = [
        by_id[sid]
        for sid in sorted(managed, key=_id_order)
        if sid not in bound and is_tool_made(by_id[sid].photoset)
    ]
    with_set = set(bound.values())
    new_folders = [f for f in sorted(participating) if f not in with_set and desired.get(f)]
    pairs: list[tuple[int, tuple[int, str], str, PhotosetId]] = []
    for s in unbound:
        known = {p for p in s.photo_ids if p in matched}
        if not known:
            continue
        for folder in new_folders:
            want = desired[folder]
            overlap = len(known & want)
            if overlap * 2 > len(want) and overlap * 2 > len(known):
                pairs.append((-overlap, _id_order(s.photoset.id), folder, s.photoset.id))
    renamed: dict[PhotosetId, str] = {}
    for _, _, folder, sid in sorted(pairs):
        if sid in bound or folder in with_set:
            continue
        bound[sid] = folder
        with_set.add(folder)
        renamed[sid] = titles[folder]

    return FolderSets(
        titles=titles,
        participating=frozenset(participating),
        bound=bound,
        renamed=renamed,
        managed=frozenset(managed),
        desired={f: frozenset(p) for f, p in desired.items()},
    )


def _id_order(an_id: str) -> tuple[int, str]:
    return (len(an_id), an_id)


# --- membership changes ----------------------------------------------------------------------


def _date_order(remote: Mapping[PhotoId, RemotePhoto]) -> Callable[[PhotoId], tuple[str, int, str]]:
    def key(pid: PhotoId) -> tuple[str, int, str]:
        photo = remote.get(pid)
        date = exact_date(photo.date_taken) if photo is not None else None
        return (date or "9999-99-99 99:99:99", len(pid), pid)

    return key


def _sync_members(
    s: RemoteSet,
    title: str,
    new_members: list[PhotoId],
    options: PhotosetPlanOptions,
    order: Callable[[PhotoId], tuple[str, int, str]],
) -> list[SetAction]:
    """Actions taking set ``s`` from its current members to ``new_members`` (not empty)."""
    current = list(s.photo_ids)
    present = set(current)
    wanted = set(new_members)
    if options.order_by_date:
        target = sorted(wanted, key=order)
    else:
        target = [p for p in current if p in wanted] + sorted(wanted - present, key=order)
    primary = s.photoset.primary if s.photoset.primary in wanted else target[0]
    if target == current and primary == s.photoset.primary:
        return []
    adds = [p for p in target if p not in present]
    removes = [p for p in current if p not in wanted]
    after_simple = [p for p in current if p in wanted] + adds
    simple_ok = primary == s.photoset.primary and (not options.order_by_date or after_simple == target)
    sid = s.photoset.id
    if simple_ok and len(adds) + len(removes) <= 1:
        simple: list[SetAction] = [AddToSet(sid, p, title) for p in adds]
        simple.extend(RemoveFromSet(sid, p, title) for p in removes)
        return simple
    return [EditSetPhotos(sid, title, primary, tuple(target), tuple(adds), tuple(removes))]


def plan_photosets(
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    match: MatchResult,
    sets: Sequence[RemoteSet],
    options: PhotosetPlanOptions = PhotosetPlanOptions(),
    *,
    pools_done: Collection[tuple[PhotoId, Nsid]] = (),
    mode: SyncMode = "sync",
) -> Plan:
    """Set and group actions that make the managed photosets mirror the folders. Pure.

    Run it on the state *after* uploads and downloads (new photos need their ids); for a dry run,
    :func:`flickrsync.planner.preview_after_transfers` gives that state with stand-in ids.
    """
    if not match.complete:
        raise ValueError("plan_photosets needs a complete match (MatchResult.needs must be empty)")
    binding = bind_sets(local, match, sets, options)
    photos = {r.id: r for r in remote}
    order = _date_order(photos)
    matched = match.picture_of()
    by_id = {s.photoset.id: s for s in sets}
    actions: list[SetAction] = []

    for sid in sorted(binding.managed, key=_id_order):
        s = by_id[sid]
        folder = binding.bound.get(sid)
        title = binding.renamed.get(sid, s.photoset.title)
        if sid in binding.renamed:
            actions.append(EditSetMeta(sid, s.photoset.title, title, s.photoset.description))
        want = binding.desired.get(folder, frozenset()) if folder is not None else frozenset()
        # Keep what the library does not know elsewhere; add what the folder holds.
        keep = [p for p in s.photo_ids if p not in matched or p in want]
        new_members = list(dict.fromkeys([*keep, *sorted(want - set(keep), key=order)]))
        if not new_members:
            if folder is None and options.prune and is_tool_made(s.photoset):
                actions.append(DeleteSet(sid, title))
                continue
            if not s.photo_ids:
                continue
            last = s.photoset.primary if s.photoset.primary in s.photo_ids else s.photo_ids[0]
            new_members = [last]
        actions.extend(_sync_members(s, title, new_members, options, order))

    bound_folders = set(binding.bound.values())
    # A folder sync2 made for someone else's set (named after it, holding its photos) is that
    # set's copy on disk: it needs no set of its own with the same title.
    others: dict[str, list[frozenset[PhotoId]]] = defaultdict(list)
    for s in sets:
        if s.photoset.id not in binding.managed:
            others[clean_title(s.photoset.title)].append(frozenset(s.photo_ids))
    for folder in sorted(binding.participating - bound_folders):
        folder_photos = binding.desired.get(folder)
        if not folder_photos:
            continue
        if any(folder_photos <= members for members in others.get(clean_title(binding.titles[folder]), ())):
            continue
        members = tuple(sorted(folder_photos, key=order))
        actions.append(
            CreateSet(
                title=binding.titles[folder],
                description=SET_MARKER,
                folder=folder,
                primary=members[0],
                photo_ids=members,
            )
        )

    actions.extend(_group_actions(local, match, options, pools_done))
    return Plan(mode=mode, actions=tuple(actions), summary=summarize_sets(actions))


def _group_actions(
    local: Sequence[LocalPicture],
    match: MatchResult,
    options: PhotosetPlanOptions,
    pools_done: Collection[tuple[PhotoId, Nsid]],
) -> list[AddToGroup]:
    if not options.groups:
        return []
    done = set(pools_done)
    photo_of = match.photo_of()
    by_folder: dict[str, set[PhotoId]] = defaultdict(set)
    for picture in local:
        pid = photo_of.get(picture.content_id)
        if pid is not None:
            for folder in _folders_of(picture):
                by_folder[folder].add(pid)
    actions: list[AddToGroup] = []
    for pattern, group in options.groups:
        for folder in sorted(by_folder):
            if not any(fnmatchcase(a, pattern) for a in folder_ancestors(folder)):
                continue
            for pid in sorted(by_folder[folder], key=_id_order):
                if (pid, group) in done:
                    continue
                done.add((pid, group))
                actions.append(AddToGroup(pid, group, folder))
    return actions


def summarize_sets(actions: Iterable[SetAction]) -> PlanSummary:
    """Counts and write calls of photoset/group actions."""
    created = renamed = deleted = added = removed = reordered = groups = calls = 0
    for action in actions:
        calls += action.calls
        if isinstance(action, CreateSet):
            created += 1
            added += len(action.photo_ids)
        elif isinstance(action, EditSetMeta):
            renamed += 1
        elif isinstance(action, DeleteSet):
            deleted += 1
        elif isinstance(action, AddToSet):
            added += 1
        elif isinstance(action, RemoveFromSet):
            removed += 1
        elif isinstance(action, EditSetPhotos):
            added += len(action.added)
            removed += len(action.removed)
            if not action.added and not action.removed:
                reordered += 1
        elif isinstance(action, AddToGroup):
            groups += 1
    return PlanSummary(
        sets_created=created,
        sets_renamed=renamed,
        sets_deleted=deleted,
        photos_added=added,
        photos_removed=removed,
        sets_reordered=reordered,
        group_adds=groups,
        write_calls=calls,
    )
