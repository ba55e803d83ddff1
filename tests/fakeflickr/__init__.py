"""fakeflickr's own tests: the emulator against Flickr's recorded answers and documented behaviour,
without flickrsync. Helpers: :mod:`tests.fakeflickr.client` (a deliberately naive HTTP client) and
:mod:`tests.fakeflickr.shape` (answers compared with recordings). The ``fakeflickr`` fixture is
shared with the whole suite (tests/fakeflickr_fixtures.py).
"""
