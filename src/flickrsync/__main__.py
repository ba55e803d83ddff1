"""``python -m flickrsync``."""

from flickrsync.cli import run

if __name__ == "__main__":
    run()
