"""``python -m fakeflickr --data DIR [--host 127.0.0.1] [--port 0] [--consumer KEY:SECRET ...]
[--latency-ms MS] [--up-bytes-per-s N] [--down-bytes-per-s N]``

Prints ``fakeflickr listening on http://HOST:PORT`` as the first line of stdout once it accepts
connections, then the registered API key pair(s) and users, then the network model when one is
set (:mod:`fakeflickr.link`). Without ``--consumer`` (and no key in DIR yet) a demo key pair is
generated and printed. State lives in DIR and survives restarts. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from fakeflickr.link import LinkSettings
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
    link = parser.add_argument_group(
        "network model", "slow every request as a real connection would (off by default; 0 = off)"
    )
    link.add_argument(
        "--latency-ms", type=float, default=0.0, metavar="MS", help="round-trip time per request"
    )
    link.add_argument(
        "--up-bytes-per-s",
        type=int,
        default=0,
        metavar="N",
        help="uplink shared by all connections (request bodies: uploads)",
    )
    link.add_argument(
        "--down-bytes-per-s",
        type=int,
        default=0,
        metavar="N",
        help="downlink shared by all connections (response bodies: downloads, answers)",
    )
    args = parser.parse_args(argv)
    try:
        link_settings = LinkSettings(args.latency_ms, args.up_bytes_per_s, args.down_bytes_per_s)
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)

    try:
        server = FakeFlickr(
            args.data, host=args.host, port=args.port, consumers=args.consumer, **link_settings.to_json()
        )
        server.bind()
    except OSError as exc:
        print(f"fakeflickr: cannot start: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        print(f"fakeflickr listening on {server.base_url}", flush=True)
        for key, secret in server.store.consumers():
            print(f"consumer {key}:{secret}", flush=True)
        for user in server.store.users():
            print(f"user {user.username} {user.nsid}", flush=True)
        if server.app.link.settings.active:
            print(server.app.link.settings.describe(), flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
