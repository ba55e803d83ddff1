"""The review server's guard (issue 13, security): loopback only, the token on every request,
changes only by POST from the page itself, no file named by the page; and how it stops."""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from tests.scenarios.browser import ReviewProcess
from tests.synchelpers import SyncLib, content_id, picture_bytes, seed_spec

pytestmark = pytest.mark.integration


def raw_get(review: ReviewProcess, target: str, host: str | None = None) -> int:
    """A GET sent exactly as written (no client normalises ``..`` away); returns the status."""
    parts = urlsplit(review.base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.putrequest("GET", target, skip_host=True)
        conn.putheader("Host", host or parts.netloc)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def test_every_request_needs_the_token_and_changes_come_from_the_page(lib: SyncLib) -> None:
    a = lib.add("a.jpg", 1, size=(400, 300))
    (pid,) = lib.ff.seed_photos([seed_spec(picture_bytes(9, size=(400, 300)), "only on Flickr")])
    review = ReviewProcess(lib.home)
    try:
        assert urlsplit(review.url).hostname == "127.0.0.1"
        token = review.token
        thumb = f"/thumb/picture/{content_id(a)}"
        with httpx.Client(base_url=review.base, timeout=30) as web:
            # Without the token, or with another, nothing is served: the page, its script, thumbnails.
            for path in ("/", "/static/review.js", thumb, f"/thumb/photo/{pid}", "/progress"):
                assert web.get(path).status_code == 403, path
                assert web.get(path, params={"token": token[:-1] + "x"}).status_code == 403, path
            page = web.get("/", params={"token": token})
            assert page.status_code == 200
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
            assert page.headers["referrer-policy"] == "no-referrer"
            assert "http://" not in page.text, "nothing from elsewhere"
            assert "https://" not in page.text, "nothing from elsewhere"
            assert "<script>" not in page.text, "no inline script"
            for path in (thumb, f"/thumb/photo/{pid}"):
                got = web.get(path, params={"token": token})
                assert got.status_code == 200, path
                assert got.headers["content-type"] == "image/jpeg"
            # A page that a DNS rebinding points at 127.0.0.1 names its own host: refused.
            assert raw_get(review, f"/?token={token}", host="evil.example") == 403
            port = urlsplit(review.base).port
            assert raw_get(review, f"/?token={token}", host=f"evil.example:{port}") == 403
            # Thumbnails are named by index ids only; nothing else is a file the page can read.
            assert web.get("/thumb/picture/" + "0" * 64, params={"token": token}).status_code == 404
            for target in (
                f"/thumb/picture/../../../../etc/passwd?token={token}",
                f"/static/../session.py?token={token}",
                f"/static/%2e%2e/server.py?token={token}",
                f"/thumb/picture/{lib.root}/a.jpg?token={token}",
            ):
                assert raw_get(review, target) == 404, target

            edit = {"kind": "upload", "id": content_id(a), "field": "title", "value": "Dawn"}
            # Changes: POST only, with the token in its header, from the page's own origin.
            assert web.get("/edit", params={"token": token}).status_code == 404
            assert web.post("/edit", params={"token": token}, json=edit).status_code == 403
            headers = {"X-Review-Token": token}
            evil = {**headers, "Origin": "http://evil.example"}
            assert web.post("/edit", headers=evil, json=edit).status_code == 403
            cross = {**headers, "Sec-Fetch-Site": "cross-site"}
            assert web.post("/edit", headers=cross, json=edit).status_code == 403
            form = web.post("/edit", headers=headers, content=b"kind=upload")
            assert form.status_code == 415
            bad = web.post("/edit", headers=headers, json={**edit, "field": "privacy", "value": "everyone"})
            assert bad.status_code == 409
            assert bad.json()["ok"] is False
            assert (
                bad.json()["error"]
                == "privacy: must be one of public, friends+family, friends, family, private"
            )
            own = {**headers, "Origin": review.base, "Sec-Fetch-Site": "same-origin"}
            done = web.post("/edit", headers=own, json=edit)
            assert done.json() == {"ok": True, "status": "changed"}
            assert 'value="Dawn"' in web.get("/", params={"token": token}).text

            assert web.post("/done", headers=headers, json={}).json()["ok"] is True
        code, out, err = review.finish()
    finally:
        review.kill()
    assert code == 0, err
    assert out.splitlines()[-1] == "[DEFAULT] review finished: 0 applies"
    assert lib.photos_by_content() == {}, "nothing was applied"


def test_ctrl_c_stops_the_review(lib: SyncLib) -> None:
    lib.add("a.jpg", 1)
    review = ReviewProcess(lib.home)
    try:
        code, _out, err = review.interrupt()
    finally:
        review.kill()
    assert code == 0, err
    assert "[DEFAULT] review stopped" in err
    assert "Traceback" not in err


def test_a_port_in_use_is_a_usage_error(lib: SyncLib) -> None:
    lib.add("a.jpg", 1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = lib.run("review", "--no-browser", "--port", str(port))
    assert result.code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.err
    assert "--port" in result.err
