"""Flickr's rules for the text a client sends: tag strings, raw vs clean tags, machine tags,
descriptions and date arguments. Pure functions, no I/O.

Tags (REFERENCE §5.6, §5.7; https://www.flickr.com/services/api/misc.tags.html):

* a tag string is split on whitespace; double quotes group words into one tag and are dropped
  (``Amsterdam "central station"`` -> ``Amsterdam``, ``central station``);
* each tag keeps its *raw* form (as typed) and gets a *clean* form: lower-cased, every character
  that is not a letter or a digit removed (``Fuji X-T3`` -> ``fujixt3``);
* a machine tag ``namespace:predicate=value`` (namespace and predicate: a letter, then letters,
  digits or ``_``) keeps ``namespace:predicate=`` lower-cased and cleans only the value
  (``geh:accession=1978:1628:0030`` -> ``geh:accession=197816280030``).

Descriptions: Flickr stores them HTML-escaped except for the little HTML it allows, so ``&`` and
``"`` come back as ``&amp;`` and ``&quot;`` (recorded: ``A poster for the &quot;Game of
Thrones&quot;``, ``G &amp; C Ltd``); see docs/flickr-quirks.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

_MACHINE_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9_]*):([A-Za-z][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedTag:
    raw: str
    clean: str
    machine: bool


def split_tag_string(tags: str) -> list[str]:
    """Split a Flickr tag string into raw tags: whitespace separates, double quotes group."""
    if '"' not in tags:
        return tags.split()
    out: list[str] = []
    current: list[str] = []
    quoted = False
    started = False
    for ch in tags:
        if ch == '"':
            quoted = not quoted
            started = True
            continue
        if ch.isspace() and not quoted:
            if started:
                out.append("".join(current))
            current, started = [], False
            continue
        current.append(ch)
        started = True
    if started:
        out.append("".join(current))
    return [t.strip() for t in out if t.strip()]


_ASCII_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def clean_text(text: str) -> str:
    """Lower-case and keep only letters and digits (Unicode aware)."""
    lowered = text.lower()
    if lowered.isascii():
        return _ASCII_NOT_ALNUM.sub("", lowered)
    return "".join(ch for ch in lowered if unicodedata.category(ch)[0] in ("L", "N"))


def parse_tag(raw: str) -> ParsedTag | None:
    """Raw tag -> raw/clean/machine, or None when nothing is left after cleaning."""
    m = _MACHINE_TAG.match(raw)
    if m:
        value = clean_text(m.group(3))
        if value:
            return ParsedTag(raw, f"{m.group(1).lower()}:{m.group(2).lower()}={value}", True)
    clean = clean_text(raw)
    if not clean:
        return None
    return ParsedTag(raw, clean, False)


def parse_tags(tags: str) -> list[ParsedTag]:
    """A tag string -> distinct tags (by clean form), in order, first raw form wins."""
    seen: set[str] = set()
    out: list[ParsedTag] = []
    for raw in split_tag_string(tags):
        tag = parse_tag(raw)
        if tag is not None and tag.clean not in seen:
            seen.add(tag.clean)
            out.append(tag)
    return out


# --- machine tag queries (photos.search machine_tags=) ----------------------------------------------

_MT_QUERY = re.compile(
    r"^(\*|[A-Za-z][A-Za-z0-9_]*):(?:(\*|[A-Za-z][A-Za-z0-9_]*)=(.*))?$",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class MachineTagQuery:
    """One term of ``machine_tags``: None means "any" for that part."""

    namespace: str | None
    predicate: str | None
    value: str | None

    def like_pattern(self) -> str:
        """A SQL LIKE pattern (escape char ``\\``) over clean machine tags ``ns:pred=value``."""

        def lit(s: str) -> str:
            return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

        ns = lit(self.namespace) if self.namespace else "%"
        if self.predicate is None and self.value is None:
            return f"{ns}:%"
        pred = lit(self.predicate) if self.predicate else "%"
        val = lit(self.value) if self.value else "%"
        return f"{ns}:{pred}={val}"


def parse_machine_tag_query(term: str) -> MachineTagQuery | None:
    """``ns:``, ``ns:pred=``, ``ns:pred=value``, ``*:pred=``, ``*:*=value``, ``ns:*=value`` …"""
    m = _MT_QUERY.match(term.strip())
    if not m:
        return None
    ns, pred, value = m.group(1), m.group(2), m.group(3)
    if ns == "*" and pred is None:
        return None
    if value is not None:
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        value = clean_text(value) or None
    return MachineTagQuery(
        namespace=None if ns == "*" else ns.lower(),
        predicate=None if pred in (None, "*") else pred.lower(),
        value=value,
    )


# --- descriptions -------------------------------------------------------------------------------------

_ALLOWED_TAG = re.compile(
    r"</?(?:a|b|i|s|u|em|strong|blockquote|del|q|pre|code|br)(?:\s[^<>]*)?/?>", re.IGNORECASE
)


def store_description(text: str) -> str:
    """What Flickr stores (and returns) for a description: text HTML-escaped, allowed tags kept."""
    out: list[str] = []
    pos = 0
    for m in _ALLOWED_TAG.finditer(text):
        out.append(_escape_text(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_escape_text(text[pos:]))
    return "".join(out)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


# --- dates ---------------------------------------------------------------------------------------------

_MYSQL = re.compile(
    r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T](\d{1,2})(?::(\d{1,2})(?::(\d{1,2}))?)?)?)?)?$"
)


def parse_mysql_datetime(text: str) -> datetime | None:
    """``YYYY[-MM[-DD[ HH[:MM[:SS]]]]]`` (partial allowed, as Flickr's misc.dates) or None."""
    m = _MYSQL.match(text.strip())
    if not m:
        return None
    parts = [int(g) if g else 0 for g in m.groups()]
    year, month, day = parts[0], parts[1] or 1, parts[2] or 1
    try:
        return datetime(year, month, day, parts[3], parts[4], parts[5])
    except ValueError:
        return None


def format_taken(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def parse_timestamp_or_datetime(text: str) -> int | None:
    """Unix seconds, or a MySQL datetime read as UTC -> Unix seconds; None when unreadable."""
    text = text.strip()
    if re.fullmatch(r"-?\d+", text) and len(text) > 4:
        return int(text)
    dt = parse_mysql_datetime(text)
    if dt is None:
        return None
    return int(dt.replace(tzinfo=UTC).timestamp())


def parse_taken_bound(text: str) -> str | None:
    """A min/max_taken_date argument -> ``YYYY-MM-DD HH:MM:SS`` for comparison, or None."""
    text = text.strip()
    if re.fullmatch(r"\d+", text) and len(text) > 4:
        return format_taken(datetime.fromtimestamp(int(text), UTC))
    dt = parse_mysql_datetime(text)
    return None if dt is None else format_taken(dt)


_ENGLISH_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%d %B %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%b %d, %Y",
)


def parse_english_date(text: str) -> int | None:
    """recentlyUpdated ``min_date``: Unix seconds or a (small set of) English date forms."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    for fmt in _ENGLISH_FORMATS:
        try:
            return int(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp())
        except ValueError:
            continue
    return None
