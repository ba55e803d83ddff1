"""Photosets and group pools as Flickr keeps them: ordered members, primaries, no empty sets,
every deletion logged."""

from __future__ import annotations

import pytest

from fakeflickr.testing import FakeFlickrHandle
from tests.fakeflickr.client import Api

pytestmark = pytest.mark.integration


@pytest.fixture
def owner(fakeflickr: FakeFlickrHandle) -> Api:
    return Api(fakeflickr, fakeflickr.mint_token(perms="delete"))


def _members(api: Api, set_id: str) -> list[str]:
    return [
        p["id"] for p in api.ok("flickr.photosets.getPhotos", "GET", photoset_id=set_id)["photoset"]["photo"]
    ]


def test_create_add_order_and_primary(fakeflickr: FakeFlickrHandle, owner: Api) -> None:
    a, b, c = fakeflickr.seed_photos([{"title": n} for n in "abc"])
    assert owner.call("flickr.photosets.create", primary_photo_id=a) == {
        "stat": "fail",
        "code": 1,
        "message": "No title specified",
    }
    assert owner.call("flickr.photosets.create", title="x")["code"] == 2  # a set cannot be created empty
    first = owner.ok(
        "flickr.photosets.create", title="First", description='Tom & "Jerry"', primary_photo_id=a
    )
    set_id = first["photoset"]["id"]
    assert set_id.startswith("72157")
    assert len(set_id) == 17
    second = owner.ok("flickr.photosets.create", title="First", primary_photo_id=b)["photoset"][
        "id"
    ]  # same title is fine
    listing = owner.ok("flickr.photosets.getList", "GET")["photosets"]
    assert [s["id"] for s in listing["photoset"]] == [second, set_id]  # new sets go first
    assert listing["photoset"][1]["description"] == {"_content": "Tom &amp; &quot;Jerry&quot;"}
    owner.ok("flickr.photosets.addPhoto", photoset_id=set_id, photo_id=c)
    owner.ok("flickr.photosets.addPhoto", photoset_id=set_id, photo_id=b)
    assert _members(owner, set_id) == [a, c, b]
    assert owner.call("flickr.photosets.addPhoto", photoset_id=set_id, photo_id=c)["code"] == 3
    owner.ok("flickr.photosets.setPrimaryPhoto", photoset_id=set_id, photo_id=b)
    info = owner.ok("flickr.photosets.getInfo", "GET", photoset_id=set_id)["photoset"]
    assert (info["primary"], info["count_photos"], info["photos"]) == (b, "3", 3)
    owner.ok("flickr.photosets.removePhoto", photoset_id=set_id, photo_id=b)
    info = owner.ok("flickr.photosets.getInfo", "GET", photoset_id=set_id)["photoset"]
    assert info["primary"] == a  # the first remaining photo becomes the primary
    owner.ok("flickr.photosets.orderSets", photoset_ids=set_id)
    assert [s["id"] for s in owner.ok("flickr.photosets.getList", "GET")["photosets"]["photoset"]] == [
        set_id,
        second,
    ]


def test_edit_photos_and_meta(fakeflickr: FakeFlickrHandle, owner: Api) -> None:
    a, b, c = fakeflickr.seed_photos([{"title": n} for n in "abc"])
    set_id = owner.ok("flickr.photosets.create", title="T", description="keep?", primary_photo_id=a)[
        "photoset"
    ]["id"]
    assert (
        owner.call("flickr.photosets.editPhotos", photoset_id=set_id, primary_photo_id=a, photo_ids="")[
            "code"
        ]
        == 5
    )
    assert (
        owner.call(
            "flickr.photosets.editPhotos", photoset_id=set_id, primary_photo_id=a, photo_ids=f"{b},999"
        )["code"]
        == 2
    )
    assert (
        owner.call("flickr.photosets.editPhotos", photoset_id=set_id, primary_photo_id="1", photo_ids=b)[
            "code"
        ]
        == 3
    )
    assert (
        owner.call("flickr.photosets.editPhotos", photoset_id=set_id, primary_photo_id=a, photo_ids=b)["code"]
        == 4
    )
    owner.ok("flickr.photosets.editPhotos", photoset_id=set_id, primary_photo_id=b, photo_ids=f"{c},{b},{c}")
    assert _members(owner, set_id) == [c, b]
    assert owner.call("flickr.photosets.editMeta", photoset_id=set_id)["code"] == 2
    owner.ok("flickr.photosets.editMeta", photoset_id=set_id, title="New title")
    info = owner.ok("flickr.photosets.getInfo", "GET", photoset_id=set_id)["photoset"]
    assert (info["title"], info["description"]) == ({"_content": "New title"}, {"_content": ""})


def test_no_empty_sets_and_every_deletion_is_logged(fakeflickr: FakeFlickrHandle, owner: Api) -> None:
    a, b, c = fakeflickr.seed_photos([{"title": n} for n in "abc"])
    one = owner.ok("flickr.photosets.create", title="one", primary_photo_id=a)["photoset"]["id"]
    two = owner.ok("flickr.photosets.create", title="two", primary_photo_id=b)["photoset"]["id"]
    owner.ok("flickr.photosets.addPhoto", photoset_id=two, photo_id=c)
    three = owner.ok("flickr.photosets.create", title="three", primary_photo_id=c)["photoset"]["id"]
    assert fakeflickr.deletions() == []
    owner.ok("flickr.photosets.removePhoto", photoset_id=one, photo_id=a)
    owner.ok("flickr.photosets.removePhotos", photoset_id=two, photo_ids=f"{b},{c}")
    owner.ok("flickr.photos.delete", photo_id=c)  # the last photo of "three"
    assert owner.call("flickr.photosets.getInfo", "GET", photoset_id=one)["code"] == 1
    log = [(d["kind"], d["object_id"], d["title"]) for d in fakeflickr.deletions()]
    assert log == [
        ("photoset", one, "one"),
        ("photoset", two, "two"),
        ("photo", c, "c"),
        ("photoset", three, "three"),
    ]
    assert {p["id"] for p in fakeflickr.photos()} == {a, b}  # removing from a set never deletes a photo
    assert fakeflickr.photosets() == []


def test_private_members_are_hidden_from_others(fakeflickr: FakeFlickrHandle, owner: Api) -> None:
    public, private = fakeflickr.seed_photos(
        [{"title": "pub", "is_public": 1}, {"title": "priv", "is_public": 0}]
    )
    set_id = owner.ok("flickr.photosets.create", title="mixed", primary_photo_id=public)["photoset"]["id"]
    owner.ok("flickr.photosets.addPhoto", photoset_id=set_id, photo_id=private)
    assert _members(owner, set_id) == [public, private]
    stranger = Api(fakeflickr)
    seen = stranger.ok("flickr.photosets.getPhotos", "GET", photoset_id=set_id)["photoset"]
    assert ([p["id"] for p in seen["photo"]], seen["total"]) == ([public], "1")
    other = fakeflickr.create_user("other")
    intruder = Api(fakeflickr, fakeflickr.mint_token(user=other["nsid"]))
    assert intruder.call("flickr.photosets.addPhoto", photoset_id=set_id, photo_id=public)["code"] == 1
    mine = fakeflickr.seed_photo(owner=other["nsid"], title="theirs")
    assert owner.call("flickr.photosets.addPhoto", photoset_id=set_id, photo_id=mine)["code"] == 2


def test_contexts_and_group_pools(fakeflickr: FakeFlickrHandle, owner: Api) -> None:
    me = fakeflickr.default_user
    open_group = fakeflickr.create_group("Open", members=[me])
    moderated = fakeflickr.create_group("Moderated", members=[me], moderated=True)
    closed = fakeflickr.create_group("Closed")
    photo = fakeflickr.seed_photo(title="p", sets=["A", "B"])
    owner.ok("flickr.groups.pools.add", photo_id=photo, group_id=open_group)
    assert owner.call("flickr.groups.pools.add", photo_id=photo, group_id=open_group)["code"] == 3
    pending = owner.call("flickr.groups.pools.add", photo_id=photo, group_id=moderated)
    assert pending == {
        "stat": "fail",
        "code": 6,
        "message": "Your Photo has been added to the Pending Queue for this Pool",
    }
    assert owner.call("flickr.groups.pools.add", photo_id=photo, group_id=moderated)["code"] == 7
    assert owner.call("flickr.groups.pools.add", photo_id=photo, group_id=closed)["code"] == 2
    contexts = owner.ok("flickr.photos.getAllContexts", "GET", photo_id=photo)
    assert [s["title"] for s in contexts["set"]] == ["B", "A"]
    assert [p["id"] for p in contexts["pool"]] == [open_group]
    groups = owner.ok("flickr.people.getGroups", "GET", user_id="me")["groups"]["group"]
    assert sorted(g["nsid"] for g in groups) == sorted([open_group, moderated])
    pools = owner.ok("flickr.groups.pools.getGroups", "GET")["groups"]
    assert pools["total"] == "2"
    state = {g["nsid"]: g for g in fakeflickr.state(photos=False)["groups"]}
    assert (state[open_group]["pool"], state[moderated]["pending"]) == ([photo], [photo])
