"""Flickr's REST methods: one function per method, request parameters in, payload :class:`El` out.

One module per Flickr namespace — :mod:`.auth` (flickr.test, flickr.auth.oauth), :mod:`.people`,
:mod:`.photos`, :mod:`.photosets`, :mod:`.groups`, :mod:`.tags`, :mod:`.upload`
(flickr.photos.upload) — over shared helpers (:mod:`.common`). Each handler gets a :class:`Call`
(store, merged parameters, the authenticated user and the token's perms) and returns the elements
that go inside ``<rsp stat="ok">``; it raises :class:`~fakeflickr.errors.ApiError` with Flickr's
code and message on failure. Handlers register themselves in :data:`METHODS`
(:mod:`.registry`) when their module is imported, which importing this package does.
"""

from fakeflickr.handlers import auth, groups, people, photos, photosets, tags, upload
from fakeflickr.handlers.registry import METHODS, Call, write_methods

__all__ = [
    "METHODS",
    "Call",
    # the namespace modules, imported for their registrations
    "auth",
    "groups",
    "people",
    "photos",
    "photosets",
    "tags",
    "upload",
    "write_methods",
]
