"""The shared HTTP client (flickrsync.wire.new_http_client)."""

from __future__ import annotations

import httpx

from flickrsync.wire import new_http_client


def test_the_shared_client_keeps_no_cookie_a_server_sets() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"}, content=b"ok")

    with new_http_client() as shared:
        jar = shared.cookies.jar
    with httpx.Client(transport=httpx.MockTransport(answer), cookies=jar) as client:
        client.get("https://live.staticflickr.com/a.jpg")
        client.get("https://live.staticflickr.com/b.jpg")
    assert seen == [None, None]
    assert len(jar) == 0
