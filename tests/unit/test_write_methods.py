"""flickrsync's list of write methods agrees with fakeflickr's method registry.

The client keeps its own list (flickrsync never imports fakeflickr); the emulator's registry says
which methods need write perms and POST, from Flickr's reflection data. A test keeps the two
honest instead of a shared import.
"""

from __future__ import annotations

from fakeflickr.handlers import METHODS, write_methods
from flickrsync import wire

#: Writes the client knows that fakeflickr does not serve: listed by the client as a precaution
#: (it never sends them) or refused before sending (``FORBIDDEN``).
CLIENT_ONLY = {
    "flickr.photos.setSafetyLevel",
    "flickr.photos.setContentType",
    "flickr.photosets.reorderPhotos",
    "flickr.groups.pools.remove",
}


def test_every_served_method_is_a_write_for_both_or_for_neither() -> None:
    client_writes = wire.WRITE_METHODS | wire.FORBIDDEN
    served_by_emulator = {name for name in METHODS if name in client_writes}
    assert served_by_emulator == write_methods()


def test_the_client_lists_no_write_the_emulator_would_not_check() -> None:
    client_writes = wire.WRITE_METHODS | wire.FORBIDDEN
    assert client_writes - set(METHODS) == CLIENT_ONLY
