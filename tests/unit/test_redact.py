"""redact: no private photo's URL, token or secret in a message or the log (issue 16 point 15)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flickrsync.errors import LocalFileError, RemoteError
from flickrsync.redact import redact, redact_lines

CASES = [
    (
        "download https://live.staticflickr.com/65535/52483149404_cbd683fc8b_o.jpg: HTTP 404",
        "download https://live.staticflickr.com/65535/52483149404_***_o.jpg: HTTP 404",
    ),
    (
        "https://farm66.staticflickr.com/65535/53084954382_3dd9199542.jpg",
        "https://farm66.staticflickr.com/65535/53084954382_***.jpg",
    ),
    (
        "(https://live.staticflickr.com/1/2_abcdef0123_k.jpg)",
        "(https://live.staticflickr.com/1/2_***_k.jpg)",
    ),
    (
        "https://www.flickr.com/photos/12@N01/5301/play/orig/95e713eb4e/",
        "https://www.flickr.com/photos/12@N01/5301/play/orig/***/",
    ),
    (
        "https://live.staticflickr.com/video/5301/95e713eb4e/orig.mp4?s=eyJpIjoxfQ&x=1",
        "https://live.staticflickr.com/video/5301/***/orig.mp4?s=***&x=***",
    ),
    # fakeflickr: another host, the same path shape
    (
        "GET http://127.0.0.1:8123/7/100_0123456789_o.png failed",
        "GET http://127.0.0.1:8123/7/100_***_o.png failed",
    ),
    ("http://user:pw@proxy.example/x", "http://***@proxy.example/x"),
    (
        '{"secret":"3dd9199542","originalsecret": "efe3a758a1","id":"1"}',
        '{"secret":"***","originalsecret": "***","id":"1"}',
    ),
    (
        '<photoid secret="f408b81374" originalsecret="95e713eb4e">1</photoid>',
        '<photoid secret="***" originalsecret="***">1</photoid>',
    ),
    ("oauth_token=72157-abc&oauth_signature=x%2By", "oauth_token=***&oauth_signature=***"),
    # what must stay: pages without secrets, paths, words
    (
        "https://www.flickr.com/services/api/misc.dates.html",
        "https://www.flickr.com/services/api/misc.dates.html",
    ),
    (
        "/home/me/Pictures/2019/IMG_0001.jpg: truncated JPEG",
        "/home/me/Pictures/2019/IMG_0001.jpg: truncated JPEG",
    ),
    ("check api_secret in config.ini and the token", "check api_secret in config.ini and the token"),
]


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_secrets_go_and_the_shape_stays(text: str, shown: str) -> None:
    assert redact(text) == shown


@given(st.text())
def test_redacting_twice_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_every_error_message_is_redacted() -> None:
    url = "https://live.staticflickr.com/65535/52483149404_cbd683fc8b_o.jpg"
    assert "cbd683fc8b" not in str(RemoteError(f"download {url}: HTTP 403", hint=f"open {url}"))
    error = LocalFileError("/lib/a.jpg", f"download {url}: got 1 of 2 bytes")
    assert "cbd683fc8b" not in str(error)
    assert "cbd683fc8b" not in error.reason


LINES = [
    "plain line, nothing to hide",
    "download https://live.staticflickr.com/65535/52483149404_cbd683fc8b_o.jpg: HTTP 404",
    'a quoted "secret"',  # a pair across two lines is not one: each line is a message of its own
    ': "abcdef" follows',
    "oauth_token=72157-abc&x=1",
    "caf\udce9 \u2028 tail",
]


@pytest.mark.parametrize("count", [0, 1, 2, len(LINES)])
def test_redact_lines_redacts_each_line_on_its_own(count: int) -> None:
    for lines in (LINES[:count], LINES[-count:] if count else [], [LINES[0]] * count):
        assert redact_lines(lines) == "\n".join(redact(line) for line in lines)


ALPHABET = st.sampled_from(list("ab:/\"' =\n\udce9secrtokhp."))


@given(st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=6))
def test_redact_lines_is_redact_line_by_line(lines: list[str]) -> None:
    assert redact_lines(lines) == "\n".join(redact(line) for line in lines)
