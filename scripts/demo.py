"""``make demo``: flickrsync's main job against fakeflickr, from nothing, in a few seconds.

1. starts fakeflickr (``python -m fakeflickr --data DIR --port 0``) on a fresh data dir and reads
   its base URL and demo API key pair from its first lines;
2. seeds three photos "already on Flickr", as if another app had uploaded them (pictures made here
   with Pillow, EXIF DateTimeOriginal set), two of them in a set that app made;
3. makes a sample pictures folder: two of those pictures (one under its Flickr title, one under
   another name), a duplicate pair in two folders, new pictures, and a nested folder tree;
4. writes a demo home (config.ini with api_key, api_secret, directory and ``endpoint`` = fakeflickr);
5. runs ``flickrsync auth`` and completes it as a person would: opens the page it prints, reads the
   code in ``id="verifier"`` and types it in (on stdin);
6. runs the main job: ``flickrsync sync2 --yes`` when the CLI has it, else ``scan``, ``duplicates``
   and ``status``;
7. tells what is on Flickr now compared with before, and that nothing was deleted; stops fakeflickr
   (also on failure and Ctrl-C).

Everything lives under ``demo-run/`` (or ``--dir``), wiped at the start of each run. Run it with the
project's venv Python (``make demo`` does). Exit status: 0 when every step worked.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageDraw

from fakeflickr.testing import FakeFlickrHandle

ROOT = Path(__file__).resolve().parent.parent
MARKER = ".flickrsync-demo"
STEP_TIMEOUT = 60.0


class DemoError(Exception):
    """A step of the demo failed; the message says which and why."""


# --- pictures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """One sample picture: what it shows (seed), when it was taken, and its bytes."""

    seed: int
    taken: str  # "YYYY-MM-DD HH:MM:SS"

    def jpeg(self) -> bytes:
        rng = random.Random(self.seed)
        im = Image.new("RGB", (640, 480), tuple(rng.randrange(40, 216) for _ in range(3)))
        draw = ImageDraw.Draw(im)
        for _ in range(12):
            x0, y0 = rng.randrange(600), rng.randrange(440)
            box = (x0, y0, x0 + rng.randrange(40, 300), y0 + rng.randrange(40, 240))
            colour = tuple(rng.randrange(256) for _ in range(3))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
        exif = Image.Exif()
        exif[0x010F] = "flickrsync demo"  # Make
        exif.get_ifd(0x8769)[36867] = self.taken.replace("-", ":", 2)  # DateTimeOriginal
        out = io.BytesIO()
        im.save(out, "JPEG", quality=90, exif=exif)
        return out.getvalue()


SUNSET = Picture(1, "2019-07-14 20:41:00")
HARBOUR = Picture(2, "2019-07-15 09:12:00")
BRIDGE = Picture(3, "2018-03-02 15:30:00")
TULIPS = Picture(4, "2020-04-20 11:05:00")
ROSES = Picture(5, "2020-06-01 17:45:00")
SUMMIT = Picture(6, "2021-08-09 12:00:00")
LAKE = Picture(7, "2021-08-10 07:20:00")

#: On Flickr before the run, uploaded by "another app": (title, picture, tags, sets).
ON_FLICKR: list[tuple[str, Picture, str, list[str]]] = [
    ("Sunset at the pier", SUNSET, "beach summer", ["Summer 2019"]),
    ("Harbour", HARBOUR, "beach boats", ["Summer 2019"]),
    ("Old bridge", BRIDGE, "bridge", []),
]
#: The sample pictures folder: path -> picture, and what each file is, in plain words.
LOCAL: list[tuple[str, Picture, str]] = [
    ("2019/Beach/Sunset at the pier.jpg", SUNSET, "on Flickr already (same title and date taken)"),
    ("2019/Beach/IMG_0042.jpg", HARBOUR, 'on Flickr already as "Harbour" (another name)'),
    ("2020/Garden/Tulips.jpg", TULIPS, "new"),
    ("Best of/Tulips.jpg", TULIPS, "new; a duplicate of 2020/Garden/Tulips.jpg"),
    ("2020/Garden/Roses.jpg", ROSES, "new"),
    ("2021/Mountains/Alps/Summit.jpg", SUMMIT, "new (nested folder)"),
    ("2021/Mountains/Lake.jpg", LAKE, "new"),
    ("Best of/Lake at dawn.jpg", LAKE, "new; a duplicate of 2021/Mountains/Lake.jpg"),
]


# --- processes ----------------------------------------------------------------------------------


class Emulator:
    """``python -m fakeflickr`` in a child process; its announced URL and API key pair."""

    def __init__(self, data: Path, log: Path) -> None:
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fakeflickr", "--data", str(data), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self._log_path = log
        self.base_url = ""
        self.api_key = self.api_secret = ""

    def wait_ready(self) -> None:
        """Read the URL and the API key pair fakeflickr prints once it listens."""
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(self.proc.stdout, lines), daemon=True).start()
        consumer = ""
        deadline = time.monotonic() + STEP_TIMEOUT
        while not (self.base_url and consumer):
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                raise DemoError(f"fakeflickr did not start; see {self._log_path}")
            if line.startswith("fakeflickr listening on "):
                self.base_url = line.split()[-1]
            elif line.startswith("consumer ") and not consumer:
                consumer = line.split(None, 1)[1]
        self.api_key, self.api_secret = consumer.split(":", 1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # fakeflickr stops cleanly on SIGTERM
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def _pump(stream: IO[str] | None, lines: queue.Queue[str | None]) -> None:
    if stream is not None:
        for line in stream:
            lines.put(line.strip())
    lines.put(None)


def flickrsync(home: Path, args: Sequence[str], *, stdin: str | None = None) -> tuple[int, str]:
    """Run ``flickrsync --home HOME ARGS`` with this Python; (exit status, stdout + stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "flickrsync", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
    )
    return done.returncode, (done.stdout + done.stderr).rstrip()


def authorize(home: Path) -> str:
    """``flickrsync auth``, finished the way a person would: open the page, copy the code."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flickrsync", "--home", str(home), "auth"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if proc.stdout is None:
        raise DemoError("cannot read flickrsync auth's output")
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line.rstrip())
            if "/services/oauth/authorize" in line:
                break
        else:
            raise DemoError("flickrsync auth printed no authorize URL:\n" + "\n".join(seen))
        url = seen[-1].strip()
        with urllib.request.urlopen(url, timeout=STEP_TIMEOUT) as page:
            html = page.read().decode()
        found = re.search(r'id="verifier"[^>]*>([^<]+)<', html)
        if not found:
            raise DemoError(f"no verifier on the authorize page {url}")
        rest, _ = proc.communicate(found.group(1) + "\n", timeout=STEP_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise DemoError("flickrsync auth failed:\n" + "\n".join([*seen, rest]))
    return rest.strip().splitlines()[-1]


# --- the story ------------------------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(f"== {text}")


def indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.splitlines())


def describe_flickr(ff: FakeFlickrHandle) -> dict[str, dict[str, Any]]:
    """Print the photos and sets on the demo account; return the photos by id."""
    state = ff.state()
    photos = {p["id"]: p for p in state["photos"]}
    titles = {p["id"]: p["title"] for p in state["photos"]}
    for photo in photos.values():
        tags = " ".join(t["raw"] for t in photo["tags"]) or "no tags"
        say(f"   photo {photo['id']}  {photo['title']!r:32} taken {photo['datetaken']}  [{tags}]")
    for photoset in state["photosets"]:
        names = ", ".join(titles.get(p, p) for p in photoset["photos"])
        say(f"   set   {photoset['title']!r} ({len(photoset['photos'])} photos: {names})")
    if not state["photosets"]:
        say("   no sets")
    return photos


def run_demo(workdir: Path) -> float:
    started = time.monotonic()
    prepare(workdir)
    say(f"flickrsync demo — everything is in {workdir}")
    emulator = Emulator(workdir / "fakeflickr-data", workdir / "fakeflickr.log")
    try:
        emulator.wait_ready()
        story(workdir, emulator)
    finally:
        emulator.stop()
        say(f"\nfakeflickr stopped. The demo's files are in {workdir} (its log: fakeflickr.log).")
    return time.monotonic() - started


def story(workdir: Path, emulator: Emulator) -> None:
    ff = FakeFlickrHandle(emulator.base_url, emulator.api_key, emulator.api_secret)
    say(f"fakeflickr (a Flickr emulator on this machine) listens on {emulator.base_url}")

    heading('On "Flickr" before the run (uploaded by another app, user "demo")')
    ff.seed_photos(
        [
            {
                "title": title,
                "tags": tags,
                "sets": sets,
                "date_taken": picture.taken,
                "image_base64": _b64(picture.jpeg()),
            }
            for title, picture, tags, sets in ON_FLICKR
        ]
    )
    before = describe_flickr(ff)

    heading(f"The pictures folder ({workdir / 'Pictures'})")
    pictures = workdir / "Pictures"
    written: dict[str, bytes] = {}
    for relative, picture, what in LOCAL:
        path = pictures / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        written[relative] = picture.jpeg()
        path.write_bytes(written[relative])
        say(f"   {relative:34} taken {picture.taken}  {what}")

    home = workdir / "home"
    home.mkdir()
    (home / "config.ini").write_text(
        "[DEFAULT]\n"
        f"api_key = {emulator.api_key}\n"
        f"api_secret = {emulator.api_secret}\n"
        f"directory = {pictures}\n"
        f"endpoint = {emulator.base_url}\n",
        encoding="utf-8",
    )
    (home / "config.ini").chmod(0o600)  # it holds the API secret, as `flickrsync init` makes it
    heading(f"flickrsync auth (home {home})")
    say("   opened the page flickrsync printed, copied the code from it, typed it in:")
    say(indent(authorize(home)))

    code, commands = flickrsync(home, ["--help"])
    has_sync2 = code == 0 and re.search(r"^\s+sync2\s", commands, re.MULTILINE) is not None
    failed: list[str] = []
    if has_sync2:
        steps = [["sync2", "--yes"]]
    else:
        steps = [["scan"], ["duplicates"], ["status"]]
        heading("The main job")
        say("   this flickrsync has no `sync2` command yet: it indexes the pictures and reports")
    for args in steps:
        heading("flickrsync " + " ".join(args))
        code, output = flickrsync(home, args)
        say(indent(output) if output else "   (no output)")
        if code != 0:
            failed.append(f"`flickrsync {' '.join(args)}` exited with {code}")

    heading('On "Flickr" after the run')
    after = describe_flickr(ff)
    failed += report_changes(ff, before, after, pictures, written)
    if failed:
        raise DemoError("; ".join(failed))


def report_changes(
    ff: FakeFlickrHandle,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    pictures: Path,
    written: dict[str, bytes],
) -> list[str]:
    """Say what the run changed, on Flickr and in the pictures folder; return what went wrong."""
    failed: list[str] = []
    say()
    new = [p for pid, p in after.items() if pid not in before]
    say(f"   {len(before)} photos before, {len(after)} now: {len(new)} uploaded by flickrsync")
    for photo in new:
        say(f"     + {photo['title']!r}")
    for pid, photo in before.items():
        old_tags = {t["raw"] for t in photo["tags"]}
        added = [t["raw"] for t in after.get(pid, photo)["tags"] if t["raw"] not in old_tags]
        if added:
            say(f"   recognised {photo['title']!r} as a local picture: tagged {' '.join(added)}")
    deletions = ff.deletions()
    if deletions:
        failed.append(f"{len(deletions)} deletions on Flickr: {json.dumps(deletions)}")
    else:
        say("   nothing was deleted on Flickr (fakeflickr logs every deletion: none)")
    now = {p.relative_to(pictures).as_posix() for p in pictures.rglob("*") if p.is_file()}
    for relative in sorted(now - set(written)):
        say(f"   downloaded from Flickr: {relative}")
    changed = [r for r, data in written.items() if r not in now or (pictures / r).read_bytes() != data]
    if changed:
        failed.append(f"local files gone or changed: {changed}")
    else:
        say(f"   all {len(written)} local pictures are still there, byte for byte")
    return failed


def prepare(workdir: Path) -> None:
    """Empty ``workdir`` for a new run: only a directory the demo made itself is ever wiped."""
    if workdir.exists():
        if not (workdir / MARKER).exists() and any(workdir.iterdir()):
            raise DemoError(f"{workdir} exists and was not made by the demo; choose another --dir")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("made by scripts/demo.py; wiped at each run\n", encoding="utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "demo-run", help="where the demo's files go")
    args = parser.parse_args(argv)
    if sys.prefix == sys.base_prefix:
        print("demo: run it with the project's venv Python: `make demo`", file=sys.stderr)
        return 2
    try:
        seconds = run_demo(args.dir.absolute())
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("demo interrupted; fakeflickr stopped", file=sys.stderr)
        return 130
    say(f"demo finished in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
