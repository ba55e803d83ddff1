"""Scale benchmark (issue 14): big accounts and big libraries against fakeflickr on loopback.

    .venv/bin/python -m benchmarks.scale_bench [--accounts 20000,100000] [--libraries 1000,100000]
        [--repeat 2] [--runs plan,sync,again] [--profile DIR] [--keep DIR]

For every (account, library) pair, on a fresh fakeflickr and a fresh flickrsync home each time
(``--repeat``), three runs of the real CLI, each in a process of its own (``python -m flickrsync``;
fakeflickr runs in another, so neither shares the other's GIL):

1. the first ``sync2 --dry-run`` (cold: no index) — the plan;
2. the first ``sync --yes`` after it — uploads, machine tags for pictures matched by title and
   date, photosets from the folders;
3. ``sync --yes`` again with nothing changed — the no-change re-sync (right after a first sync
   that changed more than 4,000 photos it lists the whole account: Flickr's recentlyUpdated
   stops at 4,000, ``listing.Walker.recently_updated``);
4. (``--runs …,settled``) ``sync --yes`` once more: the no-change re-sync of a settled account.

Each run reports wall time, Flickr API calls (fakeflickr's counters: REST calls and uploads),
rendition fetches (the run's ``--json`` look-ups; fakeflickr's static file count agrees in a dry
run), and the peak resident memory of the flickrsync process (``wait4``'s ``ru_maxrss``; the
scanner's worker processes are counted apart, as their own peak). Floors measured in the same
run, on the same fakeflickr: listing the account bare (``FlickrClient.list_photos``, at
ceil(N/500) calls) and bare uploads (4 threads) of a sample of the library's files.

The data, drawn from a seeded generator so every run sees the same:

* the library: small generated JPEGs (48-72 px, ~1.5 KB, each distinct, with EXIF date taken
  spread over 2005-2024) in year/month folders, in six shapes (landscape, portrait, 3:2, 2:3,
  16:9, square), cached in ``benchmarks/out/scale-corpus`` (generated once: 100,000 take a few
  minutes) and hard-linked into each run's library;
* the account: half the library (at most half the account) is already on Flickr — half of that
  uploaded by flickrsync before (machine tag), half by another tool (title = file name, same date
  taken) — and the rest are photos the library does not have: the same six shapes, 95 % with a
  known date taken, 5 % without (``datetakenunknown``; uploaded at a time spread over 2006-2024).
  They are lazy: fakeflickr makes their files when they are first fetched.

What the look matching has to compare: a Flickr photo without a known date whose size a picture
has, uploaded after the picture was taken, stays a candidate (pruning cannot rule it out); so
the renditions fetched are about the account's undated photos, not the account.

``--profile DIR`` writes a cProfile of each flickrsync run (``python -m cProfile``); ``--keep DIR``
copies each run's index there (to look at its query plans afterwards), with its whole debug log
and its ``--json`` document (``output.json``: to compare two versions' plans).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from fakeflickr.testing import FakeFlickrHandle
from flickrsync.client import FlickrClient
from flickrsync.models import AccessToken, Account, Endpoints, Nsid
from flickrsync.retry import RateBudget

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
CORPUS = OUT / "scale-corpus"
SHAPES = [(64, 48), (48, 64), (72, 48), (48, 72), (64, 36), (56, 56)]
#: 2005-01-01 .. 2024-12-31 (dates taken), 2006-01-01 .. 2024-12-31 (uploads).
TAKEN_FROM, TAKEN_TO = 1_104_537_600, 1_735_603_200
POSTED_FROM = 1_136_073_600
UNDATED_SHARE = 0.05
PER_PAGE = 500
#: ``phase transfers: 60 of 60 done, 240,000,000 bytes in 51.20 s`` (flickrsync.progress.Tally).
PHASE = re.compile(r"phase (\w+): ([\d,]+)(?: of ([\d,]+))? done(?:, ([\d,]+) bytes)? in ([\d.]+) s")


# --- the library: a cached corpus of small JPEGs ---------------------------------------------


@dataclass(frozen=True)
class Picture:
    rel: str
    content_id: str
    width: int
    height: int
    #: Flickr's form, ``YYYY-MM-DD HH:MM:SS``.
    taken: str


def _picture(i: int) -> tuple[str, bytes, tuple[int, int], str]:
    rng = random.Random(i)
    width, height = SHAPES[i % len(SHAPES)]
    taken = time.strftime("%Y:%m:%d %H:%M:%S", time.gmtime(rng.randrange(TAKEN_FROM, TAKEN_TO)))
    # Blocks of colour (a look to hash) and one row of noise (a content of its own).
    small = Image.frombytes("RGB", (8, 6), rng.randbytes(8 * 6 * 3)).resize(
        (width, height), Image.Resampling.NEAREST
    )
    small.paste(Image.frombytes("RGB", (width, 1), rng.randbytes(width * 3)), (0, height - 1))
    exif = Image.Exif()
    exif[0x010F] = "scale bench"
    exif.get_ifd(0x8769)[0x9003] = taken
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, exif=exif)
    rel = f"{taken[:4]}/{taken[5:7]}/IMG_{i:06d}.jpg"
    return rel, out.getvalue(), (width, height), taken.replace(":", "-", 2)


def _write_pictures(span: tuple[int, int]) -> list[dict[str, Any]]:
    from flickrsync.fingerprint import fingerprint_bytes

    made = []
    for i in range(*span):
        rel, data, (width, height), taken = _picture(i)
        path = CORPUS / "files" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cid = str(fingerprint_bytes(data).content_id)
        made.append({"rel": rel, "content_id": cid, "width": width, "height": height, "taken": taken})
    return made


def corpus(n: int) -> list[Picture]:
    """The first ``n`` pictures of the cached corpus (made now if missing)."""
    manifest = CORPUS / "manifest.json"
    known: list[dict[str, Any]] = json.loads(manifest.read_text()) if manifest.exists() else []
    if len(known) < n:
        started = time.perf_counter()
        step = 2_000
        spans = [(lo, min(lo + step, n)) for lo in range(len(known), n, step)]
        with multiprocessing.Pool(os.cpu_count() or 1) as pool:
            for made in pool.imap(_write_pictures, spans):
                known.extend(made)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(known))
        print(f"corpus: {n:,} pictures made in {time.perf_counter() - started:.0f} s ({CORPUS})")
    return [Picture(**item) for item in known[:n]]


def link_library(pictures: Sequence[Picture], root: Path) -> None:
    for picture in pictures:
        target = root / picture.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(CORPUS / "files" / picture.rel, target)


# --- the account -----------------------------------------------------------------------------


def account_specs(pictures: Sequence[Picture], photos: int) -> tuple[list[dict[str, Any]], int]:
    """The account's photos (see the module docstring), and how many of them are the library's."""
    rng = random.Random(photos)
    overlap = min(len(pictures) // 2, photos // 2)
    step = (TAKEN_TO - POSTED_FROM) / photos
    specs: list[dict[str, Any]] = []
    for j in range(photos):
        posted = POSTED_FROM + int(j * step)
        if j < overlap:
            picture = pictures[j]
            spec: dict[str, Any] = {
                "width": picture.width,
                "height": picture.height,
                "date_taken": picture.taken,
                "date_upload": posted,
            }
            if j % 2:
                spec.update(title=f"upload {j}", tags=f"flickrsync:imagehash={picture.content_id}")
            else:
                # another tool: the file's name, and the picture's own bytes (a title + date match
                # is confirmed by look before it counts: a photo made up by fakeflickr would be
                # another picture, rightly refuted, each at the cost of its original)
                data = (CORPUS / "files" / picture.rel).read_bytes()
                spec.update(title=Path(picture.rel).stem, image_base64=base64.b64encode(data).decode())
        else:
            width, height = rng.choice(SHAPES)
            spec = {"title": f"DSC_{j:06d}", "width": width, "height": height, "date_upload": posted}
            if rng.random() >= UNDATED_SHARE:
                spec["date_taken"] = time.strftime(
                    "%Y-%m-%d %H:%M:%S", time.gmtime(rng.randrange(TAKEN_FROM, TAKEN_TO))
                )
        specs.append(spec)
    return specs, overlap


# --- fakeflickr and flickrsync in processes of their own -------------------------------------


#: fakeflickr's process for each running server (by base URL), for its CPU time.
SERVER_PIDS: dict[str, int] = {}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process and the children it waited for (``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


@contextmanager
def fakeflickr(data: Path) -> Iterator[FakeFlickrHandle]:
    server = subprocess.Popen(
        [sys.executable, "-m", "fakeflickr", "--data", str(data)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        match = re.fullmatch(r"fakeflickr listening on (\S+)", server.stdout.readline().strip())
        assert match, "fakeflickr did not start"
        key, secret = server.stdout.readline().split()[1].split(":")
        SERVER_PIDS[match.group(1)] = server.pid
        yield FakeFlickrHandle(match.group(1), key, secret)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def make_home(ff: FakeFlickrHandle, base: Path, root: Path) -> Path:
    from flickrsync.config import load_settings
    from flickrsync.oauth import save_token

    home = base / "home"
    home.mkdir(parents=True)
    (home / "config.ini").write_text(
        f"[DEFAULT]\napi_key = {ff.consumer_key}\napi_secret = {ff.consumer_secret}\n"
        f"endpoint = {ff.base_url}\ndirectory = {root}\ncalls_per_hour = 10000000\n",
        encoding="utf-8",
    )
    (home / "config.ini").chmod(0o600)
    minted = ff.mint_token(perms="write")
    account = Account(Nsid(minted.user_nsid), minted.username)
    token = AccessToken(minted.token, minted.secret, "write", account)
    save_token(load_settings(home, None).token_file, token)
    return home


@dataclass
class Run:
    label: str
    seconds: float
    code: int
    calls: dict[str, int]
    peak_rss: int
    doc: dict[str, Any] = field(default_factory=dict)
    #: CPU seconds of the flickrsync process with its scanner workers, and of fakeflickr meanwhile.
    cpu: float = 0.0
    server_cpu: float = 0.0
    #: Each phase's last report in the run's debug log: (items done, bytes, seconds).
    phases: dict[str, tuple[int, int, float]] = field(default_factory=dict)

    def phase_seconds(self, name: str) -> float:
        return self.phases.get(name, (0, 0, 0.0))[2]

    @property
    def api_calls(self) -> int:
        return sum(n for name, n in self.calls.items() if name != "static" and not name.startswith("oauth."))

    @property
    def renditions(self) -> int:
        return int(self.doc.get("lookups", {}).get("renditions", 0))

    @property
    def originals(self) -> int:
        return int(self.doc.get("lookups", {}).get("originals", 0))


def run_cli(
    ff: FakeFlickrHandle,
    home: Path,
    label: str,
    args: Sequence[str],
    profile: Path | None,
    *,
    output: Path | None = None,
) -> Run:
    """``python -m flickrsync --home HOME ARGS --json`` in a process of its own (``output``: where
    its standard output, the JSON document, is copied)."""
    command = [sys.executable]
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        command += ["-m", "cProfile", "-o", str(profile / f"{label}.prof")]
    # The debug log goes through a pipe (never rotated: a 100,000-picture run writes more than
    # the 20 MB its rotating files keep), of which only the phase lines are kept.
    pipe = home.parent / f"{label}.log"
    os.mkfifo(pipe)
    logged: list[str] = []
    reader = threading.Thread(target=_phase_lines, args=(pipe, logged), daemon=True)
    reader.start()
    command += ["-m", "flickrsync", "--home", str(home), "--log-file", str(pipe), *args, "--json"]
    ff.reset_calls()
    server_pid = SERVER_PIDS.get(ff.base_url)
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        server_cpu = cpu_seconds(server_pid) - server_before if server_pid else 0.0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, problems = out.read().decode(), err.read().decode()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
    docs = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    if proc.returncode not in (0, 1) or not docs:
        raise SystemExit(f"{label}: flickrsync {' '.join(args)} exited {proc.returncode}\n{problems[-3000:]}")
    reader.join(timeout=60)
    pipe.unlink()
    phases = phases_of("".join(logged))
    cpu = usage.ru_utime + usage.ru_stime
    return Run(
        label,
        seconds,
        proc.returncode,
        ff.calls(),
        usage.ru_maxrss * 1024,
        docs[0],
        phases=phases,
        cpu=cpu,
        server_cpu=server_cpu,
    )


def _phase_lines(pipe: Path, kept: list[str]) -> None:
    """Keep the phase lines of the debug log coming through ``pipe``; the whole log goes to
    ``pipe``'s name + ``.all`` too (``--keep`` copies it)."""
    with pipe.open("rb") as lines, pipe.with_suffix(".all").open("wb") as everything:
        for line in lines:
            everything.write(line)
            if b" phase " in line:
                kept.append(line.decode("utf-8", "replace"))


def phases_of(text: str) -> dict[str, tuple[int, int, float]]:
    """The last report of each phase in a debug log's ``text``: (items done, bytes, seconds)."""
    found: dict[str, tuple[int, int, float]] = {}
    for match in PHASE.finditer(text):
        name, done, _total, nbytes, seconds = match.groups()
        found[name] = (int(done.replace(",", "")), int((nbytes or "0").replace(",", "")), float(seconds))
    return found


# --- floors ----------------------------------------------------------------------------------


def client_for(ff: FakeFlickrHandle, http: httpx.Client, user: str | None = None) -> FlickrClient:
    minted = ff.mint_token(perms="write", user=user)
    token = AccessToken(
        minted.token, minted.secret, "write", Account(Nsid(minted.user_nsid), minted.username)
    )
    return FlickrClient(
        http,
        api_key=ff.consumer_key,
        api_secret=ff.consumer_secret,
        token=token,
        endpoints=Endpoints.from_base(ff.base_url),
        budget=RateBudget(10_000_000),
    )


def bare_listing(ff: FakeFlickrHandle) -> tuple[float, int, int]:
    """Seconds and calls to list the whole account with the bare client, and the photos listed."""
    with httpx.Client(timeout=600) as http:
        client = client_for(ff, http)
        ff.reset_calls()
        started = time.perf_counter()
        photos, report = client.list_photos()
        return time.perf_counter() - started, report.calls, len(photos)


def bare_uploads(ff: FakeFlickrHandle, files: Sequence[Path], workers: int = 4) -> float:
    """Seconds per upload, uploading ``files`` to another user on ``workers`` threads."""
    user = ff.create_user(f"floor{random.randrange(10**9)}")
    with httpx.Client(timeout=600) as http:
        client = client_for(ff, http, user=user["nsid"])
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda p: client.upload(io.BytesIO(p.read_bytes()), p.name), files))
        return (time.perf_counter() - started) / len(files)


# --- one case --------------------------------------------------------------------------------


def one_case(
    photos: int,
    pictures: Sequence[Picture],
    runs: Sequence[str],
    profile: Path | None,
    *,
    keep: Path | None = None,
    extra: Sequence[str] = (),
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="scale-", dir=OUT) as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "Pictures"
        link_library(pictures, root)
        with fakeflickr(tmp / "ff") as ff:
            ff.configure(ticket_delay=0)
            specs, overlap = account_specs(pictures, photos)
            started = time.perf_counter()
            for lo in range(0, len(specs), 5_000):
                ff.seed_photos(specs[lo : lo + 5_000])
            seeded = time.perf_counter() - started
            listing = bare_listing(ff)
            home = make_home(ff, tmp, root)
            tag = f"a{photos}-l{len(pictures)}"
            result: dict[str, Any] = {"seeded": seeded, "listing": listing, "overlap": overlap, "runs": {}}
            steps = {
                "plan": ("sync2", "--dry-run"),
                "sync": ("sync", "--yes"),
                "again": ("sync", "--yes"),
                "settled": ("sync", "--yes"),
            }
            for name in runs:
                output = keep / f"{tag}-{name}" / "output.json" if keep is not None else None
                run = run_cli(ff, home, f"{tag}-{name}", (*steps[name], *extra), profile, output=output)
                result["runs"][name] = run
                if keep is not None:
                    keep_index(home, keep / f"{tag}-{name}")
                    shutil.copy2(tmp / f"{tag}-{name}.all", keep / f"{tag}-{name}" / "debug.log")
            sample = [root / p.rel for p in pictures[: min(500, len(pictures))]]
            result["upload_floor"] = bare_uploads(ff, sample)
            return result


def keep_index(home: Path, into: Path) -> None:
    """Copy the run's index (``*.db`` and its WAL) into ``into`` for a look afterwards."""
    into.mkdir(parents=True, exist_ok=True)
    for path in home.rglob("*.db*"):
        shutil.copy2(path, into / path.name)


def mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def report_case(photos: int, library: int, results: list[dict[str, Any]]) -> None:
    floor_calls = math.ceil(photos / PER_PAGE)
    print(
        f"\n== account {photos:,} photos, library {library:,} pictures ({results[0]['overlap']:,} on Flickr)"
    )
    seeded = ", ".join(f"{r['seeded']:.1f}" for r in results)
    lists = ", ".join(f"{r['listing'][0]:.1f} s / {r['listing'][1]} calls" for r in results)
    print(f"   seeding {seeded} s; bare listing {lists} (floor {floor_calls} calls)")
    uploads = ", ".join(f"{1000 * r['upload_floor']:.1f}" for r in results)
    print(f"   bare upload, 4 threads: {uploads} ms per file")
    print(f"   {'run':<28}{'wall s':>16}{'API calls':>12}{'renditions':>12}{'originals':>10}{'peak RSS':>18}")
    for name, what in (
        ("plan", "first sync2 --dry-run"),
        ("sync", "first sync"),
        ("again", "no-change re-sync"),
        ("settled", "... and once more"),
    ):
        runs: list[Run] = [r["runs"][name] for r in results if name in r["runs"]]
        if not runs:
            continue
        wall = ", ".join(f"{r.seconds:.1f}" for r in runs)
        calls = ", ".join(str(r.api_calls) for r in runs)
        renditions = ", ".join(str(r.renditions) for r in runs)
        originals = ", ".join(str(r.originals) for r in runs)
        rss = ", ".join(mb(r.peak_rss) for r in runs)
        print(f"   {what:<28}{wall:>16}{calls:>12}{renditions:>12}{originals:>10}{rss:>18}")
        if len(runs) > 1:  # one run on a shared machine moves by several seconds
            print(f"      wall s median of {len(runs)}: {statistics.median(r.seconds for r in runs):.1f}")
        phases = "; ".join(
            f"{phase} " + ", ".join(f"{r.phase_seconds(phase):.1f}" for r in runs)
            for phase in ("scan", "listing", "identify", "transfers", "photosets")
            if any(phase in r.phases for r in runs)
        )
        print(f"      phases (s, from the debug log): {phases}")
        cpus = ", ".join(f"{r.cpu:.1f} + {r.server_cpu:.1f}" for r in runs)
        print(f"      CPU s (flickrsync with its workers + fakeflickr meanwhile): {cpus}")
        doc = runs[0].doc
        summary = doc.get("summary", {})
        outcome = doc.get("outcome") or {}
        print(
            f"      exit {runs[0].code}; plan: {summary.get('uploads', 0):,} uploads, "
            f"{summary.get('downloads', 0):,} downloads, {summary.get('tags', 0):,} tags, "
            f"{summary.get('matched', 0):,} matched; done: {outcome.get('uploaded', 0):,} uploaded; "
            f"calls by method {dict(sorted(runs[0].calls.items()))}"
        )
        if name == "plan":
            skipped = doc.get("lookups", {}).get("skipped", {})
            lookups = doc.get("lookups", {})
            print(
                f"      look-ups: {lookups.get('decodes', 0):,} perceptual hashes; pruning skipped "
                f"{skipped.get('renditions', 0):,} renditions and {skipped.get('decodes', 0):,} decodes; "
                f"listing calls {runs[0].calls.get('flickr.people.getPhotos', 0)} (floor {floor_calls})"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", default="20000,100000")
    parser.add_argument("--libraries", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--runs", default="plan,sync,again")
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile output here")
    parser.add_argument("--keep", type=Path, default=None, help="copy each run's index here")
    parser.add_argument(
        "--checkers", type=int, default=None, help="pass --checkers N to every run (default: flickrsync's)"
    )
    args = parser.parse_args(argv)
    accounts = [int(x) for x in args.accounts.split(",")]
    libraries = [int(x) for x in args.libraries.split(",")]
    runs = args.runs.split(",")
    extra = ("--checkers", str(args.checkers)) if args.checkers else ()
    OUT.mkdir(parents=True, exist_ok=True)
    pictures = corpus(max(libraries))
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    for photos in accounts:
        for library in libraries:
            results = [
                one_case(photos, pictures[:library], runs, args.profile, keep=args.keep, extra=extra)
                for _ in range(args.repeat)
            ]
            report_case(photos, library, results)
            print(f"   load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
