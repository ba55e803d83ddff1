"""The store's photosets room: albums, their ordered members and their primary photo."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from fakeflickr.state.base import StoreBase
from fakeflickr.state.records import Photoset


class PhotosetsMixin(StoreBase):
    """Photosets. Flickr has no empty sets: a set whose last member leaves is deleted."""

    def _next_set_id(self) -> int:
        return self._counter("next_set_id", 72157720000000001, 17)

    # --- photosets ----------------------------------------------------------------------------------

    def _set_from_row(self, row: sqlite3.Row) -> Photoset:
        counts = self.db.execute(
            "SELECT SUM(p.media = 'photo'), SUM(p.media = 'video') FROM set_photos sp"
            " JOIN photos p ON p.id = sp.photo_id WHERE sp.set_id = ?",
            (row["id"],),
        ).fetchone()
        return Photoset(
            id=row["id"],
            owner=row["owner"],
            title=row["title"],
            description=row["description"],
            primary_id=row["primary_id"],
            date_create=row["date_create"],
            date_update=row["date_update"],
            views=row["views"],
            photos=int(counts[0] or 0),
            videos=int(counts[1] or 0),
        )

    def create_photoset(self, owner: str, title: str, description: str, primary_id: int) -> Photoset:
        with self.tx() as db:
            set_id = self._next_set_id()
            low = db.execute("SELECT MIN(sort_key) FROM photosets WHERE owner = ?", (owner,)).fetchone()[0]
            now = self.now()
            db.execute(
                "INSERT INTO photosets (id, owner, title, description, primary_id, date_create,"
                " date_update, sort_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (set_id, owner, title, description, primary_id, now, now, (low or 0) - 1),
            )
            db.execute(
                "INSERT INTO set_photos (set_id, photo_id, position) VALUES (?, ?, 0)", (set_id, primary_id)
            )
            found = self.photoset(set_id)
            assert found is not None
            return found

    def photoset(self, set_id: int) -> Photoset | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM photosets WHERE id = ?", (set_id,)).fetchone()
            return None if row is None else self._set_from_row(row)

    def photosets(self, owner: str) -> list[Photoset]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT * FROM photosets WHERE owner = ? ORDER BY sort_key, id", (owner,)
            ).fetchall()
            return [self._set_from_row(r) for r in rows]

    def find_photosets_by_title(self, owner: str, title: str) -> list[Photoset]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT * FROM photosets WHERE owner = ? AND title = ? ORDER BY sort_key, id", (owner, title)
            ).fetchall()
            return [self._set_from_row(r) for r in rows]

    def set_members(self, set_id: int) -> list[int]:
        with self.tx() as db:
            return [
                int(r[0])
                for r in db.execute(
                    "SELECT photo_id FROM set_photos WHERE set_id = ? ORDER BY position", (set_id,)
                )
            ]

    def sets_of_photo(self, photo_id: int) -> list[Photoset]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT s.* FROM photosets s JOIN set_photos sp ON sp.set_id = s.id"
                " WHERE sp.photo_id = ? ORDER BY s.sort_key, s.id",
                (photo_id,),
            ).fetchall()
            return [self._set_from_row(r) for r in rows]

    def _bump_set(self, set_id: int) -> None:
        self.db.execute("UPDATE photosets SET date_update = ? WHERE id = ?", (self.now(), set_id))

    def add_to_set(self, set_id: int, photo_id: int) -> None:
        with self.tx() as db:
            pos = db.execute("SELECT MAX(position) FROM set_photos WHERE set_id = ?", (set_id,)).fetchone()[0]
            db.execute(
                "INSERT INTO set_photos (set_id, photo_id, position) VALUES (?, ?, ?)",
                (set_id, photo_id, (pos if pos is not None else -1) + 1),
            )
            self._bump_set(set_id)

    def remove_from_set(self, set_id: int, photo_ids: Iterable[int], reason: str) -> bool:
        """Remove members; a set left empty is deleted (Flickr has no empty sets). True if the
        set was deleted."""
        with self.tx() as db:
            for photo_id in photo_ids:
                db.execute("DELETE FROM set_photos WHERE set_id = ? AND photo_id = ?", (set_id, photo_id))
            self._bump_set(set_id)
            return self._after_membership_change(set_id, reason)

    def _after_membership_change(self, set_id: int, reason: str) -> bool:
        row = self.db.execute("SELECT * FROM photosets WHERE id = ?", (set_id,)).fetchone()
        if row is None:
            return True
        members = self.set_members(set_id)
        if not members:
            self.db.execute("DELETE FROM photosets WHERE id = ?", (set_id,))
            self._log_deletion("photoset", str(set_id), row["owner"], row["title"], reason)
            return True
        if row["primary_id"] not in members:
            self.db.execute("UPDATE photosets SET primary_id = ? WHERE id = ?", (members[0], set_id))
        return False

    def edit_set_photos(self, set_id: int, primary_id: int, photo_ids: list[int]) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM set_photos WHERE set_id = ?", (set_id,))
            db.executemany(
                "INSERT INTO set_photos (set_id, photo_id, position) VALUES (?, ?, ?)",
                [(set_id, pid, i) for i, pid in enumerate(photo_ids)],
            )
            db.execute("UPDATE photosets SET primary_id = ? WHERE id = ?", (primary_id, set_id))
            self._bump_set(set_id)

    def update_set(self, set_id: int, **values: Any) -> None:
        with self.tx():
            self._update_columns(
                "photosets", "id", set_id, values, {"title", "description", "primary_id", "views"}
            )
            self._bump_set(set_id)

    def reorder_sets(self, owner: str, set_ids: list[int]) -> None:
        with self.tx() as db:
            others = [s.id for s in self.photosets(owner) if s.id not in set_ids]
            for key, set_id in enumerate([*set_ids, *others]):
                db.execute("UPDATE photosets SET sort_key = ? WHERE id = ?", (key, set_id))

    def delete_photoset(self, set_id: int, reason: str) -> None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM photosets WHERE id = ?", (set_id,)).fetchone()
            if row is None:
                return
            db.execute("DELETE FROM set_photos WHERE set_id = ?", (set_id,))
            db.execute("DELETE FROM photosets WHERE id = ?", (set_id,))
            self._log_deletion("photoset", str(set_id), row["owner"], row["title"], reason)
