"""Coming from flickrsync 0.1.1 (issue 15 point 8): every command line a 0.1.1 user may have in
cron still works, or fails with one line naming what replaces it.

0.1.1's CLI (argparse): global options ``-c -p -u -d -l --noprompt --debug`` before the command;
commands ``auth``, ``sync [--nodatematch --dryrun --identifymissing]``, ``sync2 [--nodatematch
--dryrun]``, ``photosets``, ``deletetags STRING [--dryrun]``, ``delete``, ``rebase``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, run_cli

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("line", "replacement"),
    [
        ("--noprompt rebase", "`flickrsync sync --full` lists all of Flickr again"),
        ("--noprompt delete", "move its file aside: `flickrsync status` shows where it is"),
        ("deletetags flickrsync:signature --dryrun", "remove them on flickr.com"),
        ("-p work --noprompt sync --identifymissing", "`flickrsync download --dry-run` lists the photos"),
    ],
)
def test_commands_that_are_gone_fail_with_one_line_naming_the_replacement(
    tmp_path: Path, line: str, replacement: str
) -> None:
    code, out, err = run_cli(["--home", str(tmp_path), *line.split()])
    assert code == 2
    assert out == ""
    [message] = err.splitlines()
    assert message.startswith("flickrsync: error: `flickrsync ")
    assert "was flickrsync 0.1.1's and is gone" in message
    assert replacement in message


def test_every_other_011_command_line_works(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> None:
    """0.1.1's cron lines, options where 0.1.1 took them; -u (which now means nothing for a sync)
    is accepted and ignored."""
    lib = SyncLib.create(fakeflickr, tmp_path)
    lib.add("2014/Holiday/a.jpg", 1)
    lib.add("b.jpg", 2)
    config = lib.home / "config.ini"
    database = tmp_path / "old.db"
    common = ["-c", str(config), "-u", "somebody", "-d", str(database), "-l", str(lib.root)]
    for line in (
        [*common, "--noprompt", "sync", "--dryrun", "--nodatematch"],
        [*common, "--noprompt", "sync", "--nodatematch"],
        [*common, "--noprompt", "--debug", "sync2", "--dryrun"],
        [*common, "--noprompt", "sync2", "--nodatematch"],
        [*common, "--noprompt", "photosets"],
        ["-p", "DEFAULT", "--noprompt", "sync"],
    ):
        result = lib.run(*line)
        assert result.code == 0, result
        assert "error" not in result.err, result
    assert database.is_file()
    assert len(lib.photos()) == 2
    assert set(lib.tool_sets()) >= {"2014, Holiday"}
