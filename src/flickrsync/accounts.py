"""Profiles and their Flickr accounts: clients opened from :class:`~flickrsync.config.Settings`,
the out-of-band OAuth flow, and what ``status`` shows.

The one room where a profile's settings meet the client: :mod:`flickrsync.client` and
:mod:`flickrsync.oauth` never see :class:`~flickrsync.config.Settings` (nor import config); they
take the plain values (key, secret, token, :class:`~flickrsync.models.Endpoints`) given here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import httpx

from flickrsync.client import FlickrClient
from flickrsync.config import Settings
from flickrsync.errors import AuthError, RemoteError
from flickrsync.models import AccessToken, Account, Perms, ProfileStatus, TokenInfo
from flickrsync.oauth import (
    Credentials,
    RequestToken,
    access_token_url,
    auth_hint,
    authorize_url,
    load_token,
    parse_access_token,
    parse_request_token,
    perms_at_least,
    request_token_url,
    save_token,
)
from flickrsync.retry import BudgetWait, RateBudget


def open_client(
    settings: Settings,
    http: httpx.Client,
    *,
    need: Perms | None = "write",
    budget: RateBudget | None = None,
    **kwargs: Any,
) -> FlickrClient:
    """A client for the profile's stored token; :class:`AuthError` unless it has ``need``.

    ``need=None`` builds a client without a token (only for the authorisation flow).
    """
    settings.require_api_key()
    token = None
    if need is not None:
        token = load_token(settings.token_file, settings.profile)
        if token is None:
            raise AuthError(
                f"profile [{settings.profile}] is not authorised with Flickr yet",
                hint=auth_hint(settings.profile),
            )
        if not perms_at_least(token.perms, need):
            raise AuthError(
                f"the token of profile [{settings.profile}] has {token.perms} permission; {need} is needed",
                hint=auth_hint(settings.profile),
            )
    return _client(settings, http, token, budget or RateBudget(settings.calls_per_hour), **kwargs)


def _client(
    settings: Settings, http: httpx.Client, token: AccessToken | None, budget: RateBudget, **kwargs: Any
) -> FlickrClient:
    """The one mapping of a profile's settings onto a client's plain values."""
    return FlickrClient(
        http,
        api_key=settings.api_key,
        api_secret=settings.api_secret,
        token=token,
        endpoints=settings.endpoints,
        profile=settings.profile,
        budget=budget,
        **kwargs,
    )


def budgets_for(
    settings: Iterable[Settings], *, on_wait: Callable[[BudgetWait], None] | None = None
) -> dict[str, RateBudget]:
    """One budget per API key: profiles sharing a key share Flickr's per-key limit (the
    smallest ``calls_per_hour`` among them). ``on_wait`` hears of every wait for the budget."""
    limits: dict[str, int] = {}
    for s in settings:
        limits[s.api_key] = min(limits.get(s.api_key, s.calls_per_hour), s.calls_per_hour)
    return {key: RateBudget(calls, on_wait=on_wait) for key, calls in limits.items()}


def open_clients(
    settings: Sequence[Settings],
    http: httpx.Client,
    *,
    need: Perms = "write",
    on_wait: Callable[[BudgetWait], None] | None = None,
    **client_options: Any,
) -> dict[str, FlickrClient]:
    """A client per profile (``-p`` repeated, ``--all-profiles``), keyed by profile name, sharing
    the HTTP connection pool and one call budget per API key (whose waits ``on_wait`` hears of).
    Raises :class:`AuthError` naming the first profile that is not authorised with ``need`` (so
    a run stops before it starts)."""
    budgets = budgets_for(settings, on_wait=on_wait)
    return {
        s.profile: open_client(s, http, need=need, budget=budgets[s.api_key], **client_options)
        for s in settings
    }


def authorize(
    settings: Settings,
    http: httpx.Client,
    *,
    show_url: Callable[[str], None],
    read_verifier: Callable[[], str],
    **client_options: Any,
) -> TokenInfo:
    """The out-of-band OAuth flow for one profile; stores the token (0600) and returns who it is.

    ``show_url`` gets the page the user must open; ``read_verifier`` returns the code Flickr
    showed there. A wrong code is an :class:`AuthError`.
    """
    bare = open_client(settings, http, need=None, **client_options)
    consumer = Credentials(settings.api_key, settings.api_secret)

    def get_request_token() -> RequestToken:
        answer = bare.oauth_step(
            request_token_url(settings.endpoints), "oauth/request_token", consumer, callback="oob"
        )
        return parse_request_token(answer)

    request_token: RequestToken = bare.with_retries(get_request_token, "oauth/request_token")
    show_url(authorize_url(settings.endpoints, request_token))
    verifier = read_verifier().strip()
    if not verifier:
        raise AuthError("no verification code given", hint=auth_hint(settings.profile))
    exchange = Credentials(settings.api_key, settings.api_secret, request_token.token, request_token.secret)
    try:
        answer = bare.oauth_step(
            access_token_url(settings.endpoints), "oauth/access_token", exchange, verifier=verifier
        )
    except AuthError:
        raise AuthError(
            "Flickr rejected the verification code (wrong, already used, or too old)",
            hint=f"{auth_hint(settings.profile)} again and enter the code Flickr shows",
        ) from None
    granted = parse_access_token(answer)
    provisional = AccessToken(granted.token, granted.secret, "read", granted.account)
    client = _client(settings, http, provisional, bare.budget, **client_options)
    info = client.check_token()
    token = AccessToken(granted.token, granted.secret, info.perms, info.account)
    save_token(settings.token_file, token)
    client.token = token
    account = client.test_login()
    return TokenInfo(
        info.perms, Account(account.nsid, account.username or info.account.username, info.account.fullname)
    )


def profile_status(
    settings: Settings,
    http: httpx.Client,
    *,
    index_pictures: int | None = None,
    last_sync: str | None = None,
    **client_options: Any,
) -> ProfileStatus:
    """What ``flickrsync status`` shows for one profile; asks Flickr whether the token still works.

    The index figures come from the caller (the index module), None when unknown.
    """
    base = ProfileStatus(
        profile=settings.profile,
        directory=str(settings.directory),
        directory_exists=settings.directory.is_dir(),
        authorization="missing",
        index_pictures=index_pictures,
        last_sync=last_sync,
    )
    try:
        token = load_token(settings.token_file, settings.profile)
    except AuthError as exc:
        return replace(base, authorization="invalid", problem=str(exc))
    if token is None:
        return replace(base, problem=f"not authorised: {auth_hint(settings.profile)}")
    known = replace(base, account=token.account, perms=token.perms)
    try:
        client = open_client(settings, http, need="read", **client_options)
        info = client.check_token()
    except AuthError as exc:
        return replace(known, authorization="invalid", problem=str(exc))
    except RemoteError as exc:
        return replace(known, authorization="unknown", problem=str(exc))
    problem = None
    if not perms_at_least(info.perms, "write"):
        problem = f"read-only token: uploads and photosets need write; {auth_hint(settings.profile)}"
    return replace(known, authorization="valid", account=info.account, perms=info.perms, problem=problem)
