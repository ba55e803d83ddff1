"""No module but ``library`` writes files (issue 10 point 3: one writer of the pictures tree).

Read with ``ast`` from ``src/flickrsync``: every call that creates, renames, removes, dates or
changes the mode of a file or folder, or opens one for writing. ``library`` may make them all.
The home dir is not the library: the modules that keep flickrsync's own files there are listed
in :data:`HOME_WRITERS` with the calls each may make, and why; a new write anywhere else (or a
new kind of write in one of them) fails this test until it moves into ``library`` or is listed
here with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import flickrsync

PACKAGE = Path(flickrsync.__file__).parent

#: Module -> the write calls it may make (outside the pictures tree), and why.
HOME_WRITERS: dict[str, tuple[frozenset[str], str]] = {
    "config": (
        frozenset({"os.open:write", "os.fdopen:write", "Path.mkdir"}),
        "creates the home dir (0700) and config.ini (0600): `flickrsync init`",
    ),
    "oauth": (
        frozenset(
            {
                "Path.mkdir",
                "Path.chmod",
                "tempfile.mkstemp",
                "os.fchmod",
                "os.fdopen:write",
                "os.replace",
                "os.unlink",
            }
        ),
        "the token file under <home>/tokens, written atomically (0600 in a 0700 folder)",
    ),
    "lock": (
        frozenset({"Path.mkdir", "os.open:write", "os.ftruncate", "os.utime"}),
        "the profile's lock file under <home>/locks and its heartbeat (its mtime)",
    ),
    "index": (frozenset({"Path.mkdir"}), "the folder of the SQLite index (SQLite writes the file itself)"),
    "cli.logs": (
        frozenset({"os.open:write", "os.fchmod", "open:write", "Path.chmod"}),
        "the debug log under <home>/logs (0600, its rotated files too)",
    ),
    "userlists": (
        frozenset({"tempfile.mkstemp", "os.fdopen:write", "os.replace", "os.unlink"}),
        "<home>/ignore-, identify- and different-<profile>.txt, and the plan file `--plan-out FILE` "
        "names (planrun), each written atomically: a temporary file beside it, then renamed over it",
    ),
    "resizing": (
        frozenset({"tempfile.SpooledTemporaryFile", "shutil.copyfileobj"}),
        "a resized upload's copy, and the file read once to make it: in memory, or an unnamed "
        "temporary file in the home dir when large",
    ),
    "review.thumbs": (
        frozenset({"Path.mkdir", "tempfile.mkstemp", "os.fdopen:write", "os.replace", "Path.unlink"}),
        "the review page's thumbnail cache under <home>/thumbs (never in the library), each "
        "thumbnail written atomically: a temporary file beside it, then renamed",
    ),
    "lookups": (
        frozenset({"tempfile.TemporaryFile"}),
        "a look-alike's original, fetched into an unnamed temporary file in the home dir for its content id",
    ),
}
WRITER = "library"

#: ``os`` functions that change the file system.
OS_WRITES = frozenset(
    {
        "link",
        "symlink",
        "rename",
        "renames",
        "replace",
        "unlink",
        "remove",
        "rmdir",
        "removedirs",
        "mkdir",
        "makedirs",
        "mkfifo",
        "mknod",
        "utime",
        "chmod",
        "fchmod",
        "lchmod",
        "chown",
        "fchown",
        "lchown",
        "truncate",
        "ftruncate",
    }
)
#: ``pathlib.Path`` methods that change the file system (matched by name on any object: a
#: ``str.replace`` has two arguments, ``Path.replace`` one).
PATH_WRITES = frozenset(
    {
        "mkdir",
        "rmdir",
        "unlink",
        "rename",
        "touch",
        "write_bytes",
        "write_text",
        "symlink_to",
        "hardlink_to",
        "chmod",
        "lchmod",
    }
)
_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"})


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _writes_mode(node: ast.Call, position: int) -> bool:
    """An ``open``-like call whose mode (argument ``position`` or ``mode=``) writes."""
    mode: ast.expr | None = node.args[position] if len(node.args) > position else None
    for keyword in node.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return True  # a mode we cannot read: count it


def _write_flags(node: ast.Call, constants: dict[str, ast.expr]) -> bool:
    """``os.open``'s flags hold a write flag, directly or through a module-level constant; a
    name that is no such constant (a parameter) counts as one."""
    todo = node.args[1:2] + [k.value for k in node.keywords if k.arg == "flags"]
    seen: set[str] = set()
    while todo:
        for part in ast.walk(todo.pop()):
            if isinstance(part, ast.Attribute) and part.attr in _WRITE_FLAGS:
                return True
            if isinstance(part, ast.Name) and part.id not in seen and part.id not in ("os", "getattr"):
                seen.add(part.id)
                if part.id in _WRITE_FLAGS or part.id not in constants:
                    return True
                todo.append(constants[part.id])
    return False


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    return {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def writes_of(source: str, filename: str = "<src>") -> set[str]:
    """The write calls in ``source``: ``os.<name>``, ``shutil.<name>``, ``tempfile.<name>``,
    ``Path.<method>``, ``open:write`` / ``os.open:write`` / ``os.fdopen:write``."""
    found: set[str] = set()
    tree = ast.parse(source, filename)
    constants = _constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open" and _writes_mode(node, 1):
            found.add("open:write")
        if not isinstance(func, ast.Attribute):
            continue
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        name = func.attr
        if owner == "os" and name == "open":
            if _write_flags(node, constants):
                found.add("os.open:write")
        elif owner == "os" and name == "fdopen":
            if _writes_mode(node, 1):
                found.add("os.fdopen:write")
        elif owner == "os" and name in OS_WRITES:
            found.add(f"os.{name}")
        elif owner in ("shutil", "tempfile"):
            found.add(f"{owner}.{name}")
        elif owner != "os" and name in PATH_WRITES:
            found.add(f"Path.{name}")
        elif owner not in ("os", "str") and name == "replace" and len(node.args) == 1 and not node.keywords:
            found.add("Path.replace")
    return found


def all_writes() -> dict[str, set[str]]:
    return {
        module_name(path): writes
        for path in sorted(PACKAGE.rglob("*.py"))
        if (writes := writes_of(path.read_text(encoding="utf-8"), str(path)))
    }


def test_only_the_library_writes_and_the_home_dir_writers_stay_in_their_lane() -> None:
    writes = all_writes()
    assert writes.get(WRITER), "the library writes (else this test reads nothing)"
    stray = {
        module: sorted(calls - HOME_WRITERS.get(module, (frozenset(), ""))[0])
        for module, calls in writes.items()
        if module != WRITER
    }
    stray = {module: calls for module, calls in stray.items() if calls}
    assert stray == {}, (
        "files written outside flickrsync.library (move them there, or list a home-dir write in "
        f"HOME_WRITERS with its reason): {stray}"
    )


def test_every_listed_home_writer_still_writes_what_it_is_allowed() -> None:
    """A stale allowance would let a new write in silently."""
    writes = all_writes()
    stale = {
        module: sorted(allowed - writes.get(module, set()))
        for module, (allowed, _why) in HOME_WRITERS.items()
        if allowed - writes.get(module, set())
    }
    assert stale == {}


def test_the_reader_sees_every_form_of_write() -> None:
    source = """
import os, shutil, tempfile
READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
from pathlib import Path
os.link(a, b); os.rename(a, b); os.replace(a, b); os.unlink(a); os.mkdir(a); os.makedirs(a)
os.utime(a, ns=(1, 1)); os.chmod(a, 0o600)
shutil.copyfile(a, b); tempfile.mkstemp(dir=d)
Path(a).mkdir(); p.unlink(); p.rename(b); p.replace(b); p.write_bytes(b""); p.touch()
open(a, "wb"); open(a, mode="a"); open(a, "rb"); open(a)
os.open(a, os.O_WRONLY | os.O_CREAT); os.open(a, os.O_RDONLY); os.fdopen(fd, "wb"); os.fdopen(fd, "rb")
os.open(a, READ | getattr(os, "O_NOATIME", 0))
"x".replace("a", "b"); text.replace("a", "b")
"""
    assert writes_of(source) == {
        "os.link",
        "os.rename",
        "os.replace",
        "os.unlink",
        "os.mkdir",
        "os.makedirs",
        "os.utime",
        "os.chmod",
        "shutil.copyfile",
        "tempfile.mkstemp",
        "Path.mkdir",
        "Path.unlink",
        "Path.rename",
        "Path.replace",
        "Path.write_bytes",
        "Path.touch",
        "open:write",
        "os.open:write",
        "os.fdopen:write",
    }


def test_open_flags_are_followed_through_constants() -> None:
    assert writes_of("import os\nW = os.O_CREAT | os.O_EXCL\nF = W | 0\nos.open(a, F)\n") == {"os.open:write"}
    assert writes_of("import os\ndef f(flags):\n    os.open(a, flags)\n") == {"os.open:write"}
    assert writes_of("import os\nR = os.O_RDONLY\nos.open(a, R | getattr(os, 'O_NOATIME', 0))\n") == set()
