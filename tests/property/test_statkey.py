"""The stored stat key and folder manifest (:mod:`flickrsync.statkey`): any stat a file system
can give round-trips, and equal manifests mean equal folders."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from flickrsync import statkey

U64 = st.integers(0, 2**64 - 1)
#: Any file time: a file system's seconds are a signed 64-bit number, times 10**9.
MTIME_NS = st.integers(-(2**63) * 10**9, (2**63 - 1) * 10**9 + 999_999_999)
STATS = st.tuples(U64, U64, st.integers(0, 2**63 - 1), MTIME_NS)
NAMES = st.binary(min_size=1, max_size=6).filter(lambda b: b"\0" not in b and b"/" not in b)


@given(STATS)
def test_any_stat_round_trips_in_a_fixed_size(stat: tuple[int, int, int, int]) -> None:
    key = statkey.encode(stat)
    assert len(key) == statkey.KEY_SIZE == 36
    assert statkey.decode(key) == stat


@given(st.tuples(U64, U64, st.integers(0, 2**63 - 1), st.integers(-(2**63), 2**63 - 1)))
def test_a_key_of_the_first_format_upgrades_to_the_same_stat(stat: tuple[int, int, int, int]) -> None:
    old = struct.pack("<QQqq", *stat)  # before migration 0002
    assert statkey.decode(statkey.upgrade_v1(old)) == stat
    assert statkey.upgrade_v1(old) == statkey.encode(stat)


@given(st.dictionaries(NAMES, STATS, max_size=5), st.dictionaries(NAMES, STATS, max_size=5))
def test_equal_manifests_mean_equal_folders(
    a: dict[bytes, tuple[int, int, int, int]], b: dict[bytes, tuple[int, int, int, int]]
) -> None:
    assert (statkey.manifest_of(a) == statkey.manifest_of(b)) == (a == b)
    assert statkey.manifest_of(dict(reversed(list(a.items())))) == statkey.manifest_of(a)


@given(st.dictionaries(NAMES, STATS, min_size=1, max_size=5), st.data())
def test_one_changed_stat_changes_the_manifest(
    files: dict[bytes, tuple[int, int, int, int]], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(files)))
    other = data.draw(STATS.filter(lambda s: s != files[name]))
    assert statkey.manifest_of({**files, name: other}) != statkey.manifest_of(files)


@given(NAMES, STATS)
def test_an_entry_splits_into_its_name_and_stat(name: bytes, stat: tuple[int, int, int, int]) -> None:
    assert statkey.split(statkey.entry_of(name, stat)) == (name, stat)


def test_the_walks_entry_of_a_stat_result_is_the_entry_of_its_stat(tmp_path: Path) -> None:
    """The walk packs ``os.stat_result`` itself (its hot path); the index packs tuples."""
    path = tmp_path / "a.jpg"
    path.write_bytes(b"x")
    for ns in (10_413_792_000 * 10**9, -2_147_472_000 * 10**9, -1, 1_700_000_000_123_456_789):
        os.utime(path, ns=(ns, ns))
        st = os.stat(path)
        stat = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        assert statkey.entry(b"a.jpg", st) == statkey.entry_of(b"a.jpg", stat)
        assert statkey.manifest([statkey.entry(b"a.jpg", st)]) == statkey.manifest_of({b"a.jpg": stat})
