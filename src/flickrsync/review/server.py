"""The review page's HTTP server (the standard library's ``http.server``).

Security, every request:

* bound to 127.0.0.1 only; the ``Host`` header must name that address or ``localhost`` with the
  server's port (a page of another site that a DNS rebinding points at 127.0.0.1 sends its own
  host name: refused);
* a secret token (``secrets.token_urlsafe``, new for every run, printed in the page's URL) in the
  query of every GET — the page, its script, its thumbnails — and in the ``X-Review-Token``
  header of every POST; without it: 403;
* whatever changes something is a POST with a JSON body, whose ``Origin`` (when the browser sends
  one) is the page's own and whose ``Sec-Fetch-Site`` (likewise) is ``same-origin``;
* no request names a file: thumbnails are asked by content id or Flickr photo id, and only ids of
  the plan are served (:mod:`flickrsync.review.thumbs`); static files come from the package;
* every answer forbids framing, sniffing and referrers, and allows scripts, styles, images and
  requests from the page's own origin only (Content-Security-Policy).

Threads: a page asks for dozens of thumbnails at once, and a Flickr one takes a round trip, so
requests are served by :class:`http.server.ThreadingHTTPServer`, a thread per request. This is the
one exception to "only the executor runs threads", and it is kept here: the request threads touch
no index (they read the plan's records in memory, make thumbnails, fetch renditions through the
thread-safe client); the index is opened only by the background job that applies or plans again,
which runs through :func:`flickrsync.executor.in_background`.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flickrsync.errors import FlickrsyncError, UsageError
from flickrsync.review import page
from flickrsync.review.session import EditError, Review

log = logging.getLogger("flickrsync.review")

HOST = "127.0.0.1"
#: The largest POST body taken (an edit is a few hundred bytes).
MAX_BODY = 1 << 20
STATIC = {"review.css": "text/css; charset=utf-8", "review.js": "text/javascript; charset=utf-8"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_THUMB = re.compile(r"/thumb/(picture|photo)/([0-9a-f]{64}|[0-9]{1,20})")


class ReviewServer:
    """The server of one review. :meth:`serve` in the main thread until "Done" or Ctrl-C."""

    def __init__(self, review: Review, *, port: int = 0) -> None:
        self.review = review
        self.token = secrets.token_urlsafe(32)
        try:
            self.httpd = _Server((HOST, port), _Handler)
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {HOST}:{port}: {exc.strerror or exc}", hint="give another --port, or none"
            ) from None
        self.httpd.app = self
        self.port: int = self.httpd.server_address[1]
        self.hosts = frozenset({f"{HOST}:{self.port}", f"localhost:{self.port}"})
        self.origins = frozenset(f"http://{h}" for h in self.hosts)
        self.finished = False

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def serve(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        self.httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: ReviewServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "flickrsync-review"
    sys_version = ""

    # --- plumbing ---------------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        """Requests go to the debug log, without their query (it holds the token)."""
        log.debug("review: %s %s", self.command, urlsplit(self.path).path)

    def _send(self, status: int, body: bytes, media_type: str, *, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "private, max-age=86400" if cache else "no-store")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _refuse(self, status: int, why: str) -> None:
        self._send(status, f"{status} {why}\n".encode(), "text/plain; charset=utf-8")

    def _allowed(self, token: str | None) -> bool:
        app = self.server.app
        if self.headers.get("Host", "") not in app.hosts:
            self._refuse(HTTPStatus.FORBIDDEN, "not this server's address")
            return False
        if token is None or not hmac.compare_digest(token.encode(), app.token.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "the page's address (with its token) is needed")
            return False
        return True

    # --- GET -------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if not self._allowed(query.get("token", [None])[0]):
            return
        review = self.server.app.review
        try:
            if url.path == "/":
                self._page(query)
            elif url.path.startswith("/static/") and url.path[8:] in STATIC:
                name = url.path[8:]
                data = resources.files(__package__).joinpath("static", name).read_bytes()
                self._send(HTTPStatus.OK, data, STATIC[name], cache=True)
            elif match := _THUMB.fullmatch(url.path):
                kind, ident = match.groups()
                thumb = review.thumbs.picture(ident) if kind == "picture" else review.thumbs.photo(ident)
                if thumb is None:
                    self._refuse(HTTPStatus.NOT_FOUND, "not in this plan")
                else:
                    self._send(HTTPStatus.OK, thumb.data, thumb.media_type, cache=True)
            elif url.path == "/progress":
                html, running, kind = review.progress_html()
                self._json(HTTPStatus.OK, {"html": html, "running": running, "kind": kind})
            else:
                self._refuse(HTTPStatus.NOT_FOUND, "no such page")
        except Exception:
            log.exception("review: GET %s", url.path)
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (details in the log)")

    def _page(self, query: dict[str, list[str]]) -> None:
        app = self.server.app
        section = query.get("section", [None])[0]
        number = query.get("page", ["1"])[0]
        doc, view = app.review.view(section, int(number) if number.isdigit() else 1)
        progress, _running, _kind = app.review.progress_html()
        body = page.render(doc, view, app.token, progress).encode()
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")

    # --- POST ------------------------------------------------------------------------------------

    def do_POST(self) -> None:
        app = self.server.app
        if not self._allowed(self.headers.get("X-Review-Token")):
            return
        origin = self.headers.get("Origin")
        site = self.headers.get("Sec-Fetch-Site")
        if (origin is not None and origin not in app.origins) or site not in (None, "same-origin"):
            self._refuse(HTTPStatus.FORBIDDEN, "changes come from the page itself only")
            return
        if self.headers.get_content_type() != "application/json":
            self._refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "a JSON body is expected")
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._refuse(HTTPStatus.BAD_REQUEST, "bad Content-Length")
            return
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._refuse(HTTPStatus.BAD_REQUEST, "not JSON")
            return
        if not isinstance(data, dict):
            self._refuse(HTTPStatus.BAD_REQUEST, "a JSON object is expected")
            return
        path = urlsplit(self.path).path
        try:
            self._post(path, data)
        except EditError as exc:
            self._json(HTTPStatus.CONFLICT, {"ok": False, "error": str(exc)})
        except FlickrsyncError as exc:
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"ok": False, "error": str(exc)})
        except Exception as exc:
            log.exception("review: POST %s", path)
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"ok": False, "error": f"internal error: {exc}"})

    def _post(self, path: str, data: dict[str, Any]) -> None:
        app = self.server.app
        review = app.review
        if path == "/edit":
            kind, ident, name = (data.get(k) for k in ("kind", "id", "field"))
            if not all(isinstance(x, str) for x in (kind, ident, name)):
                raise EditError("an edit names kind, id and field")
            status = review.edit(str(kind), str(ident), str(name), data.get("value"))
            self._json(HTTPStatus.OK, {"ok": True, "status": status})
        elif path == "/apply":
            review.start_apply()
            self._json(HTTPStatus.OK, {"ok": True, "status": "applying"})
        elif path == "/replan":
            review.start_plan()
            self._json(HTTPStatus.OK, {"ok": True, "status": "planning"})
        elif path == "/save":
            saved = review.save()
            self._json(
                HTTPStatus.OK, {"ok": True, "status": f"saved: `flickrsync apply {saved}` does the same"}
            )
        elif path == "/done":
            if review.job is not None and review.job.running:
                raise EditError(f"wait: {review.job.kind} is running")
            app.finished = True
            self._json(HTTPStatus.OK, {"ok": True, "status": "finished: you may close this page"})
            self.server.shutdown()
        else:
            self._refuse(HTTPStatus.NOT_FOUND, "no such action")
