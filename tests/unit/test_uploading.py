"""uploading: what an upload refused by Flickr's duplicate check is linked to, without a network."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pytest
from tests.synchelpers import content_id, picture_bytes

from flickrsync.client import FlickrClient
from flickrsync.errors import DuplicateUploadError, RemoteError
from flickrsync.models import (
    ContentId,
    FileStat,
    LocalPath,
    PhotoId,
    RemotePhoto,
    Upload,
    content_tag,
)
from flickrsync.uploading import upload_picture

DUPLICATE = PhotoId("500")
NEW = PhotoId("600")


@dataclass
class DedupFlickr:
    """Refuses the first upload sent with ``dedup_check`` as a copy of photo 500."""

    duplicate: RemotePhoto | None
    tags_full: bool = False
    uploads: list[bool] = field(default_factory=list)
    tagged: list[tuple[PhotoId, list[str]]] = field(default_factory=list)

    def upload_once(self, photo: IO[bytes], filename: str, **kwargs: Any) -> PhotoId:
        self.uploads.append(kwargs["dedup_check"])
        photo.seek(0)
        while photo.read(1 << 16):  # sent, as httpx sends it
            pass
        if kwargs["dedup_check"]:
            raise DuplicateUploadError(
                "upload: Flickr error 9", photo_id=DUPLICATE, status=None, method="upload"
            )
        return NEW

    def get_info(self, photo_id: PhotoId) -> RemotePhoto:
        if self.duplicate is None:
            raise RemoteError('flickr.photos.getInfo: Photo "500" not found', code=1)
        return self.duplicate

    def add_tags(self, photo_id: PhotoId, tags: list[str]) -> bool:
        if self.tags_full:
            return False  # as FlickrClient.add_tags says Flickr's code 2
        self.tagged.append((photo_id, tags))
        return True


def upload(tmp_path: Path, flickr: DedupFlickr, original: ContentId | None = None) -> tuple[Any, ContentId]:
    data = picture_bytes(1)
    (tmp_path / "a.jpg").write_bytes(data)
    st = (tmp_path / "a.jpg").stat()
    cid = ContentId(content_id(data))
    action = Upload(
        cid, LocalPath(str(tmp_path), "a.jpg"), "a", (content_tag(cid),), len(data), "photo", "new"
    )
    scanned = FileStat(st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
    examined: list[PhotoId] = []

    def original_of(photo: RemotePhoto) -> ContentId:
        examined.append(photo.id)
        return original if original is not None else ContentId("0" * 64)

    landed = upload_picture(cast(FlickrClient, flickr), action, scanned, tmp_path, original_of)
    return (landed, examined), cid


def photo(*tags: str) -> RemotePhoto:
    return RemotePhoto(DUPLICATE, "a", "s", "1", tags=tags, machine_tags=tuple(t for t in tags if ":" in t))


def test_a_duplicate_carrying_the_pictures_tag_is_linked_without_a_look_at_its_original(
    tmp_path: Path,
) -> None:
    data = picture_bytes(1)
    flickr = DedupFlickr(photo(content_tag(ContentId(content_id(data)))))
    (landed, examined), _cid = upload(tmp_path, flickr)
    assert (landed.photo_id, landed.linked, landed.sent) == (DUPLICATE, True, 0)
    assert flickr.uploads == [True]
    assert examined == []
    assert flickr.tagged == []


def test_an_untagged_duplicate_whose_original_is_the_picture_is_linked_and_tagged(tmp_path: Path) -> None:
    flickr = DedupFlickr(photo("holiday"))
    data = picture_bytes(1)
    cid = ContentId(content_id(data))
    (landed, examined), _ = upload(tmp_path, flickr, original=cid)
    assert (landed.photo_id, landed.linked) == (DUPLICATE, True)
    assert examined == [DUPLICATE]
    assert flickr.tagged == [(DUPLICATE, [content_tag(cid)])]
    assert landed.record is not None
    assert content_tag(cid) in landed.record.machine_tags


def test_a_duplicate_that_cannot_take_one_more_tag_is_still_linked(tmp_path: Path) -> None:
    flickr = DedupFlickr(photo("holiday"), tags_full=True)
    (landed, _examined), cid = upload(tmp_path, flickr, original=ContentId(content_id(picture_bytes(1))))
    assert (landed.photo_id, landed.linked) == (DUPLICATE, True)
    assert landed.record is not None
    assert content_tag(cid) not in landed.record.machine_tags


@pytest.mark.parametrize("gone", [True, False], ids=["deleted by the user", "another picture"])
def test_otherwise_the_file_is_sent_without_the_check(tmp_path: Path, gone: bool) -> None:
    flickr = DedupFlickr(None if gone else photo("holiday"))
    (landed, examined), _ = upload(tmp_path, flickr)  # its original is some other content
    assert (landed.photo_id, landed.linked) == (NEW, False)
    assert flickr.uploads == [True, False]
    assert examined == ([] if gone else [DUPLICATE])
    assert flickr.tagged == []
