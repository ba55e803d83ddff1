"""``-v``'s per-file lines logged many to a record (:func:`flickrsync.cli.logs.info_lines`): the
same lines, byte for byte, in the debug log and on stderr, as one record per line gives."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from flickrsync.cli.logs import LINES_PER_RECORD, close_logging, info_lines, setup_logging

#: A debug log line's timestamp (the only part that may differ).
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)

LINES = [
    "[DEFAULT] to upload: /pics/2020/01/IMG_000001.jpg (on no Flickr photo)",
    "[DEFAULT] to download: photo 53000000007 to /pics/Flickr/DSC_1.jpg (not in the library (no photoset))",
    "[DEFAULT] skipped: https://live.staticflickr.com/65535/52483149404_cbd683fc8b_o.jpg (HTTP 404)",
    '[DEFAULT] skipped: /pics/a "secret"',  # a secret-named pair across two lines is none
    ': "abcdef" (not a picture)',
    "[DEFAULT] to upload: /pics/caf\\xe9.jpg (a name that is not UTF-8, as render.show gives it)",
    "[DEFAULT] to tag: photo 1 (title+date: IMG_1 / 2020-01-01 10:00:00, oauth_token=abc)",
]


def _logged(tmp_path: Path, name: str, verbose: bool, log: object) -> str:
    """What ``log`` (called with the logger) writes to a fresh debug log, timestamps cut."""
    path = tmp_path / f"{name}.log"
    setup_logging(tmp_path, log_file=path, level=logging.INFO if verbose else logging.WARNING)
    try:
        log(logging.getLogger("flickrsync.run"))  # type: ignore[operator]
    finally:
        close_logging()
    return STAMP.sub("", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("count", [1, len(LINES), 2 * LINES_PER_RECORD + 3])
@pytest.mark.parametrize("verbose", [False, True])
def test_info_lines_log_what_a_record_per_line_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], count: int, verbose: bool
) -> None:
    lines = [f"{LINES[i % len(LINES)]} #{i}" for i in range(count)]

    def one_by_one(log: logging.Logger) -> None:
        for line in lines:
            log.info("%s", line)

    alone = _logged(tmp_path, "alone", verbose, one_by_one)
    alone_err = capsys.readouterr().err
    batched = _logged(tmp_path, "batched", verbose, lambda log: info_lines(log, iter(lines)))
    batched_err = capsys.readouterr().err
    assert batched == alone
    assert len(alone.splitlines()) == count
    if count >= len(LINES):
        assert "cbd683fc8b" not in batched
        assert "oauth_token=***" in batched
        assert '"abcdef"' in batched  # redacted line by line, as each record was
    assert batched_err == alone_err
    assert bool(batched_err) is verbose


def test_info_lines_make_a_record_per_batch(tmp_path: Path) -> None:
    """The reason for batching, shown: a handler sees one record per LINES_PER_RECORD lines."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    log = logging.getLogger("flickrsync.test.lines")
    log.propagate = False
    log.setLevel(logging.INFO)
    keep = Keep()
    log.addHandler(keep)
    try:
        info_lines(log, (f"line {i}" for i in range(LINES_PER_RECORD + 1)))
        log.setLevel(logging.WARNING)
        info_lines(log, ["not logged"])
    finally:
        log.removeHandler(keep)
    assert len(records) == 2
    # a handler that does not know batches still gets every line (one per line of its message)
    assert "\n".join(r.getMessage() for r in records).splitlines() == [
        f"line {i}" for i in range(LINES_PER_RECORD + 1)
    ]
