"""Secrets out of messages and logs: :func:`redact`, which every log line and error message goes
through (the log formatters, :class:`~flickrsync.errors.FlickrsyncError`, the CLI's last line).

A private photo's file URL opens it for anyone who has it: the secret is in the path
(``https://live.staticflickr.com/65535/52483149404_cbd683fc8b_o.jpg``, REFERENCE §6), in a
video's page URL (``…/play/orig/<secret>/``) and in its file URL (``…/video/<id>/<secret>/orig.mp4``,
with a signed ``?s=`` token). :func:`redact` keeps a URL's host and the shape of its path, so a
message still says which photo and which size, and replaces the secrets with ``***``; every
query value goes too. Outside URLs, ``key=value`` and ``"key": "value"`` pairs whose key names a
secret, token or signature lose their value.

Pure: text in, text out; ``redact(redact(s)) == redact(s)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

#: What stands where a secret was.
HIDDEN = "***"

_URL = re.compile(r"\bhttps?://[^\s\"'<>()\[\]{}`]+", re.IGNORECASE)
#: ``{id}_{secret}[_{size}].{ext}``: a static file's name.
_FILE = re.compile(r"^(\d+)_([0-9A-Za-z]+)((?:_[0-9A-Za-z]+)?\.[0-9A-Za-z]+)$")
#: The path segment after these holds a secret: ``/play/{label}/{secret}/``,
#: ``/video/{id}/{secret}/{label}.mp4``.
_BEFORE_SECRET = ("play", "video")
_PAIR = re.compile(
    r"\b(\w*secret|\w*token|oauth_signature|oauth_verifier|api_sig)"
    r"(=[\"']?|[\"']\s*:\s*[\"'])"
    r"([^\s\"'&,;<>()]+)",
    re.IGNORECASE,
)


#: Words without which no pair can match (a cheap test first: every log line comes here).
_PAIR_WORDS = ("secret", "token", "signature", "verifier", "api_sig")


def redact(text: str) -> str:
    """``text`` with the secrets of every URL and of every secret-named pair replaced."""
    if "://" in text:
        text = _URL.sub(_url_in_text, text)
    lowered = text.lower()
    if any(word in lowered for word in _PAIR_WORDS):
        text = _PAIR.sub(lambda m: m.group(1) + m.group(2) + HIDDEN, text)
    return text


def redact_lines(lines: Sequence[str]) -> str:
    """``lines`` joined by newlines, each through :func:`redact` on its own (as the messages of
    their own they stand for: a pair is never taken across two of them), tested once for
    anything to hide."""
    text = "\n".join(lines)
    if "://" not in text and not any(word in text.lower() for word in _PAIR_WORDS):
        return text  # then no line has any either
    return "\n".join(map(redact, lines))


def _url_in_text(found: re.Match[str]) -> str:
    url = found.group(0).rstrip(".,:;!?")  # the sentence's, not the URL's
    return redact_url(url) + found.group(0)[len(url) :]


def redact_url(url: str) -> str:
    """One URL, its host and path shape kept, its secrets replaced (see the module docstring)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return HIDDEN
    segments = parts.path.split("/")
    for i, segment in enumerate(segments):
        if i >= 2 and segments[i - 2] in _BEFORE_SECRET and segment:
            segments[i] = HIDDEN
        found = _FILE.match(segment)
        if found:
            segments[i] = f"{found.group(1)}_{HIDDEN}{found.group(3)}"
    query = "&".join(
        f"{pair.partition('=')[0]}={HIDDEN}" if "=" in pair else pair
        for pair in parts.query.split("&")
        if pair
    )
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, "/".join(segments), query, parts.fragment))
