"""The CLI shell: exit codes, one-line errors, global options before or after the command."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"flickrsync, version {version('flickrsync')}\n"


def test_version_attribute_is_the_installed_version() -> None:
    from importlib.metadata import version

    import flickrsync

    assert flickrsync.__version__ == version("flickrsync")
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = flickrsync.no_such_thing


def test_cli_start_up_does_not_look_up_the_version() -> None:
    """``importlib.metadata`` costs tens of ms at start-up: only --version may import it."""
    code = "import sys, flickrsync.cli; print('importlib.metadata' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


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
