"""A tiny independent Flickr client for fakeflickr's own tests: oauthlib signs, httpx sends.

Kept deliberately naive (no retries, no parsing beyond JSON/XML) so tests see the wire as it is.
"""

from __future__ import annotations

import json
import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from oauthlib.oauth1 import SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_BODY, Client

from fakeflickr.testing import AccessToken, FakeFlickrHandle

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Building an SSL context costs ~80 ms per httpx.Client; share one (the emulator is plain HTTP).
_SSL = ssl.create_default_context()


def http_client(timeout: float = 30.0) -> httpx.Client:
    return httpx.Client(timeout=timeout, verify=_SSL)


#: A shared client for one-off requests in tests (its connections kept alive between them).
HTTP = http_client()


@dataclass
class Api:
    """Signed calls as one user (or unsigned with only ``api_key`` when ``token`` is None)."""

    ff: FakeFlickrHandle
    token: AccessToken | None = None
    timeout: float = 30.0
    #: Signed POSTs carry their oauth_* parameters in the body instead of the Authorization
    #: header (how checkToken must be called: its ``oauth_token`` argument is one of them).
    oauth_in_body: bool = False

    def client(self, **extra: Any) -> Client:
        return Client(
            self.ff.consumer_key,
            client_secret=self.ff.consumer_secret,
            resource_owner_key=self.token.token if self.token else None,
            resource_owner_secret=self.token.secret if self.token else None,
            **extra,
        )

    def raw(
        self, http_method: str, params: dict[str, str], *, signed: bool = True, url: str | None = None
    ) -> httpx.Response:
        url = url or self.ff.rest_url
        params = {k: str(v) for k, v in params.items()}
        with http_client(self.timeout) as http:
            if not signed or self.token is None:
                params.setdefault("api_key", self.ff.consumer_key)
                if http_method == "GET":
                    return http.get(url, params=params)
                return http.post(url, content=urlencode(params), headers=FORM)
            if http_method == "GET":
                signed_url, headers, _ = self.client().sign(f"{url}?{urlencode(params)}", "GET")
                return http.get(signed_url, headers=headers)
            where = SIGNATURE_TYPE_BODY if self.oauth_in_body else SIGNATURE_TYPE_AUTH_HEADER
            client = self.client(signature_type=where)
            _, headers, body = client.sign(url, "POST", body=urlencode(params), headers=FORM)
            return http.post(url, content=body, headers=headers)

    def call(self, method: str, http_method: str = "POST", **params: Any) -> dict[str, Any]:
        """A JSON call; returns the parsed body (``stat`` ok or fail)."""
        args = {
            "method": method,
            "format": "json",
            "nojsoncallback": "1",
            **{k: str(v) for k, v in params.items()},
        }
        response = self.raw(http_method, args)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = json.loads(response.text)
        return data

    def ok(self, method: str, http_method: str = "POST", **params: Any) -> dict[str, Any]:
        data = self.call(method, http_method, **params)
        assert data["stat"] == "ok", data
        return data

    def xml(self, method: str, http_method: str = "GET", **params: Any) -> ET.Element:
        response = self.raw(http_method, {"method": method, **{k: str(v) for k, v in params.items()}})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        return ET.fromstring(response.content)

    def upload(
        self,
        data: bytes,
        filename: str = "photo.jpg",
        *,
        endpoint: str = "upload",
        sign_fields: bool = True,
        **fields: Any,
    ) -> httpx.Response:
        """Multipart upload/replace signed like Flickr wants: every field but ``photo``."""
        url = self.ff.upload_url if endpoint == "upload" else self.ff.replace_url
        form = {k: str(v) for k, v in fields.items()}
        signed_fields = form if sign_fields else {}
        _, headers, _ = self.client().sign(url, "POST", body=urlencode(signed_fields), headers=FORM)
        auth = {"Authorization": headers["Authorization"]}
        with http_client(self.timeout) as http:
            return http.post(
                url, data=form, files={"photo": (filename, data, "application/octet-stream")}, headers=auth
            )

    def upload_ok(self, data: bytes, filename: str = "photo.jpg", **fields: Any) -> str:
        response = self.upload(data, filename, **fields)
        assert response.status_code == 200, response.text
        root = ET.fromstring(response.content)
        assert root.get("stat") == "ok", response.text
        element = root.find("photoid")
        if element is None:
            element = root.find("ticketid")
        assert element is not None, response.text
        assert element.text, response.text
        return element.text


def jpeg(
    width: int = 64,
    height: int = 48,
    *,
    date_taken: str | None = None,
    seed: int = 1,
    orientation: int | None = None,
) -> bytes:
    """A small JPEG, optionally with EXIF DateTimeOriginal ("YYYY:MM:DD HH:MM:SS") and Orientation."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height), ((seed * 40) % 256, (seed * 90) % 256, (seed * 160) % 256))
    exif = Image.Exif()
    if date_taken:
        exif.get_ifd(0x8769)[36867] = date_taken
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def padded_jpeg(size: int, seed: int = 1) -> bytes:
    """A valid JPEG of exactly ``size`` bytes: a tiny picture, then noise after its end marker (for
    transfers of a given size; Flickr and fakeflickr keep the bytes as they are)."""
    import os

    head = jpeg(32, 24, seed=seed)
    return head + os.urandom(size - len(head))


def mp4(
    width: int = 1280, height: int = 720, *, seconds: int = 12, created: int = 0, brand: bytes = b"isom"
) -> bytes:
    """A minimal ISO-BMFF movie: ftyp + moov(mvhd, trak(tkhd)) + an mdat of noise.

    ``created`` is the mvhd creation time in seconds since 1904-01-01 (0 = not set)."""
    import struct

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    mvhd = struct.pack(">IIIII", 0, created, created, 1000, seconds * 1000) + bytes(80)
    tkhd = struct.pack(">IIIII", 7, created, created, 1, 0) + bytes(4) + struct.pack(">I", seconds * 1000)
    tkhd += bytes(8 + 2 + 2 + 2 + 2 + 36) + struct.pack(">II", width << 16, height << 16)
    moov = box(b"moov", box(b"mvhd", mvhd) + box(b"trak", box(b"tkhd", tkhd)))
    return (
        box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
        + moov
        + box(b"mdat", bytes(range(256)) * 8)
    )
