"""``python -m fakeflickr``: prints its URL once listening, keeps its state in --data across restarts."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakeflickr.testing import FakeFlickrHandle
from tests.fakeflickr.client import HTTP

pytestmark = pytest.mark.integration


@contextmanager
def _running(*args: str) -> Iterator[tuple[str, list[str]]]:
    with subprocess.Popen(
        [sys.executable, "-m", "fakeflickr", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline().strip()
            match = re.fullmatch(r"fakeflickr listening on (http://127\.0\.0\.1:\d+)", first)
            assert match, first
            lines = [process.stdout.readline().strip() for _ in range(2)]
            yield match.group(1), lines
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "Traceback" not in err


def test_state_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "ff"
    with _running("--data", str(data), "--port", "0") as (url, lines):
        consumer = lines[0]
        assert re.fullmatch(r"consumer [0-9a-f]{32}:[0-9a-f]{16}", consumer)
        assert re.fullmatch(r"user demo \d+@N\d\d", lines[1])
        handle = FakeFlickrHandle(url)
        photo_id = handle.seed_photo(title="persisted", tags="kept", sets=["S"])
        handle.configure(ticket_delay=2.5)
    with _running("--data", str(data)) as (url, lines):
        assert lines[0] == consumer  # no new demo key: the stored one is reused
        handle = FakeFlickrHandle(url)
        photo = handle.photo(photo_id)
        assert (photo["title"], [t["raw"] for t in photo["tags"]]) == ("persisted", ["kept"])
        assert handle.photosets()[0]["photos"] == [photo_id]
        assert handle.state(photos=False)["config"]["ticket_delay"] == 2.5
        key = consumer.split()[1].split(":")[0]
        answer = HTTP.get(f"{url}/services/rest/", params={"method": "flickr.test.echo", "api_key": key})
        assert answer.status_code == 200


def test_consumers_on_the_command_line_and_bad_arguments(tmp_path: Path) -> None:
    with _running("--data", str(tmp_path / "a"), "--consumer", "k1:s1", "--consumer", "k2:s2") as (
        _url,
        lines,
    ):
        assert lines == ["consumer k1:s1", "consumer k2:s2"]
    bad = subprocess.run(
        [sys.executable, "-m", "fakeflickr", "--data", str(tmp_path / "b"), "--consumer", "nocolon"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode == 2
    assert "KEY:SECRET" in bad.stderr


def test_readme_example_runs(tmp_path: Path) -> None:
    """The README's fakeflickr snippet is real code."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## fakeflickr (for developers)", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {"tmp_path": tmp_path}
    exec(compile(snippet, "README.md", "exec"), namespace)
    state = namespace["state"]
    assert isinstance(state, dict)
    assert [p["title"] for p in state["photos"]] == ["IMG_1"]
    assert [s["title"] for s in state["photosets"]] == ["Trip"]
