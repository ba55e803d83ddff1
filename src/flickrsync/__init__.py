"""flickrsync: keep a local photo library and Flickr accounts in sync, by picture content."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flickrsync")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["__version__"]
