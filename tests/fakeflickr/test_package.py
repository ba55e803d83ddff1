"""The fakeflickr package as installed: it needs the ``emulator`` extra and says so in one line,
it never imports flickrsync, and no module of it outgrows ~800 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fakeflickr

SRC = Path(fakeflickr.__file__).resolve().parent
NEEDS_EXTRA = "fakeflickr needs the 'emulator' extra: pip install 'flickrsync[emulator]'"


def _without_werkzeug(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python with Werkzeug unimportable, as after a plain ``pip install flickrsync``."""
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['werkzeug'] = None\n")
    return subprocess.run(
        [sys.executable, *args],
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_import_without_werkzeug_names_the_extra(tmp_path: Path) -> None:
    done = _without_werkzeug(tmp_path, "-c", "import fakeflickr.testing")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == f"ImportError: {NEEDS_EXTRA}"


def test_python_m_fakeflickr_without_werkzeug_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    done = _without_werkzeug(tmp_path, "-m", "fakeflickr", "--data", str(tmp_path / "ff"))
    assert (done.returncode, done.stdout, done.stderr) == (2, "", NEEDS_EXTRA + "\n")
    assert not (tmp_path / "ff").exists()


def test_the_blocker_really_blocks_and_the_emulator_imports_with_werkzeug(tmp_path: Path) -> None:
    """The two tests above would pass vacuously if the sitecustomize trick did nothing."""
    probe = "import sys; print(sys.modules.get('werkzeug', 'absent'))"
    assert _without_werkzeug(tmp_path, "-c", probe).stdout.strip() == "None"
    done = subprocess.run(
        [sys.executable, "-c", "import fakeflickr.server"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_fakeflickr_never_imports_flickrsync() -> None:
    modules = sorted(
        ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in SRC.rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'flickrsync'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) > 20
    assert done.stdout.strip() == "[]"


def test_no_module_over_800_lines() -> None:
    sizes = {str(p.relative_to(SRC)): len(p.read_text().splitlines()) for p in SRC.rglob("*.py")}
    assert len(sizes) > 20
    assert {name: n for name, n in sizes.items() if n > 800} == {}
