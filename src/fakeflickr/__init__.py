"""fakeflickr: a Flickr-compatible API server on loopback, for tests, benchmarks and the demo.

It behaves like Flickr on the wire (see docs/flickr-quirks.md and ../shared/flickr-api in the
development environment). It never imports flickrsync, so it stays an independent check.
"""
