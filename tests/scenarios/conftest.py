"""End-to-end scenarios of issue 12 (choosing per photo) against fakeflickr: a flickrsync home
and library (:class:`tests.synchelpers.SyncLib`) per test, the CLI run in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "plan.schema.json"


@pytest.fixture
def lib(fakeflickr: FakeFlickrFixture, tmp_path: Path) -> SyncLib:
    return SyncLib.create(fakeflickr, tmp_path)


def read_plan(path: Path) -> dict[str, Any]:
    """A plan file as written, checked against docs/plan.schema.json."""
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    return doc


def write_plan(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
