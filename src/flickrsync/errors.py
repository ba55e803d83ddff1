"""The one exception tree of flickrsync.

Every error the tool raises on purpose is a :class:`FlickrsyncError`. Each class says who is at
fault, and ``cli.main`` maps the tree to exit codes in one place::

    FlickrsyncError                 (exit 1 unless a subclass says otherwise)
    ├── UsageError                  the user asked for something impossible     -> exit 2
    │   └── ConfigError             config.ini, profile, home dir, paths         -> exit 2
    ├── AuthError                   token missing, revoked, or too few perms     -> exit 2
    ├── LockedError                 another run holds the profile's lock         -> exit 2
    ├── RemoteError                 Flickr refused a call (code + message)       -> exit 1
    │   ├── DuplicateUploadError    an upload is a copy of a photo the account holds (code 9)
    │   └── TransientError          worth retrying: 5xx, 105, 429, timeouts      -> exit 1
    │       ├── OutcomeUnknownError     a write reached Flickr, its answer was lost  -> exit 1
    │       └── JunkAnswerError         a download answered with something else      -> exit 1
    ├── LocalFileError              a file in the library could not be used      -> exit 1
    │   └── DiskFullError               no space left where a file must be written (stops the run)
    ├── MediaError                  a file's bytes are not a usable picture/video -> exit 1
    └── DatabaseError               the SQLite index is unusable                 -> exit 2

Messages are one line for the user: what happened and what to do. The ``hint`` attribute holds
the "what to do" part so the CLI can print it after the message. Both go through
:func:`~flickrsync.redact.redact`: no error carries a private photo's URL, a token or a secret.
"""

from __future__ import annotations

import errno

from flickrsync.redact import redact

#: errno values that mean "the disk (or the user's quota) is full".
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class FlickrsyncError(Exception):
    """Root of every error flickrsync raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        message = redact(message)  # never a private photo's URL, a token or a secret
        super().__init__(message)
        self.message = message
        self.hint = None if hint is None else redact(hint)

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(FlickrsyncError):
    """The user's request cannot be carried out as given (bad option, bad argument)."""

    exit_code = 2


class ConfigError(UsageError):
    """config.ini, the profile, the home directory or a configured path is wrong."""


class AuthError(FlickrsyncError):
    """No usable token for the profile: run ``flickrsync auth -p NAME``."""

    exit_code = 2


class LockedError(FlickrsyncError):
    """Another flickrsync run holds the profile's lock."""

    exit_code = 2


class RemoteError(FlickrsyncError):
    """Flickr answered, and said no. Carries Flickr's error code and message when there is one.

    ``code`` is Flickr's API error code (``stat="fail"``), or ``None`` for HTTP-level failures
    (then ``http_status`` says what happened). ``method`` names the API method or endpoint.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        method: str | None = None,
        http_status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.method = method
        self.http_status = http_status


class DuplicateUploadError(RemoteError):
    """Flickr refused an upload sent with ``dedup_check`` because the account holds (or held:
    ``status`` may say it was deleted) a photo with the same file, ``photo_id`` (REFERENCE §5.2,
    code 9). Nothing was stored; the caller decides whether that photo is the picture."""

    def __init__(self, message: str, *, photo_id: str, status: str | None, method: str | None) -> None:
        super().__init__(message, code=9, method=method)
        self.photo_id = photo_id
        self.status = status


class TransientError(RemoteError):
    """A failure that may go away on its own: connection errors, timeouts, HTTP 429/5xx,
    Flickr codes 105/106/201. The client retries these before raising."""


class OutcomeUnknownError(TransientError):
    """A write that must not be repeated blindly (upload, replace, photoset create) may or may
    not have happened: the request was sent but its answer was lost (timeout, dropped connection,
    5xx). Check Flickr (e.g. search the upload's machine tag) before sending it again."""


class JunkAnswerError(TransientError):
    """A download was answered (HTTP 200) with something that is not the file asked for: a web
    page (a captive portal, a proxy), an empty body, a picture of another size, bytes added on
    the way. Nothing is saved. It may pass (a later run tries again), but not by retrying at once,
    so the client does not repeat the request."""


class LocalFileError(FlickrsyncError):
    """A file in the library could not be read, or is not a usable picture or video."""

    def __init__(self, path: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {reason}", hint=hint)
        self.path = path
        self.reason = redact(reason)


class DiskFullError(LocalFileError):
    """No space left (or the quota is used up) where a file must be written. Unlike other file
    errors it stops the run: every further download would fail the same way."""


def file_error(path: str, doing: str, exc: OSError) -> LocalFileError:
    """``path: <doing>: <the OS's reason>`` for an OSError met while writing ``path``; a
    :class:`DiskFullError` when the disk is full (decided by errno, never by the message)."""
    kind = DiskFullError if exc.errno in DISK_FULL_ERRNOS else LocalFileError
    return kind(path, f"{doing}: {exc.strerror or exc}")


class MediaError(FlickrsyncError):
    """The bytes of a file are not a usable picture or video.

    Raised by the pure ``fingerprint`` module, which sees an open stream and no path: ``reason`` is one
    user-readable line such as ``"empty file"`` or ``"not a picture or video (text file)"``.
    ``localfs`` turns it into a problem of that file, the ``scanner`` records it with the path,
    and the scan goes on with the other files.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DatabaseError(FlickrsyncError):
    """The profile's SQLite index cannot be opened or migrated: nothing can be done until the user
    acts (moves a damaged file aside, upgrades flickrsync), like a configuration error."""

    exit_code = 2
