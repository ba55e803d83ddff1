"""Test helpers for the pure sync core: record factories and a tiny simulated world.

:class:`World` holds a library (path -> content) and a Flickr account (photos, sets, pools) as
plain Python state, answers the matcher's needs from the truth, and applies a plan's actions the
way Flickr and the executor would (an upload gets the next photo id and Flickr's date taken from
the file's EXIF; removing a set's last photo deletes the set; …). It is the "apply the plan to the
two indexes" simulator the property tests and the state machine replan against.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from flickrsync.matcher import (
    MatchEvidence,
    MatchNeeds,
    MatchOptions,
    MatchResult,
    match_photos,
)
from flickrsync.models import (
    SET_MARKER,
    Action,
    AddTags,
    AddToGroup,
    AddToSet,
    ContentId,
    CreateSet,
    DeleteSet,
    Download,
    EditSetMeta,
    EditSetPhotos,
    LocalPath,
    LocalPicture,
    Media,
    Nsid,
    PhotoId,
    Photoset,
    PhotosetId,
    RemotePhoto,
    RemoteSet,
    RemoveFromSet,
    Upload,
)
from flickrsync.photosets import SetLink, SetMemory
from flickrsync.tags import parse_tags

ROOT = "/lib"


def cid(seed: str) -> ContentId:
    """A content id (64 hex) derived from a readable seed."""
    return ContentId(hashlib.sha256(seed.encode()).hexdigest())


def phash_of(seed: str) -> str:
    """A 64-bit perceptual hash (16 hex) derived from a seed: different seeds are far apart."""
    return hashlib.blake2b(seed.encode(), digest_size=8).hexdigest()


def flip(hex_hash: str, bits: int) -> str:
    """``hex_hash`` with its lowest ``bits`` bits flipped (a rescaled rendition of the same image)."""
    value = int(hex_hash, 16) ^ ((1 << bits) - 1)
    return f"{value:0{len(hex_hash)}x}"


def pic(
    seed: str,
    *relpaths: str,
    date: str | None = None,
    dims: tuple[int, int] | None = None,
    orientation: int | None = None,
    phash: str | None = None,
    media: Media = "photo",
    flickr_id: str | None = None,
    size: int = 1000,
    md5: str | None = None,
    sha1: str | None = None,
    root: str = ROOT,
) -> LocalPicture:
    paths = tuple(LocalPath(root, p) for p in sorted(relpaths or (f"{seed}.jpg",)))
    return LocalPicture(
        content_id=cid(seed),
        id_kind="imagedata",
        media=media,
        format="jpeg" if media == "photo" else "mp4",
        paths=paths,
        size=size,
        date_taken=date,
        width=dims[0] if dims else None,
        height=dims[1] if dims else None,
        orientation=orientation,
        phash=phash,
        md5=md5,
        sha1=sha1,
        flickr_id=PhotoId(flickr_id) if flickr_id else None,
    )


def photo(
    pid: str,
    title: str = "",
    *,
    tags: Iterable[str] = (),
    date: str | None = None,
    unknown: bool | None = None,
    granularity: int = 0,
    o_dims: tuple[int, int] | None = None,
    media: Media = "photo",
    upload: int = 0,
    original_format: str | None = "jpg",
) -> RemotePhoto:
    tag_list = tuple(tags)
    return RemotePhoto(
        id=PhotoId(pid),
        title=title,
        secret="s",
        server="1",
        tags=tag_list,
        machine_tags=tuple(t for t in tag_list if ":" in t and "=" in t),
        date_taken=date if date is not None else "2020-01-01 00:00:00",
        date_taken_unknown=(date is None) if unknown is None else unknown,
        date_taken_granularity=granularity,
        date_upload=upload or int(pid) if pid.isdigit() else upload,
        media=media,
        original_format=original_format,
        o_width=o_dims[0] if o_dims else None,
        o_height=o_dims[1] if o_dims else None,
    )


def photoset(
    sid: str, title: str, members: Sequence[str], *, ours: bool = True, description: str | None = None
) -> RemoteSet:
    desc = description if description is not None else (SET_MARKER if ours else "my album")
    return RemoteSet(
        Photoset(PhotosetId(sid), title, desc, PhotoId(members[0]) if members else PhotoId("0")),
        tuple(PhotoId(m) for m in members),
    )


# --- the simulated world ---------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """What a file's bytes are: the truth the fake fingerprinting reports."""

    seed: str
    date: str | None = None
    dims: tuple[int, int] | None = (4000, 3000)
    media: Media = "photo"
    size: int = 1000
    #: Another seed whose look this content shares (a burst shot, an edit): near-equal phash.
    looks_like: str | None = None

    @property
    def content_id(self) -> ContentId:
        return cid(self.seed)

    @property
    def phash(self) -> str:
        return flip(phash_of(self.looks_like), 1) if self.looks_like else phash_of(self.seed)

    @property
    def md5(self) -> str:
        return hashlib.md5(self.seed.encode()).hexdigest()

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.seed.encode()).hexdigest()


@dataclass
class FlickrPhoto:
    id: PhotoId
    content: Content
    title: str
    tags: list[str]
    upload: int
    date: str | None


@dataclass
class FlickrSet:
    id: PhotosetId
    title: str
    description: str
    primary: PhotoId
    members: list[PhotoId]
    created: int


@dataclass
class World:
    """A library and a Flickr account, both as plain state."""

    files: dict[str, Content] = field(default_factory=dict)
    photos: dict[PhotoId, FlickrPhoto] = field(default_factory=dict)
    sets: dict[PhotosetId, FlickrSet] = field(default_factory=dict)
    pools: set[tuple[PhotoId, Nsid]] = field(default_factory=set)
    #: The local index's memory: content id -> Flickr photo it was downloaded from.
    downloaded: dict[ContentId, PhotoId] = field(default_factory=dict)
    #: The index's cache of Flickr photos' perceptual hashes.
    phash_cache: dict[PhotoId, str | None] = field(default_factory=dict)
    #: The index's memory of fetched originals' content ids.
    originals_cache: dict[PhotoId, ContentId | None] = field(default_factory=dict)
    next_id: int = 1000
    #: Every content id ever uploaded, with the photo ids it got (duplicates show up here).
    uploads: dict[ContentId, list[PhotoId]] = field(default_factory=dict)
    clock: int = 1_600_000_000
    #: API write calls made so far.
    write_calls: int = 0
    #: The index's memory of the photoset step: set -> folder here, set -> photos placed there.
    set_links: dict[PhotosetId, str] = field(default_factory=dict)
    set_placed: dict[PhotosetId, frozenset[PhotoId]] = field(default_factory=dict)

    # -- seeding

    def add_file(self, relpath: str, content: Content) -> None:
        self.files[relpath] = content

    def seed_flickr(self, content: Content, title: str, tags: Iterable[str] = ()) -> PhotoId:
        """A photo another uploader put on Flickr (no machine tag of ours unless given)."""
        return self._new_photo(content, title, list(tags))

    def add_set(self, title: str, members: Sequence[PhotoId], *, ours: bool) -> PhotosetId:
        sid = PhotosetId(f"72157{self._next():012d}")
        self.sets[sid] = FlickrSet(
            sid, title, SET_MARKER if ours else "mine", members[0], list(members), self.clock
        )
        return sid

    def _next(self) -> int:
        self.next_id += 1
        self.clock += 1
        return self.next_id

    def _new_photo(self, content: Content, title: str, tags: list[str]) -> PhotoId:
        pid = PhotoId(str(self._next()))
        self.photos[pid] = FlickrPhoto(pid, content, title, tags, self.clock, content.date)
        return pid

    # -- the two indexes, as the index module would give them

    def local_index(self) -> list[LocalPicture]:
        by_content: dict[ContentId, list[str]] = {}
        contents: dict[ContentId, Content] = {}
        for relpath, content in self.files.items():
            by_content.setdefault(content.content_id, []).append(relpath)
            contents[content.content_id] = content
        out = []
        for content_id, relpaths in by_content.items():
            c = contents[content_id]
            out.append(
                LocalPicture(
                    content_id=content_id,
                    id_kind="imagedata",
                    media=c.media,
                    format="jpeg",
                    paths=tuple(LocalPath(ROOT, p) for p in sorted(relpaths)),
                    size=c.size,
                    date_taken=c.date,
                    width=c.dims[0] if c.dims else None,
                    height=c.dims[1] if c.dims else None,
                    flickr_id=self.downloaded.get(content_id),
                )
            )
        return out

    def remote_index(self) -> list[RemotePhoto]:
        return [
            RemotePhoto(
                id=p.id,
                title=p.title,
                secret="s",
                server="1",
                tags=tuple(t.lower() for t in p.tags),
                machine_tags=tuple(t.lower() for t in p.tags if ":" in t and "=" in t),
                date_taken=p.date if p.date else "2021-06-01 12:00:00",
                date_taken_unknown=p.date is None,
                date_upload=p.upload,
                media=p.content.media,
                original_format="jpg",
                o_width=p.content.dims[0] if p.content.dims else None,
                o_height=p.content.dims[1] if p.content.dims else None,
            )
            for p in self.photos.values()
        ]

    def remote_sets(self) -> list[RemoteSet]:
        return [
            RemoteSet(
                Photoset(s.id, s.title, s.description, s.primary, date_create=s.created), tuple(s.members)
            )
            for s in self.sets.values()
        ]

    # -- the engine's side of the needs protocol

    def answer(self, needs: MatchNeeds) -> MatchEvidence:
        by_cid = {c.content_id: c for c in self.files.values()}
        return MatchEvidence(
            digests={},  # the world's photos carry no checksum tags
            local_phash={c: by_cid[c].phash for c in needs.local_phash},
            remote_phash={p: self._remote_phash(p) for p in needs.remote_phash},
            originals={p: self.photos[p].content.content_id for p in needs.originals},
        )

    def _remote_phash(self, pid: PhotoId) -> str:
        # The small rendition hashes one bit away from the original.
        return flip(self.photos[pid].content.phash, 1)

    def match(self, options: MatchOptions | None = None) -> tuple[MatchResult, int]:
        """Run the needs loop to completion; returns the result and the number of calls."""
        options = options or MatchOptions()
        local, remote = self.local_index(), self.remote_index()
        evidence = MatchEvidence(remote_phash=dict(self.phash_cache), originals=dict(self.originals_cache))
        result = match_photos(local, remote, options, evidence)
        calls = 1
        while result.needs:
            assert calls < 6, f"needs loop does not converge: {result.needs}"
            answer = self.answer(result.needs)
            self.phash_cache.update(answer.remote_phash)
            self.originals_cache.update(answer.originals)
            evidence = evidence.merged(answer)
            result = match_photos(local, remote, options, evidence)
            calls += 1
        return result, calls

    # -- applying actions, as the executor and Flickr would

    def apply(self, actions: Iterable[Action]) -> None:
        for action in actions:
            self.apply_one(action)

    def apply_one(self, action: Action) -> None:
        if isinstance(action, Upload):
            content = self.files[action.path.relpath]
            assert content.content_id == action.content_id
            tags = list(parse_tags(action.raw_tags))
            pid = self._new_photo(content, action.title, tags)
            self.uploads.setdefault(action.content_id, []).append(pid)
            self.write_calls += 1
        elif isinstance(action, AddTags):
            assert action.photo_id in self.photos, "tagging a photo that does not exist"
            self.photos[action.photo_id].tags.extend(parse_tags(action.raw_tags))
            self.write_calls += 1
        elif isinstance(action, Download):
            # The executor's contract: fetch the original, compute its content id and remember
            # it for the photo; keep the file only if the library does not already have it.
            assert action.dest.root == ROOT
            assert action.dest.relpath not in self.files, "a download overwrote a file"
            content = self.photos[action.photo_id].content
            self.originals_cache[action.photo_id] = content.content_id
            if any(c.content_id == content.content_id for c in self.files.values()):
                return
            self.files[action.dest.relpath] = content
            self.downloaded.setdefault(content.content_id, action.photo_id)
            if action.photoset_id is not None:
                self.set_links.setdefault(action.photoset_id, posixpath.dirname(action.dest.relpath))
        else:
            self._apply_set_action(action)

    def _apply_set_action(self, action: Action) -> None:
        self.write_calls += action.calls
        if isinstance(action, CreateSet):
            assert action.photo_ids
            assert action.primary == action.photo_ids[0]
            sid = PhotosetId(f"72157{self._next():012d}")
            self.sets[sid] = FlickrSet(
                sid, action.title, action.description, action.primary, list(action.photo_ids), self.clock
            )
            self.remember([SetLink(sid, action.folder, frozenset(action.photo_ids))])
        elif isinstance(action, AddToSet):
            members = self.sets[action.photoset_id].members
            if action.photo_id not in members:  # Flickr: code 3, counted as done
                members.append(action.photo_id)
        elif isinstance(action, RemoveFromSet):
            s = self.sets[action.photoset_id]
            if action.photo_id in s.members:
                s.members.remove(action.photo_id)
            if not s.members:  # Flickr deletes a set whose last photo is removed
                del self.sets[action.photoset_id]
            elif s.primary not in s.members:
                s.primary = s.members[0]
        elif isinstance(action, EditSetPhotos):
            assert action.photo_ids, "editPhotos with an empty list (Flickr error 5)"
            assert action.primary in action.photo_ids, "primary not in list (Flickr error 4)"
            assert len(set(action.photo_ids)) == len(action.photo_ids)
            s = self.sets[action.photoset_id]
            s.members = list(action.photo_ids)
            s.primary = action.primary
        elif isinstance(action, EditSetMeta):
            self.sets[action.photoset_id].title = action.title
        elif isinstance(action, DeleteSet):
            del self.sets[action.photoset_id]
        elif isinstance(action, AddToGroup):
            self.pools.add((action.photo_id, action.group_id))
        else:  # pragma: no cover - every action type is handled above
            raise AssertionError(f"unknown action {action!r}")

    # -- the index's memory of the photoset step

    def set_memory(self) -> SetMemory:
        return SetMemory(dict(self.set_links), dict(self.set_placed))

    def remember(self, links: Iterable[SetLink]) -> None:
        for link in links:
            self.set_links[link.photoset_id] = link.folder
            if link.placed is not None:
                self.set_placed[link.photoset_id] = link.placed

    # -- library edits

    def move(self, old: str, new: str) -> None:
        self.files[new] = self.files.pop(old)

    def rename_folder(self, old: str, new: str) -> None:
        for relpath in sorted(self.files):
            if posixpath.dirname(relpath) == old:
                self.move(relpath, posixpath.join(new, posixpath.basename(relpath)))

    def forget_index(self) -> None:
        """The index file was deleted: links to Flickr and cached hashes are gone."""
        self.downloaded.clear()
        self.phash_cache.clear()
        self.originals_cache.clear()
        self.set_links.clear()
        self.set_placed.clear()


def with_date(content: Content, date: str | None) -> Content:
    """The same image with other metadata (content id unchanged: it hashes image data only)."""
    return replace(content, date=date)
