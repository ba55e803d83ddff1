"""No source module over ~800 lines (issue 10): a room that grows past it splits along its seams."""

from __future__ import annotations

from pathlib import Path

import fakeflickr
import flickrsync

#: The ceiling; "~800" leaves no room for more.
MAX_LINES = 800


def test_no_source_module_is_over_the_ceiling() -> None:
    sources = [
        path
        for package in (flickrsync, fakeflickr)
        for path in sorted(Path(str(package.__file__)).parent.rglob("*.py"))
    ]
    assert len(sources) > 50, "the test reads the sources"
    sizes = {
        str(p.relative_to(p.parents[2])): len(p.read_text(encoding="utf-8").splitlines()) for p in sources
    }
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
