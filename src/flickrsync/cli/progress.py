"""Progress bars on stderr when it is a terminal; nothing otherwise.

rich is imported only when a bar is drawn: it costs start-up time that a run without a terminal
does not need.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flickrsync.localfs import ProgressCallback
from flickrsync.models import ScanProgress

_PHASES = {"walk": "listing", "read": "reading", "perceptual": "perceptual hashes", "digests": "digests"}


@contextmanager
def scan_progress(label: str, *, show: bool = True) -> Iterator[ProgressCallback | None]:
    """A scan's progress callback drawing a bar; None when stderr is not a terminal (or not
    ``show``: ``-q``)."""
    if not show or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415 - only on a terminal
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        # No refresh thread: the scanner may fork worker processes, which is only safe in a
        # process without threads. The bar is redrawn from the callback instead.
        auto_refresh=False,
    ) as bar:
        tasks: dict[str, Any] = {}
        last = [0.0]

        def update(p: ScanProgress) -> None:
            if p.phase not in tasks:
                total = None if p.phase == "walk" else max(p.bytes_total, 1)
                tasks[p.phase] = bar.add_task(f"{label}: {_PHASES[p.phase]}", total=total)
            if p.phase == "walk":
                bar.update(tasks[p.phase], description=f"{label}: listing ({p.files_done:,} files)")
            else:
                bar.update(
                    tasks[p.phase],
                    completed=p.bytes_done,
                    description=f"{label}: {_PHASES[p.phase]} {p.files_done:,}/{p.files_total:,} files",
                )
            now = time.monotonic()
            if now - last[0] >= 0.1 or p.files_done == p.files_total:
                last[0] = now
                bar.refresh()

        yield update


class TransferBars:
    """Progress bars for transfers on a terminal (stderr); nothing otherwise.

    Implements the executor's progress protocol (``start``/``advance``/``stop`` per kind)."""

    def __init__(self, label: str, *, show: bool = True) -> None:
        self.label = label
        self.show = show
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def start(self, label: str, items: int, nbytes: int) -> None:
        if not self.show or not sys.stderr.isatty():
            return
        from rich.console import Console  # noqa: PLC0415 - only on a terminal
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
        self.tasks[label] = (
            self.bar.add_task(f"{self.label} {label} (items)", total=items),
            self.bar.add_task(f"{self.label} {label} (bytes sent)", total=max(nbytes, 1)) if nbytes else None,
        )

    def advance(self, label: str, items: int, nbytes: int) -> None:
        if self.bar is None or label not in self.tasks:
            return
        item_task, byte_task = self.tasks[label]
        self.bar.advance(item_task, items)
        if byte_task is not None and nbytes:
            self.bar.advance(byte_task, nbytes)

    def stop(self, label: str) -> None:
        if self.bar is None:
            return
        for task in self.tasks.pop(label, ()):
            if task is not None:
                self.bar.remove_task(task)
        if not self.tasks:
            self.bar.stop()
            self.bar = None
