"""Compare the *shape* of two Flickr responses: same keys, same value types, same nesting.

Values may differ. Paths name what differs: ``photos.photo[].datetakenunknown`` (JSON) or
``photo/owner@path_alias`` (XML: ``/`` between elements, ``@`` before an attribute, ``#text``
for text content). ``extra`` and ``missing`` are sets of paths allowed to be present only in the
emulator's response or only in the recorded one; each entry must be explained where it is used.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

Paths = frozenset[str]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"  # JSON has one number type (0 vs 45.80 are both numbers)
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _best_match(item: Any, candidates: list[Any]) -> Any:
    """The recorded item whose keys overlap the emulator's item most (lists pair by likeness)."""
    if not isinstance(item, dict):
        return candidates[0]
    if "label" in item:
        for candidate in candidates:
            if isinstance(candidate, dict) and candidate.get("label") == item["label"]:
                return candidate
        return None
    keys = set(item)
    return min(
        candidates,
        key=lambda c: len(keys.symmetric_difference(c)) if isinstance(c, dict) else 10**6,
    )


def json_shape_diff(
    recorded: Any,
    actual: Any,
    *,
    extra: Paths = frozenset(),
    missing: Paths = frozenset(),
    any_type: Paths = frozenset(),
    path: str = "",
) -> list[str]:
    out: list[str] = []
    if path in any_type:
        return out
    if recorded is None and actual is not None and path not in any_type:
        return [f"{path}: recorded null, emulator {_kind(actual)}"]
    if _kind(recorded) != _kind(actual):
        return [f"{path}: recorded {_kind(recorded)}, emulator {_kind(actual)}"]
    if isinstance(recorded, dict):
        for key in recorded:
            sub = f"{path}.{key}" if path else key
            if key not in actual:
                if sub not in missing:
                    out.append(f"{sub}: missing from the emulator's response")
                continue
            out += json_shape_diff(
                recorded[key], actual[key], extra=extra, missing=missing, any_type=any_type, path=sub
            )
        for key in actual:
            sub = f"{path}.{key}" if path else key
            if key not in recorded and sub not in extra:
                out.append(f"{sub}: only in the emulator's response")
    elif isinstance(recorded, list):
        sub = f"{path}[]"
        if recorded and not actual and sub not in missing:
            out.append(f"{sub}: emulator list is empty, so nothing was compared")
        compared = 0
        for item in actual:
            if not recorded:
                break
            match = _best_match(item, recorded)
            if match is None:
                continue  # an item kind the recording does not show (e.g. a newer size label)
            compared += 1
            out += json_shape_diff(match, item, extra=extra, missing=missing, any_type=any_type, path=sub)
        if recorded and actual and not compared:
            out.append(f"{sub}: no item could be paired with the recording")
    return out


def _xml_shape(el: ET.Element, recorded: ET.Element, path: str, extra: Paths, missing: Paths) -> list[str]:
    out: list[str] = []
    for name in recorded.attrib:
        if name not in el.attrib and f"{path}@{name}" not in missing:
            out.append(f"{path}@{name}: missing from the emulator's response")
    for name in el.attrib:
        if name not in recorded.attrib and f"{path}@{name}" not in extra:
            out.append(f"{path}@{name}: only in the emulator's response")
    rec_children: dict[str, list[ET.Element]] = {}
    for child in recorded:
        rec_children.setdefault(child.tag, []).append(child)
    act_children: dict[str, list[ET.Element]] = {}
    for child in el:
        act_children.setdefault(child.tag, []).append(child)
    for tag in rec_children:
        if tag not in act_children and f"{path}/{tag}" not in missing:
            out.append(f"{path}/{tag}: missing from the emulator's response")
    for tag, children in act_children.items():
        if tag not in rec_children:
            if f"{path}/{tag}" not in extra:
                out.append(f"{path}/{tag}: only in the emulator's response")
            continue
        for child in children:
            candidates = rec_children[tag]
            if "label" in child.attrib:
                labelled = [c for c in candidates if c.get("label") == child.get("label")]
                if not labelled:
                    continue
                candidates = labelled
            best = min(candidates, key=lambda c: len(set(c.attrib).symmetric_difference(child.attrib)))
            out += _xml_shape(child, best, f"{path}/{tag}", extra, missing)
    return out


def xml_shape_diff(
    recorded: bytes | str, actual: bytes | str, *, extra: Paths = frozenset(), missing: Paths = frozenset()
) -> list[str]:
    rec_root = ET.fromstring(recorded)
    act_root = ET.fromstring(actual)
    if rec_root.tag != act_root.tag:
        return [f"root: recorded <{rec_root.tag}>, emulator <{act_root.tag}>"]
    return _xml_shape(act_root, rec_root, rec_root.tag, extra, missing)
