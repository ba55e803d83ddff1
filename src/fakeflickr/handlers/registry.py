"""The registry of Flickr's REST methods: :data:`METHODS` maps each method name to its handler and
what it needs. Handlers live in one module per Flickr namespace (this package) and register with
:func:`method`; the server (:mod:`fakeflickr.server`) looks a method up here and enforces, before
calling its handler, the permission it needs (reflection ``requiredperms``: 0 none, 1 read,
2 write, 3 delete; error 99), a logged-in user when needed, and POST for writes (error 116).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fakeflickr.render import El
from fakeflickr.state import PERM_LEVEL, Store, User


@dataclass(frozen=True, slots=True)
class Call:
    """One REST call, after OAuth and permission checks."""

    store: Store
    params: dict[str, str]
    user: User | None
    perms: str
    base_url: str
    http_method: str = "GET"
    #: The OAuth access token the call was signed with.
    token: str | None = None

    def arg(self, name: str) -> str | None:
        value = self.params.get(name)
        return None if value is None else value

    def nonempty(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None


Handler = Callable[[Call], list[El]]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    handler: Handler
    perms: int  # 0 none, 1 read, 2 write, 3 delete
    needs_login: bool
    #: Top-level payload elements that are JSON arrays whenever present.
    repeatable: tuple[str, ...] = ()

    @property
    def needs_post(self) -> bool:
        return self.perms >= PERM_LEVEL["write"]


METHODS: dict[str, MethodSpec] = {}


def method(
    name: str, perms: int = 0, login: bool = False, repeatable: tuple[str, ...] = ()
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        METHODS[name] = MethodSpec(name, fn, perms, login or perms > 0, repeatable)
        return fn

    return register


def write_methods() -> frozenset[str]:
    """The methods that change something: they need a ``write`` (or ``delete``) token and POST.
    Complete once the namespace modules are imported (``import fakeflickr.handlers`` does it)."""
    return frozenset(name for name, spec in METHODS.items() if spec.needs_post)
