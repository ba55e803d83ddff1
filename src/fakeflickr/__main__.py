"""``python -m fakeflickr --data DIR [--host 127.0.0.1] [--port 0] [--consumer KEY:SECRET ...]``

Prints ``fakeflickr listening on http://HOST:PORT`` as the first line of stdout once it accepts
connections, then the registered API key pair(s) and users. Without ``--consumer`` (and no key in
DIR yet) a demo key pair is generated and printed. State lives in DIR and survives restarts.
Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from fakeflickr.server import FakeFlickr


def _consumer(value: str) -> tuple[str, str]:
    key, sep, secret = value.partition(":")
    if not sep or not key or not secret:
        raise argparse.ArgumentTypeError(f"--consumer wants KEY:SECRET, got {value!r}")
    return key, secret


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakeflickr", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="state directory (created if missing)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--consumer", action="append", type=_consumer, default=[], metavar="KEY:SECRET")
    parser.add_argument("--verbose", "-v", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)

    try:
        server = FakeFlickr(args.data, host=args.host, port=args.port, consumers=args.consumer)
        server.bind()
    except OSError as exc:
        print(f"fakeflickr: cannot start: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"fakeflickr listening on {server.base_url}", flush=True)
    for key, secret in server.store.consumers():
        print(f"consumer {key}:{secret}", flush=True)
    for user in server.store.users():
        print(f"user {user.username} {user.nsid}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
