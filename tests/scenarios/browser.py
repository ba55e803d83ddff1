"""A real browser for the review page's tests: Debian's Chromium driven by its chromedriver
through Selenium (nothing downloaded at run time), and ``flickrsync review`` run as a user runs
it, in a process of its own.

The ``browser`` fixture skips, with the reason, where Chromium or its driver is not installed
(``make test`` and ``.ci/run`` install both: ``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
#: Chromium's flags for a closed network, as root (without the background-networking ones its
#: own connections are refused here and it stalls).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
)


def _first(paths: tuple[str, ...]) -> str | None:
    return next((p for p in paths if os.path.exists(p)), None)


def missing() -> str | None:
    """Why no browser can be driven here, or None."""
    if _first(CHROMIUM) is None or _first(CHROMEDRIVER) is None:
        return "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A headless Chromium (a Selenium WebDriver) with a new, empty profile in ``profile``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = _first(CHROMIUM), _first(CHROMEDRIVER)
    if binary is None or driver is None:
        raise RuntimeError(str(missing()))
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(driver), options=options)
    session.set_page_load_timeout(60)
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium with a new, empty profile; skips where none can be driven."""
    why = missing()
    if why is not None:
        pytest.skip(why)
    with chromium(Path(tempfile.mkdtemp(prefix="chromium-", dir=tmp_path))) as session:
        yield session


class ReviewProcess:
    """``flickrsync --home HOME review --no-browser`` in a process of its own; :attr:`url` is the
    line it prints."""

    def __init__(self, home: Path, *args: str, timeout: float = 300.0) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flickrsync", "--home", str(home), "review", "--no-browser", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if line.startswith("http://"):
                self.url = line.strip()
                return
        self.proc.kill()
        _out, err = self.proc.communicate()
        raise AssertionError(f"review printed no address: {self.lines}\n{err}")

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.url).query)["token"][0]

    @property
    def base(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def finish(self, timeout: float = 60.0) -> tuple[int, str, str]:
        """Wait for the process to end (after Done); returns (exit code, stdout, stderr)."""
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, "\n".join([*self.lines, out]), err

    def interrupt(self) -> tuple[int, str, str]:
        """Ctrl-C."""
        self.proc.send_signal(signal.SIGINT)
        return self.finish()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, what: str = "the page") -> Any:
    """Poll ``condition`` until it returns something true; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def thumbnails_rendered(driver: Any) -> bool:
    """Every thumbnail of the page is loaded and has pixels (scrolled into view first: they load
    lazily)."""
    images = driver.find_elements("css selector", "img.thumb")
    for image in images:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
    return bool(
        driver.execute_script(
            "return Array.from(document.querySelectorAll('img.thumb'))"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
    )


def paint_timings(driver: Any) -> dict[str, float]:
    """The page's first-contentful-paint and DOMContentLoaded (ms after navigation started), once
    the browser has reported the paint (it may do so just after the load event)."""
    script = (
        "const nav = performance.getEntriesByType('navigation')[0];"
        "const fcp = performance.getEntriesByName('first-contentful-paint')[0];"
        "return fcp ? JSON.stringify({fcp: fcp.startTime, dcl: nav.domContentLoadedEventEnd,"
        " load: nav.loadEventEnd, bytes: nav.transferSize}) : null;"
    )
    timings: dict[str, float] = json.loads(wait_for(lambda: driver.execute_script(script), 10, "a paint"))
    return timings


def screenshot(driver: Any, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
