"""The two ways fakeflickr refuses a request, as Flickr does.

* :class:`ApiError` — an API-level failure: HTTP 200 with ``<rsp stat="fail"><err code msg/>`` (or the
  JSON ``{"stat":"fail","code":N,"message":...}``). Raised by handlers and the upload endpoint.
* :class:`OAuthProblem` — an OAuth-layer failure: HTTP 400/401, ``text/plain;charset=UTF-8`` and a
  form-encoded ``oauth_problem=...`` body, never wrapped in ``<rsp>`` (REFERENCE §1.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakeflickr.render import El


class ApiError(Exception):
    """A Flickr API error: code and message exactly as Flickr words them. ``extra`` holds elements
    Flickr adds after ``<err>`` (upload error 9 adds ``<duplicate_photo_id>``)."""

    def __init__(self, code: int, message: str, extra: list[El] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.extra = extra or []


class OAuthProblem(Exception):
    """An OAuth failure answered with a 4xx text/plain body (``oauth_problem=...``)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


# Flickr's common error codes (REFERENCE §2.5), with the messages recorded or listed in reflection.
def invalid_api_key(key: str | None) -> ApiError:
    """Error 100, worded by whether the key could be a Flickr key at all (32 hex digits)."""
    if key and len(key) == 32 and all(c in "0123456789abcdef" for c in key.lower()):
        return ApiError(100, "Invalid API Key (Key not found)")
    return ApiError(100, "Invalid API Key (Key has invalid format)")


def method_not_found(method: str) -> ApiError:
    return ApiError(112, f'Method "{method}" not found')


def format_not_found(fmt: str) -> ApiError:
    return ApiError(111, f'Format "{fmt}" not found')


def post_required() -> ApiError:
    return ApiError(116, "The POST method is now required for all setters")


def insufficient_permissions(required: str, granted: str) -> ApiError:
    return ApiError(
        99, f"Insufficient permissions. Method requires {required} privileges; {granted} granted."
    )


SERVICE_UNAVAILABLE = (105, "Service currently unavailable")
