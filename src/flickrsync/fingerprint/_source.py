"""Random access to a file's bytes for the format parsers, read once.

A :class:`Source` is what every format parser of the fingerprint package works on. Two kinds:

* :class:`BufferSource` holds the whole file in memory (one ``read`` of the open stream). This is
  the normal case: pictures are a few MB, every byte is read exactly once, and the image data is fed
  to ``hashlib`` as zero-copy ``memoryview`` slices.
* :class:`StreamSource` reads through the stream on demand (seek + read in blocks of
  :data:`BLOCK`), for files larger than :data:`INMEMORY_LIMIT` such as videos. Memory stays bounded
  whatever the file size.

No ``mmap``: a file truncated by another program while it is mapped kills the process with SIGBUS,
and the scanner must survive files that change under it.

The JPEG scan search (:meth:`Source.find_scan_marker`) is vectorised with numpy: it is the one place
where every byte of the image data has to be inspected, and a Python loop over the ~15,000 ``FF``
bytes of a 12-MP JPEG would cost more than hashing the file.
"""

from __future__ import annotations

import io
import re
import threading
from typing import BinaryIO, Protocol

import numpy as np

#: Files up to this size are read into memory in one go; larger ones are streamed.
INMEMORY_LIMIT = 64 * 1024 * 1024
#: Read size when streaming (hashing ranges, scanning).
BLOCK = 4 * 1024 * 1024
#: Bytes the JPEG scan search looks at per numpy pass: small enough to stay in the L2 cache.
SCAN_WINDOW = 256 * 1024

_FF = 0xFF
_CACHE = 65536
_NOT_FF = re.compile(rb"[^\xff]")


class Hasher(Protocol):
    """The part of a hashlib object the parsers use."""

    def update(self, data: bytes | memoryview, /) -> None: ...


class Source(Protocol):
    """Random read access to one file's bytes. Offsets are absolute, from the start of the file."""

    @property
    def size(self) -> int: ...

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset`` (fewer at the end of the file, ``b""`` past it)."""
        ...

    def hash_range(self, hasher: Hasher, offset: int, length: int) -> int:
        """Feed up to ``length`` bytes at ``offset`` to ``hasher``; return how many there were."""
        ...

    def find_ff(self, start: int, end: int) -> int:
        """Index of the first ``FF`` byte in ``[start, end)``, or -1."""
        ...

    def rfind_ff(self, start: int, end: int) -> int:
        """Index of the last ``FF`` byte in ``[start, end)``, or -1."""
        ...

    def skip_ff(self, start: int) -> int:
        """Index of the first byte at or after ``start`` that is not ``FF`` (``size`` if none)."""
        ...

    def run_start(self, low: int, last: int) -> int:
        """Start of the run of ``FF`` bytes ending at ``last`` (not before ``low``)."""
        ...

    def find_scan_marker(self, start: int) -> int:
        """First ``i >= start`` with ``b[i] == FF`` and ``b[i+1]`` not in ``00, D0..D7, FF``, or -1.

        In JPEG entropy-coded data that is the first real marker (byte stuffing ``FF 00``, restart
        markers and fill bytes are skipped); ``i`` is the last ``FF`` before the marker code.
        """
        ...


class _Scratch(threading.local):
    """Per-thread work arrays for :func:`_first_marker`, reused so that scanning a file allocates
    nothing (fresh multi-megabyte arrays cost page faults) and stays in the CPU cache."""

    def __init__(self) -> None:
        self.ff = np.empty(SCAN_WINDOW, dtype=bool)
        self.code = np.empty(SCAN_WINDOW, dtype=bool)


_scratch = _Scratch()


def _first_marker(arr: np.ndarray, start: int, end: int) -> int:
    """The :meth:`Source.find_scan_marker` search over ``arr[start:end]`` (``arr`` uint8, 1-D).

    Looks at pairs ``(arr[i], arr[i+1])`` for ``start <= i < end - 1``, a cache-sized window at a
    time: FF bytes followed by a non-zero byte are candidates (stuffing ``FF 00`` is by far the most
    common pair), and only the few candidates are looked at one by one.
    """
    scratch = _scratch
    pos = start
    window = 64 * 1024  # grows: the next marker is often near (progressive scans, small files)
    while pos < end - 1:
        stop = min(pos + window, end - 1)
        window = min(window * 2, SCAN_WINDOW)
        width = stop - pos
        following = arr[pos + 1 : stop + 1]
        candidates = scratch.ff[:width]
        np.equal(arr[pos:stop], _FF, out=candidates)
        np.not_equal(following, 0, out=scratch.code[:width])
        np.logical_and(candidates, scratch.code[:width], out=candidates)
        first = int(candidates.argmax())
        if candidates[first]:
            idx = np.flatnonzero(candidates[first:]) + first
            codes = following[idx]
            real = (codes != _FF) & ((codes < 0xD0) | (codes > 0xD7))
            hit = int(real.argmax())
            if real[hit]:
                return pos + int(idx[hit])
        pos = stop
    return -1


class BufferSource:
    """The whole file in memory."""

    __slots__ = ("_arr", "_buf", "_mv")

    def __init__(self, data: bytes | bytearray) -> None:
        self._buf = data
        self._mv = memoryview(data)
        self._arr = np.frombuffer(data, dtype=np.uint8)

    @property
    def size(self) -> int:
        return len(self._buf)

    @property
    def buffer(self) -> bytes | bytearray:
        return self._buf

    def read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length <= 0:
            return b""
        return bytes(self._mv[offset : offset + length])

    def hash_range(self, hasher: Hasher, offset: int, length: int) -> int:
        if offset < 0 or length <= 0 or offset >= len(self._buf):
            return 0
        chunk = self._mv[offset : offset + length]
        hasher.update(chunk)
        return len(chunk)

    def find_ff(self, start: int, end: int) -> int:
        return self._buf.find(b"\xff", max(start, 0), end)

    def rfind_ff(self, start: int, end: int) -> int:
        return self._buf.rfind(b"\xff", max(start, 0), end)

    def skip_ff(self, start: int) -> int:
        match = _NOT_FF.search(self._buf, max(start, 0))
        return match.start() if match else len(self._buf)

    def run_start(self, low: int, last: int) -> int:
        low = max(low, 0)
        at = last
        # fill runs are a few bytes long: walk back, widening the window only when needed
        width = 16
        while at >= low:
            lo = max(low, at - width + 1)
            window = self._arr[lo : at + 1][::-1]
            not_ff = window != _FF
            first = int(not_ff.argmax())
            if not_ff[first]:
                return at + 1 - first
            at = lo - 1
            width *= 4
        return low

    def find_scan_marker(self, start: int) -> int:
        return _first_marker(self._arr, max(start, 0), len(self._buf))


class StreamSource:
    """Reads a large file through its stream, block by block, keeping one block cached."""

    __slots__ = ("_block", "_block_at", "_cache", "_read_size", "_scratch", "_size", "_stream")

    def __init__(self, stream: BinaryIO, size: int, *, block: int = BLOCK, cache: int = _CACHE) -> None:
        self._stream = stream
        self._size = size
        self._read_size = block
        self._cache = cache
        self._block = b""
        self._block_at = -1
        self._scratch = bytearray(block)

    @property
    def size(self) -> int:
        return self._size

    def _raw(self, offset: int, length: int) -> bytes:
        self._stream.seek(offset)
        return self._stream.read(length)

    def read(self, offset: int, length: int) -> bytes:
        if offset < 0 or length <= 0 or offset >= self._size:
            return b""
        length = min(length, self._size - offset)
        if length > self._cache:
            return self._raw(offset, length)
        # Metadata reads are small and clustered: serve them from one cached block.
        start = offset - self._block_at
        if self._block_at < 0 or start < 0 or start + length > len(self._block):
            self._block = self._raw(offset, self._cache)
            self._block_at = offset
            start = 0
        return self._block[start : start + length]

    def hash_range(self, hasher: Hasher, offset: int, length: int) -> int:
        if offset < 0 or length <= 0 or offset >= self._size:
            return 0
        self._stream.seek(offset)
        view = memoryview(self._scratch)
        done = 0
        while done < length:
            want = min(self._read_size, length - done)
            got = self._stream.readinto(view[:want])  # type: ignore[attr-defined]
            if not got:
                break
            hasher.update(view[:got])
            done += got
        return done

    def find_ff(self, start: int, end: int) -> int:
        pos = max(start, 0)
        end = min(end, self._size)
        while pos < end:
            data = self._raw(pos, min(self._read_size, end - pos))
            if not data:
                return -1
            found = data.find(b"\xff")
            if found >= 0:
                return pos + found
            pos += len(data)
        return -1

    def rfind_ff(self, start: int, end: int) -> int:
        # Search backwards block by block (the hit is usually in the last block).
        end = min(end, self._size)
        start = max(start, 0)
        hi = end
        while hi > start:
            lo = max(start, hi - self._read_size)
            data = self._raw(lo, hi - lo)
            found = data.rfind(b"\xff")
            if found >= 0:
                return lo + found
            hi = lo
        return -1

    def skip_ff(self, start: int) -> int:
        pos = max(start, 0)
        while pos < self._size:
            data = self._raw(pos, min(self._read_size, self._size - pos))
            if not data:
                break
            match = _NOT_FF.search(data)
            if match:
                return pos + match.start()
            pos += len(data)
        return self._size

    def run_start(self, low: int, last: int) -> int:
        low = max(low, 0)
        hi = last + 1
        while hi > low:
            lo = max(low, hi - self._read_size)
            data = self._raw(lo, hi - lo)
            kept = len(data.rstrip(b"\xff"))
            if kept:
                return lo + kept
            hi = lo
        return low

    def find_scan_marker(self, start: int) -> int:
        pos = max(start, 0)
        while pos < self._size - 1:
            # one byte of overlap so that a pair split across two windows is seen
            data = self._raw(pos, min(self._read_size + 1, self._size - pos))
            if len(data) < 2:
                return -1
            found = _first_marker(np.frombuffer(data, dtype=np.uint8), 0, len(data))
            if found >= 0:
                return pos + found
            pos += len(data) - 1
        return -1


def open_source(stream: BinaryIO, size: int | None) -> BufferSource | StreamSource:
    """A :class:`Source` over ``stream`` from its start. Small files are read in one go."""
    is_seekable = seekable(stream)
    if is_seekable:
        if size is None:
            size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
    if not is_seekable or size is None:
        return BufferSource(stream.read())
    if size > INMEMORY_LIMIT:
        return StreamSource(stream, size)
    # read(size) fills a new bytes object straight from the file: no zero-filled buffer first
    # (readinto a bytearray(size) costs ~0.1 ms more per 4 MB). Fewer bytes: the file shrank
    # since it was stat'ed, or the stream returns short reads; use what is there.
    data = stream.read(size)
    if len(data) < size:
        parts = [data]
        got = len(data)
        while got < size and (more := stream.read(size - got)):
            parts.append(more)
            got += len(more)
        data = b"".join(parts)
    return BufferSource(data)


def seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False
