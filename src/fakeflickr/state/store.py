"""The store: all state of one fakeflickr, behind one lock.

:class:`Store` puts the rooms together — accounts, photos (with tags and queries), photosets,
groups, tickets, each a mixin over :class:`~fakeflickr.state.base.StoreBase` — and holds the
operations that span rooms (deleting a photo touches its sets, pools and tags). Methods are the
domain operations; handlers never write SQL.
"""

from __future__ import annotations

from fakeflickr.state.accounts import AccountsMixin
from fakeflickr.state.groups import GroupsMixin
from fakeflickr.state.photos import PhotosMixin
from fakeflickr.state.photosets import PhotosetsMixin
from fakeflickr.state.tickets import TicketsMixin


class Store(AccountsMixin, PhotosMixin, PhotosetsMixin, GroupsMixin, TicketsMixin):
    """All state of one fakeflickr, behind one lock. Methods are the domain operations."""

    def delete_photo(self, photo_id: int, reason: str) -> None:
        """Delete a photo, its tags and its pool entries; sets it leaves empty are deleted too."""
        with self.tx() as db:
            photo = self.photo(photo_id)
            if photo is None:
                return
            set_ids = [
                r[0] for r in db.execute("SELECT set_id FROM set_photos WHERE photo_id = ?", (photo_id,))
            ]
            db.execute("DELETE FROM photos WHERE id = ?", (photo_id,))
            db.execute("DELETE FROM tags WHERE photo_id = ?", (photo_id,))
            db.execute("DELETE FROM pool_photos WHERE photo_id = ?", (photo_id,))
            db.execute("DELETE FROM set_photos WHERE photo_id = ?", (photo_id,))
            self._log_deletion("photo", str(photo_id), photo.owner, photo.title, reason)
            if photo.file_md5 is not None and photo.file_size is not None:
                db.execute(
                    "INSERT OR REPLACE INTO deleted_files (photo_id, owner, file_size, file_md5)"
                    " VALUES (?, ?, ?, ?)",
                    (photo_id, photo.owner, photo.file_size, photo.file_md5),
                )
            for set_id in set_ids:
                self._after_membership_change(set_id, f"last photo deleted ({reason})")
            if photo.file_path:
                self.blobs.remove(photo.file_path)
