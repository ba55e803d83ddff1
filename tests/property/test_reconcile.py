"""Properties of the scanner's pure decision, :func:`flickrsync.scanner.reconcile`.

An index (files with their stat and problem kind, folder manifests that are right or dropped) and
a disk (the same files, some changed, moved, hard-linked, gone, new; folders that could not be
listed) are drawn from small pools, so that coincidences (a moved file, two links to one inode, a
stat that equals another file's) are common. An in-memory model answers what reconcile asks, as
the index would; an oracle written from the rules, file by file, says what the outcome must be.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from flickrsync import statkey
from flickrsync.models import StatTuple
from flickrsync.scanner import Held, Needs, Reconciliation, Seen, reconcile

ROOTS = (1, 2)  # scanned
OTHER = 3  # in the index, no longer scanned
FOLDERS = (b"", b"a", b"a/b", b"c")
NAMES = (b"x.jpg", b"y.jpg", b"z.jpg")
RETRIED = ("unreadable", "changing")
#: Examples per property; raise it for a long hunt (FLICKRSYNC_HYPOTHESIS_EXAMPLES=20000).
EXAMPLES = int(os.environ.get("FLICKRSYNC_HYPOTHESIS_EXAMPLES", "150"))

Path = tuple[int, bytes]


def _join(folder: bytes, name: bytes) -> bytes:
    return folder + b"/" + name if folder else name


def _split(relpath: bytes) -> tuple[bytes, bytes]:
    folder, _, name = relpath.rpartition(b"/")
    return folder, name


def _under(folder: bytes, top: bytes) -> bool:
    return not top or folder == top or folder.startswith(top + b"/")


def _parents(folder: bytes) -> list[bytes]:
    out = [b""]
    parts = folder.split(b"/") if folder else []
    for i in range(1, len(parts) + 1):
        out.append(b"/".join(parts[:i]))
    return out


@dataclass(frozen=True)
class Row:
    id: int
    stat: StatTuple
    kind: str | None


@dataclass(frozen=True)
class World:
    index: dict[Path, Row]
    #: Folders the index knows per scanned root, with a right manifest or None (dropped).
    manifests: dict[int, dict[bytes, bytes | None]]
    disk: dict[Path, StatTuple]
    unlisted: tuple[Path, ...]

    def seen(self) -> Seen:
        existing = {(rid, parent) for rid, rel in self.disk for parent in _parents(_split(rel)[0])}
        existing |= {(rid, b"") for rid in ROOTS}
        listed = sorted(
            (rid, folder)
            for rid, folder in existing
            if not any(u == rid and _under(folder, top) for u, top in self.unlisted)
        )
        folders = []
        for rid, folder in listed:
            entries = [
                statkey.entry_of(_split(rel)[1], stat)
                for (r, rel), stat in self.disk.items()
                if r == rid and _split(rel)[0] == folder
            ]
            folders.append((rid, folder, entries))
        return Seen(folders=folders, unlisted=self.unlisted)

    def visible(self) -> dict[Path, StatTuple]:
        """What the walk saw: the disk, less what is under a folder that could not be listed."""
        return {
            (rid, rel): stat
            for (rid, rel), stat in self.disk.items()
            if not any(u == rid and _under(_split(rel)[0], top) for u, top in self.unlisted)
        }


#: Stats from a small pool (coincidences are common); times from before 1677 to after 2262.
STATS = st.tuples(
    st.just(7),
    st.integers(1, 5),
    st.sampled_from([10, 20]),
    st.sampled_from([-(2**70), -(2**40), 5, 10_413_792_000 * 10**9]),
)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    paths = [(rid, _join(f, n)) for rid in (*ROOTS, OTHER) for f in FOLDERS for n in NAMES]
    index: dict[Path, Row] = {}
    for i, path in enumerate(draw(st.lists(st.sampled_from(paths), unique=True, max_size=12))):
        kind = draw(st.sampled_from([None, None, None, "media", "unreadable", "changing"]))
        index[path] = Row(i + 1, draw(STATS), kind)
    manifests: dict[int, dict[bytes, bytes | None]] = {rid: {} for rid in ROOTS}
    known = {(rid, _split(rel)[0]) for rid, rel in index if rid in ROOTS}
    known |= {
        (rid, f) for rid, f in draw(st.sets(st.tuples(st.sampled_from(ROOTS), st.sampled_from(FOLDERS))))
    }
    for rid, folder in known:
        inside = {
            _split(rel)[1]: row for (r, rel), row in index.items() if r == rid and _split(rel)[0] == folder
        }
        right = None
        if not any(row.kind in RETRIED for row in inside.values()):
            right = statkey.manifest_of({name: row.stat for name, row in inside.items()})
        manifests[rid][folder] = right if draw(st.booleans()) else None
    disk: dict[Path, StatTuple] = {}
    for (rid, rel), row in index.items():
        if rid in ROOTS:
            fate = draw(st.sampled_from(["same", "same", "same", "changed", "gone", "moved"]))
            if fate == "same":
                disk[(rid, rel)] = row.stat
            elif fate == "changed":
                disk[(rid, rel)] = draw(STATS)
            elif fate == "moved":
                disk[(draw(st.sampled_from(ROOTS)), draw(st.sampled_from(paths))[1])] = row.stat
    for path in draw(st.lists(st.sampled_from([p for p in paths if p[0] in ROOTS]), max_size=4)):
        disk[path] = draw(STATS)
    unlisted = tuple(draw(st.lists(st.tuples(st.sampled_from(ROOTS), st.sampled_from(FOLDERS)), max_size=2)))
    return World(index, manifests, disk, unlisted)


# --- the model index: answers what reconcile asks ------------------------------------------


def answer(world: World, needs: Needs, held: Held, *, generous: bool = False) -> Held:
    """As :func:`flickrsync.scanner.fetch` answers from the index; ``generous`` answers more than
    was asked (every folder, every row, every stat), which must do no harm."""
    index = world.index

    def folder_stats(rid: int, folder: bytes) -> dict[bytes, StatTuple | None]:
        return {
            _split(rel)[1]: None if row.kind in RETRIED else row.stat
            for (r, rel), row in index.items()
            if r == rid and _split(rel)[0] == folder
        }

    folders, rows, by_stat = held.folders, held.rows, held.by_stat
    if folders is None:
        asked = needs.folders
        if generous and needs.folders:
            asked = frozenset((rid, f) for rid in ROOTS for f in FOLDERS) | needs.folders
        folders = {key: folder_stats(*key) for key in asked}
    if needs.paths or needs.stats or needs.roots:
        rows = {
            path: (row.id, *row.stat, row.kind)
            for path, row in index.items()
            if generous or path in needs.paths or path[0] in needs.roots
        }
        by_stat = {}
        for row in sorted(index.values(), key=lambda r: r.id):
            if row.kind is None and (generous or row.stat in needs.stats):
                by_stat.setdefault(row.stat, row.id)
    return Held(held.manifests, held.other_roots, folders, rows, by_stat)


def run(
    world: World, answering: Callable[[World, Needs, Held], Held] = answer
) -> tuple[Reconciliation, list[Needs]]:
    held = Held(manifests=world.manifests, other_roots=frozenset(r for r, _ in world.index if r not in ROOTS))
    seen = world.seen()
    asked: list[Needs] = []
    result = reconcile(seen, held)
    while result.needs:
        assert len(asked) < 2, f"asked a third time: {[*asked, result.needs]}"
        asked.append(result.needs)
        held = answering(world, result.needs, held)
        result = reconcile(seen, held)
    return result, asked


def _outcome(result: Reconciliation) -> tuple[object, ...]:
    """Everything but which folders get their manifest rebuilt."""
    return (
        result.unchanged,
        sorted(result.copies),
        sorted(result.read),
        {k: sorted(v) for k, v in result.same_as.items()},
        dict(result.replaced),
        sorted(result.gone),
        {k: sorted(v) for k, v in result.gone_dirs.items()},
        result.forget_roots,
    )


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(worlds())
def test_every_file_seen_has_exactly_one_fate_by_the_rules(world: World) -> None:
    result, asked = run(world)
    index, visible = world.index, world.visible()
    usable: dict[StatTuple, set[int]] = {}
    for row in index.values():
        if row.kind is None:
            usable.setdefault(row.stat, set()).add(row.id)

    unchanged = {
        path
        for path, stat in visible.items()
        if path in index and index[path].stat == stat and index[path].kind not in RETRIED
    }
    assert result.unchanged == len(unchanged)
    copied = {(rid, rel): source for source, rid, rel in result.copies}
    read = {(f[0], f[1]): f[2:] for f in result.read}
    linked = {path: stat for stat, paths in result.same_as.items() for path in paths}
    fates = [set(copied), set(read), set(linked), unchanged]
    assert sum(len(f) for f in fates) == len(visible)
    assert set().union(*fates) == set(visible)

    for path, source in copied.items():  # moved, renamed, hard-linked: taken without reading
        assert source in usable.get(visible[path], set())
        assert source != (index[path].id if path in index else None)
    for path, stat in read.items():  # read: no usable file has its stat
        assert stat == visible[path]
        assert not usable.get(stat)
    assert len(set(read.values())) == len(read)  # one read per stat …
    for path, stat in linked.items():  # … its other paths get that read's result
        assert stat in read.values()
        assert visible[path] == stat
    assert dict(result.replaced) == {p: index[p].id for p in (*read, *linked) if p in index}

    def hidden(rid: int, rel: bytes) -> bool:  # under a folder that could not be listed
        return any(u == rid and _under(_split(rel)[0], top) for u, top in world.unlisted)

    gone = {
        row.id
        for (rid, rel), row in index.items()
        if rid not in ROOTS or ((rid, rel) not in visible and not hidden(rid, rel))
    }
    assert set(result.gone) == gone
    assert result.forget_roots == frozenset(r for r, _ in index if r not in ROOTS)

    seen_folders = {(rid, folder) for rid, folder, _files in world.seen().folders}
    gone_dirs = {(rid, f) for rid, folders in result.gone_dirs.items() for f in folders}
    assert gone_dirs == {
        (rid, f)
        for rid, manifests in world.manifests.items()
        for f in manifests
        if (rid, f) not in seen_folders and not any(u == rid and _under(f, t) for u, t in world.unlisted)
    }
    refreshed = {(rid, f) for rid, folders in result.refresh.items() for f in folders}
    assert refreshed <= seen_folders
    vanished = {p for p in index if p[0] in ROOTS and p not in visible and not hidden(*p)}
    for rid, rel in (set(visible) - unchanged) | vanished:  # a folder with a change: new manifest
        folder = _split(rel)[0]
        assert (rid, folder) in refreshed or (rid, folder) in gone_dirs
    # The index is asked for nothing twice, and for nothing at all when nothing changed.
    assert not asked or all(asked)
    if not asked:
        assert (result.copies, result.read, result.gone) == ((), (), ())


@settings(max_examples=EXAMPLES, deadline=None)
@given(worlds())
def test_manifests_only_save_work(world: World) -> None:
    """Dropping every manifest (compare every folder file by file) changes nothing but which
    folders get their manifest rebuilt; so does an index that answers more than it is asked."""
    result, _ = run(world)
    dropped = World(
        world.index,
        {rid: dict.fromkeys(folders) for rid, folders in world.manifests.items()},
        world.disk,
        world.unlisted,
    )
    slow, _ = run(dropped)
    assert _outcome(slow) == _outcome(result)
    seen_folders = {(rid, folder) for rid, folder, _files in world.seen().folders}
    assert {(rid, f) for rid, folders in slow.refresh.items() for f in folders} == seen_folders
    generous, _ = run(world, lambda w, n, h: answer(w, n, h, generous=True))
    assert _outcome(generous) == _outcome(result)


@settings(max_examples=max(1, EXAMPLES // 3), deadline=None)
@given(worlds())
def test_an_unchanged_disk_is_decided_in_one_call(world: World) -> None:
    """The disk as the index says, every manifest right, no root dropped: no question asked."""
    index = {p: row for p, row in world.index.items() if p[0] in ROOTS and row.kind not in RETRIED}
    manifests: dict[int, dict[bytes, bytes | None]] = {rid: {} for rid in ROOTS}
    for rid, rel in index:
        for parent in _parents(_split(rel)[0]):
            manifests[rid].setdefault(parent, b"")
    for rid in ROOTS:
        manifests[rid].setdefault(b"", b"")
        for folder in manifests[rid]:
            manifests[rid][folder] = statkey.manifest_of(
                {
                    _split(rel)[1]: row.stat
                    for (r, rel), row in index.items()
                    if r == rid and _split(rel)[0] == folder
                }
            )
    same = World(index, manifests, {p: row.stat for p, row in index.items()}, ())
    result, asked = run(same)
    assert asked == []
    assert result.unchanged == len(index)
    assert (result.copies, result.read, result.gone, dict(result.refresh)) == ((), (), (), {})


def test_needs_is_false_only_when_empty() -> None:
    assert not Needs()
    assert Needs(roots=frozenset({3}))
    assert Needs(stats=frozenset({(1, 2, 3, 4)}))
