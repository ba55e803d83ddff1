"""flickr.test.* and flickr.auth.oauth.*."""

from __future__ import annotations

from fakeflickr.errors import ApiError
from fakeflickr.handlers.common import caller
from fakeflickr.handlers.registry import Call, method
from fakeflickr.render import El, Scalar, text_el


@method("flickr.test.login", perms=1, login=True)
def test_login(call: Call) -> list[El]:
    user = caller(call)
    attrs: dict[str, Scalar] = {"id": user.nsid}
    if user.path_alias:
        attrs["path_alias"] = user.path_alias
    return [El("user", attrs, [text_el("username", user.username)])]


@method("flickr.test.null", perms=1, login=True)
def test_null(call: Call) -> list[El]:
    return []


@method("flickr.test.echo")
def test_echo(call: Call) -> list[El]:
    return [text_el(k, v) for k, v in call.params.items() if not k.startswith("oauth_")]


@method("flickr.auth.oauth.checkToken")
def auth_oauth_check_token(call: Call) -> list[El]:
    if call.token is None:
        raise ApiError(97, "Missing signature")  # reflection: needssigning=1
    # The argument comes from the request parameters (query or body), never from the
    # Authorization header: a header-only token is 98, as on Flickr (REFERENCE §10).
    token_value = call.arg("oauth_token")
    token = call.store.token(token_value) if token_value else None
    if token is None or token.kind != "access" or token.state != "active" or token.user_nsid is None:
        raise ApiError(98, "Invalid token")
    user = call.store.user(token.user_nsid)
    assert user is not None
    return [
        El(
            "oauth",
            children=[
                text_el("token", token.token),
                text_el("perms", token.perms or "read"),
                El("user", {"nsid": user.nsid, "username": user.username, "fullname": user.fullname}),
            ],
        )
    ]
