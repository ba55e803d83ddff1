"""The store's groups room: groups, their members, and the photos in their pools."""

from __future__ import annotations

from fakeflickr.state.base import StoreBase
from fakeflickr.state.records import Group
from fakeflickr.text import clean_text


class GroupsMixin(StoreBase):
    """Groups and pools."""

    # --- groups -------------------------------------------------------------------------------------

    def create_group(
        self,
        name: str,
        *,
        nsid: str | None = None,
        moderated: bool = False,
        privacy: int = 3,
        eighteenplus: int = 0,
        invitation_only: int = 0,
    ) -> Group:
        with self.tx() as db:
            if nsid is None:
                nsid = f"{self._counter('next_group_num', 1663100, 7)}@N21"
            url_name = clean_text(name) or nsid
            db.execute(
                "INSERT INTO groups (nsid, name, moderated, privacy, eighteenplus, invitation_only, url_name)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (nsid, name, int(moderated), privacy, eighteenplus, invitation_only, url_name),
            )
            group = self.group(nsid)
            assert group is not None
            return group

    def group(self, nsid: str) -> Group | None:
        with self.tx() as db:
            row = db.execute("SELECT * FROM groups WHERE nsid = ?", (nsid,)).fetchone()
            if row is None:
                return None
            values = {k: row[k] for k in row.keys()}  # noqa: SIM118
            values["moderated"] = bool(values["moderated"])
            return Group(**values)

    def add_member(self, group_nsid: str, user_nsid: str, admin: bool = False) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO group_members (group_nsid, user_nsid, admin) VALUES (?, ?, ?)",
                (group_nsid, user_nsid, int(admin)),
            )

    def groups_of(self, user_nsid: str) -> list[tuple[Group, bool]]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT g.nsid, m.admin FROM groups g JOIN group_members m ON m.group_nsid = g.nsid"
                " WHERE m.user_nsid = ? ORDER BY g.name, g.nsid",
                (user_nsid,),
            ).fetchall()
        out = []
        for r in rows:
            group = self.group(r[0])
            assert group is not None
            out.append((group, bool(r[1])))
        return out

    def is_member(self, group_nsid: str, user_nsid: str) -> bool:
        with self.tx() as db:
            return (
                db.execute(
                    "SELECT 1 FROM group_members WHERE group_nsid = ? AND user_nsid = ?",
                    (group_nsid, user_nsid),
                ).fetchone()
                is not None
            )

    def group_counts(self, group_nsid: str) -> tuple[int, int]:
        """(members, photos in pool)."""
        with self.tx() as db:
            members = db.execute(
                "SELECT COUNT(*) FROM group_members WHERE group_nsid = ?", (group_nsid,)
            ).fetchone()
            photos = db.execute(
                "SELECT COUNT(*) FROM pool_photos WHERE group_nsid = ? AND state = 'added'", (group_nsid,)
            ).fetchone()
            return int(members[0]), int(photos[0])

    def pool_state(self, group_nsid: str, photo_id: int) -> str | None:
        with self.tx() as db:
            row = db.execute(
                "SELECT state FROM pool_photos WHERE group_nsid = ? AND photo_id = ?", (group_nsid, photo_id)
            ).fetchone()
            return None if row is None else str(row[0])

    def add_to_pool(self, group_nsid: str, photo_id: int, state: str) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO pool_photos (group_nsid, photo_id, state, added) VALUES (?, ?, ?, ?)",
                (group_nsid, photo_id, state, self.now()),
            )

    def pools_of_photo(self, photo_id: int) -> list[Group]:
        with self.tx() as db:
            rows = db.execute(
                "SELECT group_nsid FROM pool_photos WHERE photo_id = ? AND state = 'added' ORDER BY added",
                (photo_id,),
            ).fetchall()
        out = []
        for r in rows:
            group = self.group(r[0])
            if group is not None:
                out.append(group)
        return out
