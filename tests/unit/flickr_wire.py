"""Test helpers for the client's unit tests: what a Flickr server sees on the wire.

``verify_signature`` recomputes an OAuth 1.0a HMAC-SHA1 signature by hand, following REFERENCE
§1.3 step by step, independently of oauthlib (which the client uses): it proves that what the
client *sends* (query, urlencoded body, multipart fields minus ``photo``) is what it *signed*.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx


def enc(text: str) -> str:
    return quote(text, safe="-._~")


def header_pairs(request: httpx.Request) -> list[tuple[str, str]]:
    """The ``Authorization: OAuth ...`` parameters, each as often as sent (``realm`` left out)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("OAuth "):
        return []
    out = []
    for part in header[len("OAuth ") :].split(","):
        key, _, value = part.strip().partition("=")
        if key != "realm":
            out.append((key, unquote(value.strip('"'))))
    return out


def all_pairs(request: httpx.Request) -> list[tuple[str, str]]:
    """Header + query + body parameters, each as often as sent, as a Flickr server gathers them."""
    query = parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True)
    return [*header_pairs(request), *query, *body_pairs(request)]


def auth_params(request: httpx.Request) -> dict[str, str]:
    """The request's oauth_* parameters, wherever they travel (header, query or body)."""
    out = {k: v for k, v in all_pairs(request) if k.startswith("oauth_")}
    assert "oauth_signature" in out, "every request is signed"
    return out


def multipart_fields(request: httpx.Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """(text fields, file parts as (filename, bytes)) of a multipart request."""
    body = request.read()
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert isinstance(payload, bytes)
        if filename is None:
            fields[name] = payload.decode()
        else:
            files[name] = (filename, payload)
    return fields, files


def body_pairs(request: httpx.Request) -> list[tuple[str, str]]:
    """The form fields of a POST (urlencoded or multipart text parts), repeats kept; empty for a GET."""
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/form-data"):
        body = request.read()
        head = f"Content-Type: {ctype}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        out = []
        for part in message.iter_parts():
            payload = part.get_payload(decode=True)
            if part.get_filename() is None and isinstance(payload, bytes):
                out.append((str(part.get_param("name", header="content-disposition")), payload.decode()))
        return out
    if ctype.startswith("application/x-www-form-urlencoded"):
        return parse_qsl(request.read().decode(), keep_blank_values=True)
    return []


def body_fields(request: httpx.Request) -> dict[str, str]:
    """The form fields of a POST (urlencoded or multipart text parts), empty for a GET."""
    return dict(body_pairs(request))


def all_params(request: httpx.Request) -> dict[str, str]:
    """Query + body fields, as a Flickr server merges them (oauth_* carried in the body included)."""
    query = dict(parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True))
    return {**query, **body_fields(request)}


def base_string(method: str, url: str, params: list[tuple[str, str]]) -> str:
    """REFERENCE §1.3 steps 1-5."""
    pairs = sorted((enc(k), enc(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    parts = urlsplit(url)
    base_url = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
    return "&".join([method.upper(), enc(base_url), enc(normalized)])


def hmac_sha1(base: str, consumer_secret: str, token_secret: str = "") -> str:
    """REFERENCE §1.3 steps 6-7."""
    key = f"{enc(consumer_secret)}&{enc(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def verify_signature(request: httpx.Request, consumer_secret: str, token_secret: str = "") -> bool:
    """The signature is right, and no oauth_* parameter was sent twice (header, query and body
    together: a server may refuse a repeated protocol parameter, RFC 5849 §3.2)."""
    pairs = all_pairs(request)
    oauth_names = [k for k, _ in pairs if k.startswith("oauth_")]
    if len(oauth_names) != len(set(oauth_names)):
        return False
    given = dict(pairs).get("oauth_signature")
    if given is None:
        return False
    params = [(k, v) for k, v in pairs if k != "oauth_signature"]
    base = base_string(request.method, str(request.url), params)
    return hmac.compare_digest(hmac_sha1(base, consumer_secret, token_secret), given)


def json_response(doc: dict[str, Any], status: int = 200) -> httpx.Response:
    return httpx.Response(status, text=json.dumps(doc), headers={"Content-Type": "application/json"})


def ok(payload: dict[str, Any] | None = None) -> httpx.Response:
    return json_response({**(payload or {}), "stat": "ok"})


def fail(code: int, message: str) -> httpx.Response:
    return json_response({"stat": "fail", "code": code, "message": message})


def xml_response(body: str) -> httpx.Response:
    text = f'<?xml version="1.0" encoding="utf-8" ?>\n<rsp stat="ok">\n{body}\n</rsp>\n'
    return httpx.Response(200, text=text, headers={"Content-Type": "text/xml; charset=utf-8"})


def oauth_problem(problem: str, status: int = 401) -> httpx.Response:
    return httpx.Response(
        status, text=f"oauth_problem={problem}", headers={"Content-Type": "text/plain;charset=UTF-8"}
    )


class ListingStub:
    """people.getPhotos / photos.search as Flickr pages them, for the listing walker.

    Photostream order (newest upload first; or oldest first, or none), per_page clamped to 500, inclusive
    min/max_upload_date, a page past the end answers the last page again, and no query yields
    more than ``cap`` results: past it, the last page within the cap comes back again
    (REFERENCE §3.4, §10). ``total`` always tells the true count (or ``""`` with ``blank_total``).
    """

    def __init__(
        self,
        uploads: list[int],
        *,
        cap: int = 4000,
        blank_total: bool = False,
        order: Literal["desc", "asc", "shuffled"] = "desc",
    ) -> None:
        self.photos = [
            {"id": str(1_000_000 + i), "dateupload": str(when), "title": f"p{i}"}
            for i, when in enumerate(uploads)
        ]
        self.photos.sort(key=lambda p: (-int(p["dateupload"]), p["id"]))
        if order == "asc":
            self.photos.reverse()
        elif order == "shuffled":
            random.Random(7).shuffle(self.photos)
        self.cap = cap
        self.blank_total = blank_total
        self.calls: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        args = all_params(request)
        self.calls.append(args)
        assert args["method"] in ("flickr.people.getPhotos", "flickr.photos.search"), args["method"]
        assert args["user_id"] == "me"
        lo = int(args.get("min_upload_date", "0"))
        hi = int(args.get("max_upload_date", str(2**40)))
        hits = [p for p in self.photos if lo <= int(p["dateupload"]) <= hi]
        per_page = min(int(args.get("per_page", "100")), 500)
        total = len(hits)
        pages = -(-total // per_page)
        reachable = min(pages, max(1, self.cap // per_page))
        page = max(1, min(int(args.get("page", "1")), reachable))
        items = hits[(page - 1) * per_page : page * per_page]
        return ok(
            {
                "photos": {
                    "page": page,
                    "pages": pages,
                    "perpage": per_page,
                    "total": "" if self.blank_total else str(total),
                    "photo": items,
                }
            }
        )
