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
  Pictures directly in the root belong to the set titled ``root_set`` (config ``root_photoset``;
  none when empty). flickrsync 0.1.1 put them in a set titled ``flickrsync``: that is the default
  for an index adopted from 0.1.1 (:func:`root_set_title`), and its set is found by its exact title
  (0.1.1's folder sets start with a space, its root set does not).
* Which set stands for which folder is remembered (:class:`SetMemory`, kept by the index): a set
  once bound to a folder, or whose photos sync2 downloaded into a folder, stays bound to it
  whatever its title or the folder's safe name; only sets and folders not linked yet are paired
  by title.
* Titles are compared by a key: NFC, control characters dropped, runs of white space as one
  space, trimmed — so 0.1.1's titles with a leading space (``" 2014, Holiday"``) are adopted.
  Folders whose titles collide after flattening (``a, b`` and ``a/b``) get distinct titles: the
  first in code-point order keeps it, the next gets `` (2)`` and so on.
* Sets flickrsync creates carry :data:`~flickrsync.models.SET_MARKER` in their description (0.1.1
  wrote the same). Only those are *managed* — plus sets the user names in ``include`` (by title).
  ``exclude`` (folders or titles, globs; a folder pattern covers its subfolders) takes precedence,
  and a non-empty ``include`` restricts which folders take part.
* Membership: a managed set gets every matched photo whose picture is in its folder, and loses a
  member only when this library held that photo's picture in the set's folder at the last run
  (:attr:`SetMemory.placed`) and now holds it elsewhere: a move made here. A photo placed in one
  folder by a download, a set this library has no folder for (made on another machine), a first
  run after an upgrade or a restore: nothing leaves a set. Photos the library does not have
  (Flickr only, duplicates, undecided) are left where they are.
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
    """Configuration of the photoset step (config.ini keys ``photoset_*``, ``root_photoset``,
    ``groups``; ``--prune``)."""

    separator: str = ", "
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    groups: tuple[tuple[str, Nsid], ...] = ()
    prune: bool = False
    order_by_date: bool = True
    #: Title of the set holding the pictures directly in the root; "" = no set.
    root_set: str = ""


def root_set_title(configured: str | None, adopted_011: bool) -> str:
    """The set for the root's pictures: ``root_photoset`` when config.ini sets it (empty: none),
    else flickrsync 0.1.1's ``flickrsync`` for an index adopted from 0.1.1, else none."""
    if configured is not None:
        return clean_title(configured)
    return LEGACY_ROOT_SET_TITLE if adopted_011 else ""


@dataclass(frozen=True)
class SetMemory:
    """What the index remembers of the photoset step between runs."""

    #: Set id -> the library folder it stands for in this library (``""``: the root).
    links: Mapping[PhotosetId, str] = field(default_factory=dict)
    #: Set id -> its photos whose pictures this library held in that folder after the last step.
    placed: Mapping[PhotosetId, frozenset[PhotoId]] = field(default_factory=dict)


#: Nothing remembered yet (a new index, or a test that needs no memory).
NO_MEMORY = SetMemory()


@dataclass(frozen=True, slots=True)
class SetLink:
    """Remember that set ``photoset_id`` stands for ``folder`` here, ``placed`` of its photos in it
    (None: leave what is remembered of its photos as it is)."""

    photoset_id: PhotosetId
    folder: str
    placed: frozenset[PhotoId] | None = None


@dataclass(frozen=True)
class SetStep:
    """The photoset step: the plan, and what to remember once it has run (sets whose link or
    placed photos change; a set the plan creates is remembered by whoever creates it)."""

    plan: Plan
    remember: tuple[SetLink, ...] = ()


@dataclass(frozen=True)
class FolderSets:
    """Which folder each managed set stands for (the outcome of :func:`bind_sets`)."""

    #: Every folder holding pictures -> its set title (collisions already made distinct).
    titles: Mapping[str, str]
    #: Folders that take part in photosets (include/exclude applied).
    participating: frozenset[str]
    #: Managed set id -> its folder (``""`` = the root, for the root set).
    bound: Mapping[PhotosetId, str]
    #: Managed set id -> the new title, for sets whose folder was renamed.
    renamed: Mapping[PhotosetId, str]
    #: Sets this run may change: tool-made or included, not excluded.
    managed: frozenset[PhotosetId]
    #: Folder -> matched photos whose picture is in it (the desired membership).
    desired: Mapping[str, frozenset[PhotoId]] = field(default_factory=dict)
    #: Folders that are a copy of a set flickrsync does not manage (sync2 downloaded it there).
    covered: frozenset[str] = frozenset()
    #: Every folder holding pictures (the root too).
    folders: frozenset[str] = frozenset()


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
    memory: SetMemory = NO_MEMORY,
) -> FolderSets:
    """Decide which managed set stands for which folder: remembered links first, then titles
    (the root set by its exact title), then renames."""
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
    if options.root_set and ROOT in folders:
        titles[ROOT] = options.root_set
    folder_by_title = {title: folder for folder, title in titles.items() if folder != ROOT}
    participating = {f for f, t in titles.items() if takes_part(f, t, options)}

    by_id = {s.photoset.id: s for s in sets}
    links = {sid: folder for sid, folder in memory.links.items() if sid in by_id}
    managed: set[PhotosetId] = set()
    for s in sets:
        key = clean_title(s.photoset.title)
        its_folder = links.get(s.photoset.id, folder_by_title.get(key))
        if _hits(options.exclude, its_folder, key):
            continue
        if is_tool_made(s.photoset):
            if not options.include or _hits(options.include, its_folder, key):
                managed.add(s.photoset.id)
        elif options.include and _hits(options.include, None, key):
            managed.add(s.photoset.id)

    bound: dict[PhotosetId, str] = {}
    with_set: set[str] = set()

    def bind(sid: PhotosetId, folder: str) -> None:
        bound[sid] = folder
        with_set.add(folder)

    # 1. Remembered links: a set stays with its folder, whatever either is called now.
    for sid in sorted(managed, key=_id_order):
        linked = links.get(sid)
        if linked is not None and linked in participating and linked not in with_set:
            bind(sid, linked)
    # A set linked to another folder that is still here is that folder's, not up for grabs.
    free = [sid for sid in managed if sid not in bound and links.get(sid) not in folders]

    # 2. Titles. The root first, by the set's exact title (0.1.1's root set is "flickrsync", its
    #    folder sets " 2014, Holiday"), then each folder by the title key; several candidates:
    #    the one sharing most photos with the folder, then the oldest id.
    by_exact: dict[str, list[PhotosetId]] = defaultdict(list)
    by_key: dict[str, list[PhotosetId]] = defaultdict(list)
    for sid in free:
        by_exact[by_id[sid].photoset.title].append(sid)
        by_key[clean_title(by_id[sid].photoset.title)].append(sid)

    def candidates(folder: str, exact: bool) -> list[RemoteSet]:
        want = desired.get(folder, set())
        found = [
            by_id[sid] for sid in (by_exact if exact else by_key).get(titles[folder], ()) if sid not in bound
        ]
        return sorted(found, key=lambda s: (-len(want.intersection(s.photo_ids)), _id_order(s.photoset.id)))

    if ROOT in participating and ROOT not in with_set:
        found = candidates(ROOT, exact=True)
        if not found and titles[ROOT] not in folder_by_title:  # no folder competes for the title
            found = candidates(ROOT, exact=False)
        if found:
            bind(found[0].photoset.id, ROOT)
    for folder in sorted(participating - with_set - {ROOT}):
        found = candidates(folder, exact=False)
        if found:
            bind(found[0].photoset.id, folder)

    # 3. Renames: a tool-made set whose folder is gone, and a new folder holding most of its photos.
    unbound = [
        by_id[sid]
        for sid in sorted(free, key=_id_order)
        if sid not in bound and is_tool_made(by_id[sid].photoset)
    ]
    matched = match.picture_of() if unbound else {}  # a pass over every match: only when asked
    new_folders = [f for f in sorted(participating) if f not in with_set and f != ROOT and desired.get(f)]
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
        bind(sid, folder)
        renamed[sid] = titles[folder]

    # Folders that are the copy of a set of someone else's (sync2 downloaded them there): linked
    # to it, or named after it, and holding nothing but its photos.
    by_link: dict[str, list[frozenset[PhotoId]]] = defaultdict(list)
    by_title: dict[str, list[frozenset[PhotoId]]] = defaultdict(list)
    for s in sets:
        if s.photoset.id not in managed:
            if s.photoset.id in links:
                by_link[links[s.photoset.id]].append(frozenset(s.photo_ids))
            by_title[clean_title(s.photoset.title)].append(frozenset(s.photo_ids))
    covered = {
        folder
        for folder in participating - with_set
        if any(
            desired.get(folder, frozenset()) <= members
            for members in (*by_link.get(folder, ()), *by_title.get(titles[folder], ()))
        )
    }

    return FolderSets(
        titles=titles,
        participating=frozenset(participating),
        bound=bound,
        renamed=renamed,
        managed=frozenset(managed),
        desired={f: frozenset(p) for f, p in desired.items()},
        covered=frozenset(covered),
        folders=frozenset(folders),
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
    memory: SetMemory = NO_MEMORY,
    pools_done: Collection[tuple[PhotoId, Nsid]] = (),
    mode: SyncMode = "sync",
) -> Plan:
    """The plan of :func:`photoset_step` (a preview, or a test that needs no memory)."""
    return photoset_step(
        local, remote, match, sets, options, memory=memory, pools_done=pools_done, mode=mode
    ).plan


def photoset_step(
    local: Sequence[LocalPicture],
    remote: Sequence[RemotePhoto],
    match: MatchResult,
    sets: Sequence[RemoteSet],
    options: PhotosetPlanOptions = PhotosetPlanOptions(),
    *,
    memory: SetMemory = NO_MEMORY,
    pools_done: Collection[tuple[PhotoId, Nsid]] = (),
    mode: SyncMode = "sync",
) -> SetStep:
    """Set and group actions that make the managed photosets mirror the folders, and what to
    remember of them. Pure.

    Run it on the state *after* uploads and downloads (new photos need their ids); for a dry run,
    :func:`flickrsync.preview.preview_after_transfers` gives that state with stand-in ids.
    """
    if not match.complete:
        raise ValueError("plan_photosets needs a complete match (MatchResult.needs must be empty)")
    binding = bind_sets(local, match, sets, options, memory)
    photos = {r.id: r for r in remote}
    order = _date_order(photos)
    matched = match.picture_of()
    by_id = {s.photoset.id: s for s in sets}
    actions: list[SetAction] = []
    remember: list[SetLink] = []

    for sid in sorted(binding.managed, key=_id_order):
        s = by_id[sid]
        folder = binding.bound.get(sid)
        title = binding.renamed.get(sid, s.photoset.title)
        if sid in binding.renamed:
            actions.append(EditSetMeta(sid, s.photoset.title, title, s.photoset.description))
        want = binding.desired.get(folder, frozenset()) if folder is not None else frozenset()
        placed = memory.placed.get(sid, frozenset())
        if folder is None and memory.links.get(sid) in binding.folders:
            placed = frozenset()  # its folder is here but takes no part (excluded): left alone
        # A member leaves only when this library moved its picture out of the set's folder.
        keep = [p for p in s.photo_ids if p not in matched or p in want or p not in placed]
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
        linked = folder if folder is not None else memory.links.get(sid)
        if linked is not None:
            now = want | (placed & set(new_members))
            if linked != memory.links.get(sid) or now != placed:
                remember.append(SetLink(sid, linked, frozenset(now)))

    for folder in sorted(binding.participating - set(binding.bound.values()) - binding.covered):
        folder_photos = binding.desired.get(folder)
        if not folder_photos:
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
    plan = Plan(mode=mode, actions=tuple(actions), summary=summarize_sets(actions))
    return SetStep(plan, tuple(remember))


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
