"""Plan files in tests: read one as written (checked against docs/plan.schema.json), write one
back as edited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "plan.schema.json"


def read_plan(path: Path) -> dict[str, Any]:
    """A plan file as written, checked against docs/plan.schema.json."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    return doc


def write_plan(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
