"""Scan benchmark: flickrsync's scanner against flickrsync 0.1.1 and against the floors.

Run from the repository root (it needs the project venv, ``make .venv/bin/.installed-test``)::

    .venv/bin/python -m benchmarks.scan_bench --n 300 --warm-n 100000

Everything is measured in the same run, on the same files, and printed as figures and ratios:

(a) cold index: ``flickrsync scan`` (a subprocess, with a fresh index; page cache dropped for every
    file with ``posix_fadvise(POSIX_FADV_DONTNEED)`` first, since /proc/sys/vm/drop_caches is not
    writable in a container) against flickrsync 0.1.1's own per-file worker
    (``flickrsync.local.image_worker`` mapped with ``multiprocessing.Pool().imap_unordered`` as
    0.1.1 does, in its own venv ``benchmarks/.venv-011``, created on first use: ``pip install
    flickrsync==0.1.1 Wand``; needs Debian's ``libmagickwand-dev``);
(b) the floor of (a): reading the same files and hashing them with SHA-256, in a process pool with
    as many processes as the scanner uses (the pool is started before the clock starts);
(c) the perceptual pass, ``flickrsync scan --perceptual`` on the indexed corpus, against the floor
    of a bare Pillow draft decode (greyscale, 1/8 scale: the smallest JPEG draft, as the perceptual
    hash uses) of one file per picture, in the same pool (page cache warm for both);
(d) a warm re-scan of ``--warm-n`` unchanged small files against a bare ``os.walk`` + ``os.stat``
    of the same tree, in-process and as subprocesses (each includes Python's start-up). The small
    files are distinct 16x16 JPEGs (a re-scan never reads contents, so their size does not matter,
    but distinct pictures keep the index realistic: no 100,000-path duplicate group).
(e) ``--parts meta``: reading each picture's own title, description and keywords (issue 12), cold,
    in the same pool: the fingerprint pass alone, the fingerprint pass with metadata from the same
    read (``fingerprint_with_metadata``), and metadata alone (``read_metadata``, which reads only
    the head of a JPEG); on the camera corpus (EXIF only, as cameras write) and on a copy of it
    tagged as a photo manager leaves it (a Lightroom-like XMP packet of ~10 KB and IPTC, inserted
    without re-encoding: same content ids). The cold ``flickrsync scan`` of the corpus is measured
    in the same run as the reference.
(f) ``--parts wired --baseline SRC``: the cold ``flickrsync scan`` as wired (metadata read in the
    same read as the content id and kept in the index) against the scan of another checkout
    (``SRC``: its src folder, e.g. of ``git archive main src``), on both corpora, alternated.

The corpus for (a)-(c) is ``--n`` 12-megapixel camera-like JPEGs (smooth random shapes plus sensor
noise, so sizes are realistic: 2.5-5 MB), with EXIF (make, model, date taken, sub-seconds,
orientation), in nested year/event folders; about 5% are byte copies in a "Best of" folder. Corpora
are kept in ``benchmarks/out/`` and reused by later runs.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
VENV_011 = REPO / "benchmarks" / ".venv-011"
WORKERS = os.cpu_count() or 1

# --- corpora ---------------------------------------------------------------------------------


def _camera_jpeg(args: tuple[str, int]) -> int:
    """One 12 MP camera-like JPEG (4000x3000) with EXIF; returns its size."""
    import numpy as np
    from PIL import Image

    path, seed = args
    rng = np.random.default_rng(seed)
    shapes = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(shapes).resize((4000, 3000), Image.Resampling.BICUBIC))
    sigma = 3.5 + 4.0 * rng.random()
    noise = rng.normal(0.0, sigma, (3000, 4000, 1))
    pixels = np.clip(smooth.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0110] = "BC-12"
    exif[0x0112] = int(rng.choice([1, 1, 1, 6, 8, 3]))
    day = 1 + seed % 28
    clock = f"{seed % 24:02d}:{seed % 60:02d}:{(seed * 7) % 60:02d}"
    exif.get_ifd(0x8769)[0x9003] = f"2019:{1 + seed % 12:02d}:{day:02d} {clock}"
    exif.get_ifd(0x8769)[0x9291] = f"{seed % 100:02d}"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, "JPEG", quality=92, exif=exif)
    return os.path.getsize(path)


def camera_corpus(n: int) -> tuple[Path, list[Path]]:
    """``n`` files: ~95% distinct 12 MP JPEGs in year/event folders, ~5% byte copies."""
    root = OUT / f"camera-{n}"
    done = root / ".complete"
    copies = max(1, n // 20) if n >= 20 else 0
    originals = n - copies
    plan = [
        (str(root / f"20{10 + i % 10}" / f"event-{i // 25:03d}" / f"IMG_{i:05d}.JPG"), 1000 + i)
        for i in range(originals)
    ]
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        print(f"generating {originals} 12 MP JPEGs (+{copies} copies) in {root} …", flush=True)
        with multiprocessing.Pool(WORKERS) as pool:
            pool.map(_camera_jpeg, plan, chunksize=1)
        for i in range(copies):
            source = Path(plan[(i * 7) % originals][0])
            target = root / "Best of" / f"copy-{i:04d}-{source.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        done.write_text("ok")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    return root, files


def _small_jpegs(args: tuple[str, int, int]) -> None:
    from PIL import Image

    folder, start, count = args
    Path(folder).mkdir(parents=True, exist_ok=True)
    rnd = random.Random(start)
    for i in range(start, start + count):
        img = Image.frombytes("RGB", (16, 16), rnd.randbytes(16 * 16 * 3))
        img.save(os.path.join(folder, f"IMG_{i:06d}.jpg"), "JPEG", quality=80)


def small_corpus(n: int) -> Path:
    """``n`` distinct tiny JPEGs, 100 per folder, in year/event folders."""
    root = OUT / f"small-{n}"
    done = root / ".complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        print(f"generating {n:,} small JPEGs in {root} …", flush=True)
        jobs = [
            (str(root / f"{2000 + (i // 100) % 25}" / f"event-{i // 100:05d}"), i, min(100, n - i))
            for i in range(0, n, 100)
        ]
        with multiprocessing.Pool(WORKERS) as pool:
            pool.map(_small_jpegs, jobs, chunksize=8)
        done.write_text("ok")
    return root


# --- measuring helpers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float
    files: int
    nbytes: int

    @property
    def per_s(self) -> float:
        return self.files / self.seconds

    @property
    def mb_s(self) -> float:
        return self.nbytes / self.seconds / 1e6

    def line(self) -> str:
        return f"  {self.name:<46} {self.seconds:8.2f} s {self.per_s:9.1f} files/s {self.mb_s:9.1f} MB/s"


def drop_cache(files: Sequence[Path]) -> None:
    """Evict the files from the page cache (the closest thing to a cold cache we may do here)."""
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _read_file(path: str) -> int:
    got = 0
    buf = bytearray(1 << 20)
    with open(path, "rb", buffering=0) as handle:
        while n := handle.readinto(buf):
            got += n
    return got


def _draft_decode(path: str) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as img:
        img.draft("L", (256, 256))  # greyscale, smallest scale >= 256 px: 1/8 for 12 MP
        img.load()
        return img.size


def timed_pool(func: Callable[[str], object], paths: Sequence[str]) -> float:
    """Seconds to map ``func`` over ``paths`` in an already started pool of WORKERS processes."""
    chunk = max(1, len(paths) // (WORKERS * 8))
    with multiprocessing.get_context("forkserver").Pool(WORKERS) as pool:
        pool.map(abs, range(WORKERS * 4))  # make sure every worker is up
        start = time.perf_counter()
        pool.map(func, paths, chunksize=chunk)
        return time.perf_counter() - start


def _import_fingerprint() -> None:
    """Pool initializer: the scanner's workers import the fingerprint module before their work
    (and the XML parser, which the metadata reader imports on the first XMP packet: ~10 ms)."""
    import xml.etree.ElementTree  # noqa: F401

    import flickrsync.fingerprint  # noqa: F401


def _fingerprint_only(path: str) -> float:
    """CPU seconds (user + system) of one fingerprint, the read included."""
    from flickrsync.fingerprint import fingerprint_stream

    start = time.process_time()
    with open(path, "rb") as handle:
        fingerprint_stream(handle, size=os.fstat(handle.fileno()).st_size)
    return time.process_time() - start


def _fingerprint_and_metadata(path: str) -> tuple[float, float]:
    """CPU seconds of ``fingerprint_with_metadata`` on one file, split in two: the fingerprint
    (the read and the walk, which keeps the metadata blocks it passes) and decoding the blocks,
    which is all that reading metadata in the same read adds."""
    from flickrsync.fingerprint._core import _fingerprint
    from flickrsync.fingerprint._metaread import Embedded, decode
    from flickrsync.fingerprint._source import open_source

    start = time.process_time()
    with open(path, "rb") as handle:
        found = Embedded()  # as fingerprint_with_metadata does, with a clock between the steps
        _fingerprint(open_source(handle, os.fstat(handle.fileno()).st_size), found)
    walked = time.process_time()
    decode(found)
    return walked - start, time.process_time() - walked


def _metadata_only(path: str) -> float:
    from flickrsync.fingerprint import read_metadata

    start = time.process_time()
    with open(path, "rb") as handle:
        read_metadata(handle, size=os.fstat(handle.fileno()).st_size)
    return time.process_time() - start


def cpu_pool(
    func: Callable[[str], float] | Callable[[str], tuple[float, float]], paths: Sequence[str]
) -> tuple[float, tuple[float, ...]]:
    """(wall seconds, summed CPU seconds) to map ``func`` -- which returns its own CPU time, or
    a tuple of CPU times -- over ``paths`` in a started pool whose workers imported the
    fingerprint module. CPU time does not count waiting for a core."""
    chunk = max(1, len(paths) // (WORKERS * 8))
    with multiprocessing.get_context("forkserver").Pool(WORKERS, initializer=_import_fingerprint) as pool:
        pool.map(abs, range(WORKERS * 4))
        start = time.perf_counter()
        done = pool.map(func, paths, chunksize=chunk)
        wall = time.perf_counter() - start
    rows = [d if isinstance(d, tuple) else (d,) for d in done]
    return wall, tuple(sum(column) for column in zip(*rows, strict=True))


def _tagging_segments(seed: int) -> bytes:
    """An APP1 XMP segment like Lightroom's for an edited photo (title, caption, keywords,
    hierarchical keywords, develop settings: ~10 KB) and an APP13 IPTC segment."""
    import struct

    keywords = [f"keyword {seed % 50 + k}" for k in range(25)]
    develop = "".join(f' crs:Setting{k}="{(seed * k) % 997}"' for k in range(180))
    lis = "".join(f"<rdf:li>{k}</rdf:li>" for k in keywords)
    paths = "".join(f"<rdf:li>Places|Region {i % 5}|{k}</rdf:li>" for i, k in enumerate(keywords[:10]))
    xmp = (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'"
        " xmlns:lr='http://ns.adobe.com/lightroom/1.0/' xmlns:crs='http://ns.adobe.com/camera-raw-settings/1.0/'"
        f"{develop}>"
        f"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>Picture {seed}</rdf:li></rdf:Alt></dc:title>"
        "<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>"
        + "A caption written in a photo manager. "
        * 8
        + "</rdf:li></rdf:Alt></dc:description>"
        f"<dc:subject><rdf:Bag>{lis}</rdf:Bag></dc:subject>"
        f"<lr:hierarchicalSubject><rdf:Bag>{paths}</rdf:Bag></lr:hierarchicalSubject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>" + " " * 2048 + "<?xpacket end='w'?>"
    ).encode()
    app1 = b"http://ns.adobe.com/xap/1.0/\0" + xmp
    records = struct.pack(">BBBH", 0x1C, 1, 90, 3) + b"\x1b%G"
    for dataset, value in [(5, f"Picture {seed}"), (120, "A caption.")] + [(25, k) for k in keywords]:
        raw = value.encode()
        records += struct.pack(">BBBH", 0x1C, 2, dataset, len(raw)) + raw
    resource = b"8BIM\x04\x04\0\0" + struct.pack(">I", len(records)) + records + b"\0" * (len(records) & 1)
    app13 = b"Photoshop 3.0\0" + resource
    segments = ((0xE1, app1), (0xED, app13))
    return b"".join(struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body for marker, body in segments)


def tagged_corpus(n: int) -> tuple[Path, list[Path]]:
    """A copy of :func:`camera_corpus` with XMP and IPTC inserted after each file's first segment
    (same image data, so the same content ids; checked on the first file)."""
    from flickrsync.fingerprint import fingerprint_bytes, read_metadata

    source_root, sources = camera_corpus(n)
    root = OUT / f"camera-{n}-tagged"
    done = root / ".complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        print(f"tagging a copy of {len(sources)} files in {root} …", flush=True)
        for seed, source in enumerate(sources):
            data = source.read_bytes()
            first_end = 4 + int.from_bytes(data[4:6], "big")  # after SOI and the first segment
            tagged = data[:first_end] + _tagging_segments(seed) + data[first_end:]
            if seed == 0:
                assert fingerprint_bytes(tagged).content_id == fingerprint_bytes(data).content_id
                assert len(read_metadata(io.BytesIO(tagged)).keywords("XMP-dc:Subject")) == 25
            target = root / source.relative_to(source_root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tagged)
        done.write_text("ok")
    return root, sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def write_config(home: Path, root: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.ini").write_text(f"[DEFAULT]\ndirectory = {root}\n")
    (home / "config.ini").chmod(0o600)  # as `flickrsync init` makes it


#: Subprocesses may cache bytecode, as an installed package does (pip compiles it): a development
#: environment with PYTHONDONTWRITEBYTECODE=1 would otherwise charge every run for compiling.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_cli(home: Path, *args: str, src: Path | None = None) -> tuple[float, dict[str, object]]:
    """``flickrsync scan --json`` as a subprocess: this checkout's, or that of ``src`` (the src
    folder of another checkout, first on the path)."""
    env = CHILD_ENV if src is None else {**CHILD_ENV, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "flickrsync", "--home", str(home), "scan", "--json", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"flickrsync scan failed ({result.returncode}): {result.stderr}")
    return elapsed, json.loads(result.stdout.splitlines()[-1])


# --- flickrsync 0.1.1 ------------------------------------------------------------------------

OLD_RUNNER = r"""
import json, multiprocessing, os, sys, time
from flickrsync import local
files = json.load(open(sys.argv[1]))
pairs = [(os.path.dirname(p), os.path.basename(p)) for p in files]
start = time.perf_counter()
with multiprocessing.Pool() as pool:                       # as flickrsync 0.1.1 does
    photos = list(pool.imap_unordered(local.image_worker, pairs))
elapsed = time.perf_counter() - start
bad = sum(1 for p in photos if p["imageerror"])
print(json.dumps({"seconds": elapsed, "files": len(photos), "errors": bad}))
"""


def ensure_venv_011(install: bool) -> Path | None:
    """The python of ``benchmarks/.venv-011``; built only when ``install`` (``--install-011``).
    None, after one line saying why, when flickrsync 0.1.1 cannot be run."""
    python = VENV_011 / "bin" / "python"
    if not python.exists():
        if not install:
            print(
                f"  flickrsync 0.1.1: skipped ({VENV_011.relative_to(REPO)} is missing;"
                " --install-011 builds it)"
            )
            return None
        print(f"  creating {VENV_011.relative_to(REPO)} with flickrsync==0.1.1 and Wand …", flush=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(VENV_011)], capture_output=True, text=True, check=False
        )
        if made.returncode == 0:
            made = subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "flickrsync==0.1.1", "Wand"],
                check=False,
                capture_output=True,
                text=True,
            )
        if made.returncode != 0:
            shutil.rmtree(VENV_011, ignore_errors=True)  # so that a later --install-011 starts afresh
            last = (made.stderr.strip() or made.stdout.strip() or "no output").splitlines()[-1]
            print(f"  flickrsync 0.1.1: skipped (building its venv failed: {last})")
            return None
    probe = subprocess.run(
        [str(python), "-c", "from flickrsync import local; from wand.image import Image"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip() or "no output").splitlines()[-1]
        print(f"  flickrsync 0.1.1: skipped (it cannot run: {last}; install Debian's libmagickwand-dev)")
        return None
    return python


def run_011(python: Path, files: Sequence[Path]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "files.json"
        listing.write_text(json.dumps([str(f) for f in files]))
        script = Path(tmp) / "run011.py"
        script.write_text(OLD_RUNNER)
        result = subprocess.run(
            [str(python), str(script), str(listing)], capture_output=True, text=True, check=True, cwd=tmp
        )
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    return float(doc["seconds"]), int(doc["errors"])


# --- the parts -------------------------------------------------------------------------------


def _best(label: str, times: list[float], files: int, nbytes: int) -> Figure:
    figure = Figure(label, min(times), files, nbytes)
    spread = f"  (median {statistics.median(times):.2f} s)" if len(times) > 1 else ""
    print(figure.line() + spread)
    return figure


def part_cold(n: int, repeat: int, with_011: bool, install_011: bool, results: dict[str, float]) -> None:
    root, files = camera_corpus(n)
    nbytes = sum(f.stat().st_size for f in files)
    paths = [str(f) for f in files]
    print(
        f"\n(a)(b) cold index of {len(files)} camera JPEGs, {nbytes / 1e6:,.0f} MB, {WORKERS} processes"
        f" (best of {repeat}, alternating)"
    )
    home = OUT / f"home-camera-{n}"
    read_times: list[float] = []
    floor_times: list[float] = []
    ours_times: list[float] = []
    doc: dict[str, object] = {}
    for _ in range(repeat):
        drop_cache(files)
        read_times.append(timed_pool(_read_file, paths))
        drop_cache(files)
        floor_times.append(timed_pool(_sha256_file, paths))
        shutil.rmtree(home, ignore_errors=True)
        write_config(home, root)
        drop_cache(files)
        seconds, doc = run_cli(home)
        ours_times.append(seconds)
    bare = _best("(for reference: bare read, no hash, pool)", read_times, len(files), nbytes)
    floor = _best("floor: read + SHA-256 (process pool)", floor_times, len(files), nbytes)
    ours = _best("flickrsync scan (cold, new index, CLI)", ours_times, len(files), nbytes)
    counts = doc["counts"]
    assert isinstance(counts, dict)
    problems = doc["problems"]
    assert isinstance(problems, list)
    print(
        f"  {'':<46} indexed {counts['pictures']} pictures, {counts['duplicate_groups']} duplicate "
        f"groups, {len(problems)} problems"
    )
    results["cold_vs_floor"] = floor.seconds / ours.seconds

    if with_011:
        python = ensure_venv_011(install_011)
        if python is not None:
            drop_cache(files)
            old_seconds, errors = run_011(python, files)
            old = Figure("flickrsync 0.1.1 image_worker (Pool), once", old_seconds, len(files), nbytes)
            print(old.line() + (f"  [{errors} errors]" if errors else ""))
            results["cold_vs_011"] = old.seconds / ours.seconds
            # No scanner that reads every byte can beat the bare read: this is the highest ratio
            # to 0.1.1 that these files on this disk allow.
            print(
                f"  {'(0.1.1 time / bare read time: the ratio a zero-cost scanner would get)':<70}"
                f" {old.seconds / bare.seconds:5.1f}x"
            )


def part_perceptual(n: int, repeat: int, results: dict[str, float]) -> None:
    root, files = camera_corpus(n)
    unique: dict[str, Path] = {}
    for f in files:
        unique.setdefault(f.name.split("-", 2)[-1] if f.parent.name == "Best of" else f.name, f)
    paths = [str(p) for p in unique.values()]
    nbytes = sum(os.path.getsize(p) for p in paths)
    print(f"\n(c) perceptual pass over {len(paths)} pictures (page cache warm, best of {repeat})")
    for p in paths:  # warm the cache for both
        _sha256_file(p)
    # An index of every file without perceptual hashes, restored before each run.
    home = OUT / f"home-perceptual-{n}"
    shutil.rmtree(home, ignore_errors=True)
    write_config(home, root)
    run_cli(home)
    db = home / "index-DEFAULT.db"
    template = home / "indexed-without-phash.db"
    shutil.copyfile(db, template)  # the CLI has exited: the WAL is checkpointed into the file
    floor_times: list[float] = []
    ours_times: list[float] = []
    computed = 0
    for _ in range(repeat):
        floor_times.append(timed_pool(_draft_decode, paths))
        shutil.copyfile(template, db)
        seconds, doc = run_cli(home, "--perceptual")
        ours_times.append(seconds)
        computed = int(str(doc["perceptual"]))
    floor = _best("floor: Pillow draft decode (process pool)", floor_times, len(paths), nbytes)
    ours = _best(f"flickrsync scan --perceptual ({computed} hashes, CLI)", ours_times, len(paths), nbytes)
    results["perceptual_vs_floor"] = floor.seconds / ours.seconds


def part_meta(n: int, repeat: int, results: dict[str, float]) -> None:
    root, files = camera_corpus(n)
    _tagged_root, tagged = tagged_corpus(n)
    paths, tagged_paths = [str(f) for f in files], [str(f) for f in tagged]
    print(f"\n(e) metadata of {len(files)} camera JPEGs, cold, {WORKERS} processes (best of {repeat})")
    home = OUT / f"home-meta-{n}"
    scans: list[float] = []
    runs: dict[str, list[tuple[float, tuple[float, ...]]]] = {}
    contenders: list[tuple[str, Callable[[str], float] | Callable[[str], tuple[float, float]], list[str]]] = [
        ("fingerprint alone", _fingerprint_only, paths),
        ("fingerprint + metadata (same read)", _fingerprint_and_metadata, paths),
        ("metadata alone", _metadata_only, paths),
        ("tagged: fingerprint alone", _fingerprint_only, tagged_paths),
        ("tagged: fingerprint + metadata", _fingerprint_and_metadata, tagged_paths),
        ("tagged: metadata alone", _metadata_only, tagged_paths),
    ]
    for _ in range(repeat):
        shutil.rmtree(home, ignore_errors=True)
        write_config(home, root)
        drop_cache(files)
        scans.append(run_cli(home)[0])
        for label, func, chosen in contenders:
            drop_cache([Path(p) for p in chosen])
            runs.setdefault(label, []).append(cpu_pool(func, chosen))
    scan = _best(
        "flickrsync scan (cold, new index, CLI)", scans, len(files), sum(f.stat().st_size for f in files)
    )
    pool = f"pool of {WORKERS}, cold"
    print(f"  {pool:<38} {'wall: best, median':>20} {'CPU ms/picture (best)':>28}")
    for label, measures in runs.items():
        walls = [wall for wall, _ in measures]
        columns = [min(cpu[i] for _, cpu in measures) / len(files) * 1000 for i in range(len(measures[0][1]))]
        cpu_text = " + ".join(f"{c:.3f}" for c in columns)
        rate = len(files) / min(walls)
        print(
            f"  {label:<38} {min(walls):5.2f} s {statistics.median(walls):5.2f} s {rate:6.0f}/s   {cpu_text}"
        )
    alone = len(files) / min(wall for wall, _ in runs["metadata alone"])
    tagged_alone = len(files) / min(wall for wall, _ in runs["tagged: metadata alone"])
    shares = {}
    for key, label in (
        ("meta_same_read_cost", "fingerprint + metadata (same read)"),
        ("meta_same_read_cost_tagged", "tagged: fingerprint + metadata"),
    ):
        # per run: what decoding added to that run's own fingerprint pass; the median run
        shares[key] = statistics.median(cpu[1] / cpu[0] for _, cpu in runs[label])
        results[key] = 1 + shares[key]
    print(
        f"  metadata alone: {alone:,.0f} pictures/s ({tagged_alone:,.0f} tagged) against the cold scan's"
        f" {scan.per_s:,.0f}; read with the content id, decoding adds {shares['meta_same_read_cost']:.1%} CPU"
        f" to the fingerprint ({shares['meta_same_read_cost_tagged']:.1%} on tagged files)"
    )


def part_wired(n: int, repeat: int, baseline: Path | None, results: dict[str, float]) -> None:
    """The cold scan as wired (issue 12: each file's metadata read with its content id and kept in
    the index) against the scan of ``--baseline`` (another checkout's src, without it), on the
    camera corpus and its tagged copy, alternated, each with a new index and the cache dropped."""
    if baseline is None:
        print("\n(f) wired: skipped (give --baseline SRC, the src folder of another checkout)")
        return
    print(f"\n(f) cold scan with metadata kept (this) against {baseline} (best of {repeat})")
    for corpus, (root, files) in (("camera", camera_corpus(n)), ("tagged", tagged_corpus(n))):
        times: dict[str, list[float]] = {"this": [], "baseline": []}
        for _ in range(repeat):
            for name, src in (("this", None), ("baseline", baseline)):
                home = OUT / f"home-wired-{name}-{n}"
                shutil.rmtree(home, ignore_errors=True)
                write_config(home, root)
                drop_cache(files)
                times[name].append(run_cli(home, src=src)[0])
        size = sum(f.stat().st_size for f in files)
        ours, theirs = (
            _best("this", times["this"], len(files), size),
            _best("baseline", times["baseline"], len(files), size),
        )
        ratio = min(times["this"]) / min(times["baseline"])
        results[f"wired_cost_{corpus}"] = ratio
        print(
            f"  {corpus:<7} this {ours.per_s:6.1f} pictures/s, baseline {theirs.per_s:6.1f}/s:"
            f" time ratio {ratio:.3f}"
        )


def _bare_walk(root: str) -> int:
    count = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            os.stat(os.path.join(dirpath, name))
            count += 1
    return count


WALK_SCRIPT = """
import os, sys
n = 0
for d, _s, names in os.walk(sys.argv[1]):
    for name in names:
        os.stat(os.path.join(d, name)); n += 1
print(n)
"""


def part_warm(n: int, repeat: int, results: dict[str, float]) -> None:
    from flickrsync.index import Index
    from flickrsync.localfs import ScanConfig
    from flickrsync.scanner import scan_library

    root = small_corpus(n)
    home = OUT / f"home-small-{n}"
    print(f"\n(d) warm re-scan of {n:,} unchanged files")
    db = home / "index-DEFAULT.db"
    if not db.exists():
        write_config(home, root)
        seconds, _doc = run_cli(home)
        print(Figure("(first index of the small files, CLI)", seconds, n, 0).line())
    config = ScanConfig(roots=(str(root),), skip_paths=(str(home),))
    run_cli(home)  # once untimed: bytecode cached, as after an install

    walk_times, scan_times, walk_cli, scan_cli = [], [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        found = _bare_walk(str(root))
        walk_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        with Index.open(db) as index:
            report = scan_library(index, config)
        scan_times.append(time.perf_counter() - start)
        assert report.read == 0, f"warm re-scan read {report.read} files"
        assert report.unchanged == found - 1 or report.unchanged == found, (report.unchanged, found)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", WALK_SCRIPT, str(root)], check=True, capture_output=True, env=CHILD_ENV
        )
        walk_cli.append(time.perf_counter() - start)
        seconds, _doc = run_cli(home)
        scan_cli.append(seconds)
    walk = Figure("floor: os.walk + os.stat (in-process)", min(walk_times), n, 0)
    ours = Figure("flickrsync scan_library, warm (in-process)", min(scan_times), n, 0)
    walk_p = Figure("floor: python -c 'os.walk + stat' (subprocess)", min(walk_cli), n, 0)
    ours_p = Figure("flickrsync scan, warm (CLI subprocess)", min(scan_cli), n, 0)
    for figure in (walk, ours, walk_p, ours_p):
        print(f"  {figure.name:<46} {figure.seconds:8.3f} s {figure.per_s:12,.0f} files/s")
    medians = f"walk {statistics.median(walk_times):.3f} s, scan {statistics.median(scan_times):.3f} s"
    print(f"  (best of {repeat}; medians: {medians})")
    results["warm_vs_walk"] = ours.seconds / walk.seconds
    results["warm_cli_vs_walk_cli"] = ours_p.seconds / walk_p.seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="camera JPEGs for the cold and perceptual parts")
    parser.add_argument("--warm-n", type=int, default=100_000, help="files for the warm re-scan part")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measure (best is kept)")
    parser.add_argument(
        "--parts", default="cold,perceptual,warm", help="comma-separated subset to run (also: meta, wired)"
    )
    parser.add_argument("--skip-011", action="store_true", help="do not run flickrsync 0.1.1")
    parser.add_argument(
        "--baseline", type=Path, default=None, help="part wired: the src folder of another checkout"
    )
    parser.add_argument(
        "--install-011",
        action="store_true",
        help="build benchmarks/.venv-011 (pip install flickrsync==0.1.1 Wand; needs Debian's "
        "libmagickwand-dev) if it is missing; without it, a missing venv skips that comparison",
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, float] = {}
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"scan benchmark: {WORKERS} CPUs, Python {sys.version.split()[0]}, load average {load}")
    if "cold" in parts:
        part_cold(args.n, args.repeat, not args.skip_011, args.install_011, results)
    if "perceptual" in parts:
        part_perceptual(args.n, args.repeat, results)
    if "warm" in parts:
        part_warm(args.warm_n, args.repeat, results)
    if "meta" in parts:
        part_meta(args.n, args.repeat, results)
    if "wired" in parts:
        part_wired(args.n, args.repeat, args.baseline, results)

    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end {load} (other work on the machine makes every figure noisier)")
    print("\nratios (targets in brackets)")
    checks = [
        ("cold_vs_011", "cold index speed / flickrsync 0.1.1", 40.0, True),
        ("cold_vs_floor", "cold index speed / read+SHA-256 floor", 0.60, True),
        ("perceptual_vs_floor", "perceptual pass speed / draft-decode floor", 0.90, True),
        ("warm_vs_walk", "warm re-scan time / bare walk (in-process)", 1.5, False),
        ("warm_cli_vs_walk_cli", "warm re-scan time / bare walk (subprocesses)", 1.5, False),
        ("meta_same_read_cost", "fingerprint+metadata CPU / fingerprint CPU", 1.05, False),
        ("meta_same_read_cost_tagged", "the same, tagged files", 1.15, False),
        ("wired_cost_camera", "cold scan time, metadata kept / without", 1.05, False),
        ("wired_cost_tagged", "the same, tagged files", 1.15, False),
    ]
    failed = False
    for key, label, target, higher_is_better in checks:
        if key not in results:
            continue
        value = results[key]
        ok = value >= target if higher_is_better else value <= target
        failed = failed or not ok
        bound = f">= {target:g}" if higher_is_better else f"<= {target:g}"
        print(f"  {label:<50} {value:8.2f}   [{bound}] {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
