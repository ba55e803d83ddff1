"""The CLI shell: exit codes, one-line errors, global options before or after the command."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flickrsync.cli import main

SRC = Path(__file__).resolve().parents[2] / "src" / "flickrsync"


def test_init_writes_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "init"]) == 0
    assert (tmp_path / "config.ini").is_file()
    assert main(["init", "--home", str(tmp_path)]) == 0
    assert "left unchanged" in capsys.readouterr().out


def test_unknown_option_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-such-option"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_version() -> None:
    assert main(["--version"]) == 0


def test_flickrsync_never_imports_the_emulator() -> None:
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "fakeflickr" for n in names), path
