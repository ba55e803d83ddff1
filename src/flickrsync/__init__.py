"""flickrsync: keep a local photo library and Flickr accounts in sync, by picture content."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, looked up on first use: ``importlib.metadata`` costs tens of ms at start-up
    (it imports ``email``, ``zipfile`` …), which every command would pay for a value that only
    ``--version`` and the Flickr client's User-Agent need."""
    if name != "__version__":
        raise AttributeError(f"module 'flickrsync' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - lazy, see above

    try:
        found = version("flickrsync")
    except PackageNotFoundError:  # running from a source tree without installing
        found = "0+unknown"
    globals()["__version__"] = found
    return found
