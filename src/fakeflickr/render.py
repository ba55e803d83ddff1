"""One response payload -> Flickr's XML and Flickr's JSON (REFERENCE §2.2, §2.3).

Handlers build a tree of :class:`El` (element name, attributes, children, text). The same tree is
rendered as XML (``format=rest``, the default, and always for upload/replace) or translated to
JSON by Flickr's mechanical rules:

* attributes become members, with the Python type of the value deciding the JSON type: ``str``
  -> string, ``int``/``float`` -> number, ``None`` -> ``null`` (XML: empty attribute). This is how
  the observed string-vs-number mix of §2.3 is reproduced: the handler picks the type per field;
* text becomes ``"_content"``; a text-only element becomes ``{"_content": ...}``;
* children become nested objects; children named in ``El.arrays`` are always JSON arrays, even
  with zero or one item (``"photo":[]``), and repeated children become arrays too;
* errors become ``{"stat":"fail","code":N,"message":...}`` with ``code`` a number.

JSON is emitted like the recorded 2012-2013 bodies: ``", "`` after commas, ``\\/`` for slashes and
``\\uXXXX`` for non-ASCII.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

Scalar = str | int | float | None

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8" ?>\n'
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
# 2012-2013 recordings served JSON *errors* as text/plain (REFERENCE §2.4).
JSON_ERROR_CONTENT_TYPE = "text/plain; charset=utf-8"
JSONP_CONTENT_TYPE = "text/javascript; charset=utf-8"


@dataclass(slots=True)
class El:
    """One XML element of a Flickr response."""

    tag: str
    attrs: dict[str, Scalar] = field(default_factory=dict)
    children: list[El] = field(default_factory=list)
    text: str | None = None
    #: Child element names that are lists by design: always a JSON array, even when empty.
    arrays: tuple[str, ...] = ()


def text_el(tag: str, text: str) -> El:
    return El(tag, text=text)


# --- XML ------------------------------------------------------------------------------------------


def xml_escape(text: str) -> str:
    """Escape like PHP's htmlspecialchars(ENT_QUOTES), as Flickr's XML shows (``&#039;``)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
    )


def _xml_attr(value: Scalar) -> str:
    if value is None:
        return '""'
    return '"' + xml_escape(str(value)).replace("\n", "&#10;").replace("\r", "&#13;") + '"'


def _xml_element(el: El, depth: int, out: list[str]) -> None:
    indent = "\t" * depth
    attrs = "".join(f" {k}={_xml_attr(v)}" for k, v in el.attrs.items())
    if not el.children and el.text is None:
        out.append(f"{indent}<{el.tag}{attrs} />\n")
        return
    if not el.children:
        out.append(f"{indent}<{el.tag}{attrs}>{xml_escape(el.text or '')}</{el.tag}>\n")
        return
    out.append(f"{indent}<{el.tag}{attrs}>\n")
    for child in el.children:
        _xml_element(child, depth + 1, out)
    out.append(f"{indent}</{el.tag}>\n")


def to_xml(payload: list[El]) -> str:
    """A successful response as Flickr's XML, payload elements at column 0."""
    out = [XML_DECLARATION, '<rsp stat="ok">\n']
    for el in payload:
        _xml_element(el, 0, out)
    out.append("</rsp>\n")
    return "".join(out)


def error_xml(code: int, message: str, extra: list[El] | None = None) -> str:
    out = [XML_DECLARATION, '<rsp stat="fail">\n', f'\t<err code="{code}" msg={_xml_attr(message)} />\n']
    for el in extra or []:
        _xml_element(el, 1, out)
    out.append("</rsp>\n")
    return "".join(out)


# --- JSON -----------------------------------------------------------------------------------------

JsonValue = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | None


def _json_members(el: El) -> dict[str, JsonValue]:
    obj: dict[str, JsonValue] = dict(el.attrs)
    grouped: dict[str, list[El]] = {}
    for child in el.children:
        grouped.setdefault(child.tag, []).append(child)
    for name in el.arrays:
        grouped.setdefault(name, [])
    for name, items in grouped.items():
        if name in el.arrays or len(items) > 1:
            obj[name] = [to_json_value(item) for item in items]
        else:
            obj[name] = to_json_value(items[0])
    if el.text is not None:
        obj["_content"] = el.text
    return obj


def to_json_value(el: El) -> JsonValue:
    return _json_members(el)


def payload_to_json_obj(payload: list[El], repeatable: tuple[str, ...] = ()) -> dict[str, JsonValue]:
    """The JSON object for a successful response (``rsp`` itself becomes the top object).
    ``repeatable``: top-level elements that become arrays whenever present, even alone
    (photos.getAllContexts ``set``/``pool``), but are left out when absent."""
    root = El("rsp", children=payload)
    obj = _json_members(root)
    for name in repeatable:
        value = obj.get(name)
        if isinstance(value, dict):
            obj[name] = [value]
    obj["stat"] = "ok"
    return obj


def dumps(obj: JsonValue) -> str:
    """Serialise like Flickr: ASCII only, escaped slashes, ``", "`` between members."""
    return json.dumps(obj, ensure_ascii=True, separators=(", ", ":")).replace("/", "\\/")


def error_json_obj(code: int, message: str) -> dict[str, JsonValue]:
    return {"stat": "fail", "code": code, "message": message}


def wrap_jsonp(body: str, callback: str | None) -> str:
    return f"{callback or 'jsonFlickrApi'}({body})"
