"""The tail of a big dry run, this flickrsync against another one: CPU of each step after matching.

    .venv/bin/python -m benchmarks.tail_bench --baseline /path/to/other/src [--pictures 100000]
                                              [--repeat 3]

Issue 14's ``sync2 --dry-run`` of a 100,000-photo account and a 100,000-picture library spends
about 10 s of one core after its last matching round: planning 125,000 actions, previewing the
photoset step, one ``-v`` log line per action into the debug log, the ``--json`` document, and
the interpreter's exit. This measures those steps on the same shape of state, made up in memory
(no fakeflickr, no scan), after ``metadata``: the engine's read of what the files to upload say
about themselves (``scanner.file_metadata``: the index, then each folder listed for sidecars;
empty files stand for the library in a temporary folder, indexed before the steps start). A
library of ``--pictures`` pictures in year/month folders (their files carry no title,
description or keywords, as scale_bench's), an account
of as many photos, half of the library on Flickr (half of that matched by machine tag, half by
title and date, to be tagged), the rest on one side only: 50,000 uploads, 50,000 downloads and
25,000 tags at the default size, as in scale_bench.

Each side (``--baseline``: the ``src`` folder of another checkout, e.g. ``git archive main src``
unpacked somewhere; and this checkout's) runs in a process of its own, alternately, ``--repeat``
times; each step's CPU seconds (``time.process_time``) are printed with the ratio new/baseline,
best of the repeats, and ``exit`` is the CPU the process spent after its last step until it was
gone (``wait4``'s rusage minus the last mark), leaving through the CLI's own entry point. The log
lines (timestamps cut) and the JSON document of both sides must be the same bytes: the benchmark
stops if they differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHAPES = [(64, 48), (48, 64), (72, 48), (48, 72), (64, 36), (56, 56)]
TAKEN_FROM, TAKEN_TO = 1_104_537_600, 1_735_603_200
STEPS = ("metadata", "plan", "preview", "log", "json", "exit")
#: A debug log line's timestamp (the rest of the line must not differ between the two sides).
STAMP = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


def _state(n: int, root: str) -> tuple[Any, ...]:
    """The library, the account and their match (see the module docstring)."""
    from flickrsync.matcher import Match, MatchResult
    from flickrsync.models import ContentId, LocalPath, LocalPicture, PhotoId, RemotePhoto, content_tag

    rng = random.Random(n)
    local: list[LocalPicture] = []
    for i in range(n):
        width, height = SHAPES[i % len(SHAPES)]
        taken = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(rng.randrange(TAKEN_FROM, TAKEN_TO)))
        rel = f"{taken[:4]}/{taken[5:7]}/IMG_{i:06d}.jpg"
        cid = ContentId(hashlib.sha256(b"%d" % i).hexdigest())
        paths = (LocalPath(root, rel),)
        local.append(
            LocalPicture(cid, "imagedata", "photo", "jpeg", paths, 1400 + i % 900, taken, width, height)
        )
    overlap = n // 2
    remote: list[RemotePhoto] = []
    matches: list[Match] = []
    for j in range(n):
        pid = PhotoId(str(53_000_000_001 + 6 * j))
        width, height = SHAPES[j % len(SHAPES)]
        url = f"http://127.0.0.1:1/65535/{pid}_{j:010x}_o.jpg"
        common: dict[str, Any] = {
            "secret": f"{j:010x}", "server": "65535", "farm": 66, "date_upload": 1_136_073_600 + j * 5990,
            "o_width": width, "o_height": height, "url_o": url, "url_small": url, "original_format": "jpg",
            "original_secret": f"{j:010x}", "is_public": True,
        }  # fmt: skip
        if j < overlap:
            picture = local[j]
            date: dict[str, Any] = {"date_taken": picture.date_taken, "date_taken_unknown": False}
            if j % 2:
                tag = content_tag(picture.content_id)
                photo = RemotePhoto(pid, f"upload {j}", tags=(tag,), machine_tags=(tag,), **date, **common)
                matches.append(Match(picture.content_id, pid, "machine_tag", "machine tag"))
            else:
                stem = picture.paths[0].stem
                photo = RemotePhoto(pid, stem, **date, **common)
                why = f"title+date: {stem} / {picture.date_taken}, confirmed by look (distance 0)"
                matches.append(Match(picture.content_id, pid, "title_date", why))
        else:
            taken = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(rng.randrange(TAKEN_FROM, TAKEN_TO)))
            unknown = j % 20 == 0
            photo = RemotePhoto(pid, f"DSC_{j:06d}", date_taken=taken, date_taken_unknown=unknown, **common)
        remote.append(photo)
    match = MatchResult(
        matches=tuple(sorted(matches, key=lambda m: m.content_id)),
        local_only=tuple(sorted(p.content_id for p in local[overlap:])),
        remote_only=tuple(r.id for r in remote[overlap:]),
    )
    return local, remote, match


def make_library(n: int, root: Path) -> None:
    """Empty files where ``_state``'s pictures are, under ``root`` (what the metadata step lists)."""
    made: set[Path] = set()
    for picture in _state(n, "")[0]:
        path = root / picture.paths[0].relpath
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.touch()


def _indexed(local: list[Any], library: Path, index_file: Path) -> tuple[Any, list[Any]]:
    """An index of the library's files as the scan leaves it (each with the empty metadata it
    carries), and the paths of the pictures to upload there."""
    from flickrsync.fingerprint import PictureMeta
    from flickrsync.index import Index
    from flickrsync.models import FileStat, Fingerprint, LocalFile, LocalPath

    files = []
    for i, p in enumerate(local):
        stat = FileStat(size=p.size, mtime_ns=1_700_000_000_000_000_000 + i, dev=2049, ino=10_000 + i)
        fp = Fingerprint(p.content_id, p.id_kind, p.media, p.format, p.width, p.height, 1, p.date_taken)
        files.append(LocalFile(LocalPath(str(library), p.paths[0].relpath), stat, fp))
    index = Index.open(index_file)
    index.record_files(files, now=1.0, meta={f.path: PictureMeta() for f in files})
    return index, [f.path for f in files[len(files) // 2 :]]


def child(n: int, out: Path, library: Path) -> None:
    """One side's run of the steps (in this process; ``out`` gets the marks, log and JSON;
    ``library`` holds :func:`make_library`'s files)."""
    import contextlib
    import gc
    import logging

    from flickrsync.changes import Changes
    from flickrsync.cli import render
    from flickrsync.cli.logs import close_logging, setup_logging
    from flickrsync.fingerprint import PictureMeta
    from flickrsync.models import Account, LocalPath, Nsid
    from flickrsync.photosets import PhotosetPlanOptions, plan_photosets
    from flickrsync.planner import PlanOptions, plan_sync

    try:
        from flickrsync.preview import preview_after_transfers
    except ImportError:  # a flickrsync from before flickrsync.preview
        from flickrsync.planner import preview_after_transfers  # type: ignore[attr-defined,no-redef]
    from flickrsync.runstate import RemoteListing
    from flickrsync.scanner import file_metadata
    from flickrsync.sync import Prepared, RunReport

    try:  # the collector as Engine.prepare has it while the plan is made, and the CLI's report
        from flickrsync import heap

        building: Any = heap.building
        reporting: Any = getattr(heap, "reporting", contextlib.nullcontext)
    except ImportError:  # a flickrsync from before flickrsync.heap
        building = reporting = contextlib.nullcontext
    root = "/bench/Pictures"  # never read: the same on both sides, for their logs to compare
    local, remote, match = _state(n, root)
    marks: dict[str, float] = {}
    mark = time.process_time()

    def step(name: str) -> None:
        nonlocal mark
        now = time.process_time()
        marks[name] = now - mark
        mark = now

    collecting = [0.0, 0.0]  # CPU seconds in the garbage collector during the steps; its start

    def collector(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            collecting[1] = time.process_time()
        else:
            collecting[0] += time.process_time() - collecting[1]

    gc.callbacks.append(collector)
    set_options = PhotosetPlanOptions(exclude=("Flickr",))
    options = PlanOptions(mode="sync2", root=root, photosets=set_options)
    # what the scanner keeps of a file that carries no title, description or keywords
    metadata = {p.paths[0]: PictureMeta() for p in local}
    index, to_upload = _indexed(local, library, out / "index.db")
    mark = time.process_time()
    with building():
        file_metadata(index, to_upload)  # the engine's read of what the files to upload say
        step("metadata")
        plan = plan_sync(match, local, remote, options, metadata=metadata)
        step("plan")
        after_local, after_remote, after_match = preview_after_transfers(plan, local, remote, match)
        preview = plan_photosets(after_local, after_remote, after_match, [], set_options, mode="sync2")
    step("preview")
    listing = RemoteListing(remote, full=True, complete=True)
    paths: dict[Any, LocalPath] = {p.content_id: p.paths[0] for p in local}
    prepared = Prepared(
        Account(Nsid("78733179@N01"), "bench"), plan, preview, None, listing, [], match, paths, Changes(match)
    )
    report = RunReport("DEFAULT", "sync2", True, prepared, None, 203, 80.0)
    setup_logging(out, log_file=out / "debug.log", level=logging.WARNING)
    step("setup")
    with reporting():
        render.verbose_lines(report, matched=False)
        step("log")
        with (out / "doc.json").open("w") as doc, contextlib.redirect_stdout(doc):
            render.emit_json("sync2", render.sync_json(report))
        step("json")
    close_logging()
    index.close()
    gc.callbacks.remove(collector)
    marks["gc"] = collecting[0]
    (out / "marks.json").write_text(json.dumps({**marks, "end": time.process_time()}))
    from flickrsync.cli import run

    sys.argv = ["flickrsync", "--version"]  # leaves as the CLI does, through its entry point
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        run()


def one(src: Path, n: int, work: Path) -> tuple[dict[str, float], bytes, bytes]:
    """One side's step CPU seconds, its log (timestamps cut) and its JSON document."""
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(REPO)])}
    library = work.parent / "library"
    command = [sys.executable, "-m", "benchmarks.tail_bench", "--child", str(work), "--pictures", str(n)]
    command += ["--library", str(library)]
    proc = subprocess.Popen(command, env=env, cwd=REPO)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{src}: the child exited {status}")
    marks = json.loads((work / "marks.json").read_text())
    marks["exit"] = usage.ru_utime + usage.ru_stime - marks.pop("end")
    marks["peak MB"] = usage.ru_maxrss / 1024
    # the whole log: the rotated files first, oldest first (where it rotated may differ)
    files = [*sorted(work.glob("debug.log.*"), key=lambda f: -int(f.suffix[1:])), work / "debug.log"]
    log = STAMP.sub(b"", b"".join(f.read_bytes() for f in files))
    return marks, log, (work / "doc.json").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, help="the src folder of the flickrsync to compare with")
    parser.add_argument("--pictures", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--library", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.pictures, args.child, args.library)
        return
    sides = {"new": REPO / "src"} | ({"baseline": args.baseline} if args.baseline else {})
    best: dict[str, dict[str, float]] = {name: {} for name in sides}
    outputs: dict[str, tuple[bytes, bytes]] = {}
    with tempfile.TemporaryDirectory(prefix="tail-bench-") as tmp:
        make_library(args.pictures, Path(tmp) / "library")
        for r in range(args.repeat):
            for name, src in sides.items():
                marks, log, doc = one(src.resolve(), args.pictures, Path(tmp) / f"{name}-{r}")
                for key, value in marks.items():
                    best[name][key] = min(best[name].get(key, value), value)
                outputs[name] = (log, doc)
                print(f"{name} #{r + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in marks.items()), flush=True)
    if "baseline" in outputs:
        if outputs["new"][0] != outputs["baseline"][0]:
            raise SystemExit("the debug logs differ")
        if outputs["new"][1] != outputs["baseline"][1]:
            raise SystemExit("the JSON documents differ")
        log, doc = outputs["new"]
        print(f"same log lines ({len(log):,} bytes) and JSON document ({len(doc):,} bytes)")
    heading = " ".join(f"{name:>9}" for name in sides) + ("    ratio" if len(sides) > 1 else "")
    print(f"{'step':<8} {heading}")
    for key in (*STEPS, "gc", "total"):
        values = [
            sum(best[name].get(s, 0) for s in STEPS) if key == "total" else best[name].get(key, 0)
            for name in sides
        ]
        ratio = f"  {values[0] / values[1]:7.2f}" if len(values) > 1 and values[1] else ""
        print(f"{key:<8} " + " ".join(f"{v:9.2f}" for v in values) + ratio)


if __name__ == "__main__":
    main()
