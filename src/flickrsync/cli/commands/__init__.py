"""The commands, one module per family; importing this package registers them on the group."""

from __future__ import annotations

from flickrsync.cli.commands import accounts, choices, legacy, library, review, setup, sync, verify

__all__ = ["accounts", "choices", "legacy", "library", "review", "setup", "sync", "verify"]
