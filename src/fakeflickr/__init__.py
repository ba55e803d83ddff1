"""fakeflickr: a Flickr-compatible API server on loopback, for tests, benchmarks and the demo.

It behaves like Flickr on the wire (see docs/flickr-quirks.md and ../shared/flickr-api in the
development environment). It never imports flickrsync, so it stays an independent check.

It needs Werkzeug, which a plain ``pip install flickrsync`` does not bring: without it, importing
fakeflickr fails with one line naming the extra to install (and ``python -m fakeflickr`` prints
that line and exits 2).
"""

import sys

#: What to do when Werkzeug is missing (a plain install of flickrsync, without the extra).
NEEDS_EXTRA = "fakeflickr needs the 'emulator' extra: pip install 'flickrsync[emulator]'"

try:
    import werkzeug  # noqa: F401 - only checks that the emulator's dependency is there
except ImportError:
    if sys.argv[:1] == ["-m"]:  # `python -m fakeflickr` is importing its package: no traceback
        print(NEEDS_EXTRA, file=sys.stderr)
        raise SystemExit(2) from None
    raise ImportError(NEEDS_EXTRA) from None
