"""The store's tickets room: asynchronous uploads and replaces waiting to complete."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from fakeflickr.state.base import StoreBase
from fakeflickr.state.records import Ticket, User


def _row_ticket(row: sqlite3.Row) -> Ticket:
    values = {k: row[k] for k in row.keys()}  # noqa: SIM118
    values["payload"] = json.loads(values["payload"])
    return Ticket(**values)


class TicketsMixin(StoreBase):
    """Async upload/replace tickets."""

    # --- tickets ------------------------------------------------------------------------------------

    def create_ticket(self, user: User, kind: str, payload: dict[str, Any], delay: float) -> str:
        with self.tx() as db:
            ticket_id = f"{user.num}-{self._long_id()}"
            db.execute(
                "INSERT INTO tickets (id, user_nsid, kind, complete, photo_id, ready_at, created, payload)"
                " VALUES (?, ?, ?, 0, NULL, ?, ?, ?)",
                (ticket_id, user.nsid, kind, time.time() + delay, self.now(), json.dumps(payload)),
            )
            return ticket_id

    def due_tickets(self) -> list[Ticket]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT * FROM tickets WHERE complete = 0 AND ready_at <= ? ORDER BY ready_at, id",
                (time.time(),),
            ).fetchall()
            return [_row_ticket(r) for r in rows]

    def finish_ticket(self, ticket_id: str, complete: int, photo_id: int | None) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE tickets SET complete = ?, photo_id = ?, imported = ? WHERE id = ?",
                (complete, photo_id, self.now(), ticket_id),
            )

    def tickets_by_id(self, ids: Iterable[str]) -> dict[str, Ticket]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with self.tx() as db:
            marks = ",".join("?" * len(wanted))
            rows = db.execute(f"SELECT * FROM tickets WHERE id IN ({marks})", wanted)  # noqa: S608
            return {r["id"]: _row_ticket(r) for r in rows}

    def all_tickets(self) -> list[Ticket]:
        with self.tx() as db:
            return [_row_ticket(r) for r in db.execute("SELECT * FROM tickets ORDER BY created, id")]
