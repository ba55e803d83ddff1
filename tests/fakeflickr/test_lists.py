"""Photo lists as Flickr serves them: search filters, machine tag wildcards, sorting, paging (a page
past the end repeats the last page, the deep-paging cap), recentlyUpdated, getNotInSet."""

from __future__ import annotations

from typing import Any

import pytest

from fakeflickr.testing import FakeFlickrHandle
from tests.fakeflickr.client import Api

pytestmark = pytest.mark.integration

SHA = "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def _ids(data: dict[str, Any]) -> list[str]:
    return [p["id"] for p in data["photos"]["photo"]]


@pytest.fixture
def library(fakeflickr: FakeFlickrHandle) -> tuple[Api, dict[str, str]]:
    specs = {
        "cat": {
            "title": "Cat on a mat",
            "tags": "cat pets",
            "date_upload": 1500000000,
            "date_taken": "2017-01-01 10:00:00",
        },
        "dog": {
            "title": "Dog",
            "description": "A good boy",
            "tags": "dog pets",
            "date_upload": 1500000100,
            "date_taken": "2016-05-05 05:05:05",
        },
        "sum": {
            "title": "hashed",
            "tags": f'checksum:sha1={SHA} dc:title="Mr. Camera"',
            "date_upload": 1500000200,
            "date_taken": "2018-02-02 02:02:02",
        },
        "vid": {
            "title": "clip",
            "media": "video",
            "tags": "pets dc:creator=me",
            "date_upload": 1500000300,
            "date_taken": "2015-03-03 03:03:03",
        },
        "priv": {
            "title": "secret",
            "tags": "cat",
            "is_public": 0,
            "date_upload": 1500000400,
            "date_taken": "2019-04-04 04:04:04",
        },
    }
    ids = dict(zip(specs, fakeflickr.seed_photos(list(specs.values())), strict=True))
    return Api(fakeflickr, fakeflickr.mint_token(perms="read")), ids


def test_search_by_tags_text_media_and_privacy(
    library: tuple[Api, dict[str, str]], fakeflickr: FakeFlickrHandle
) -> None:
    api, ids = library

    def search(**params: Any) -> list[str]:
        return _ids(api.ok("flickr.photos.search", "GET", user_id="me", **params))

    assert search(tags="cat") == [ids["priv"], ids["cat"]]
    assert search(tags="CAT,dog") == [ids["priv"], ids["dog"], ids["cat"]]
    assert search(tags="cat,pets", tag_mode="all") == [ids["cat"]]
    assert search(tags="pets,-dog") == [ids["vid"], ids["cat"]]
    assert search(text="good boy") == [ids["dog"]]
    assert search(text="mat -dog") == [ids["cat"]]
    assert search(tags="pets", media="videos") == [ids["vid"]]
    assert search(tags="pets", media="photos") == [ids["dog"], ids["cat"]]
    assert search(tags="cat", privacy_filter=5) == [ids["priv"]]
    assert search(tags="cat", privacy_filter=1) == [ids["cat"]]
    # Someone else (or nobody) sees public photos only, and privacy_filter does not apply.
    anonymous = Api(fakeflickr)
    owner = fakeflickr.default_user
    assert _ids(anonymous.ok("flickr.photos.search", "GET", user_id=owner, tags="cat")) == [ids["cat"]]
    assert _ids(anonymous.ok("flickr.photos.search", "GET", tags="cat", privacy_filter=5)) == [ids["cat"]]


@pytest.mark.parametrize(
    ("machine_tags", "mode", "expected"),
    [
        (f"checksum:sha1={SHA}", None, ["sum"]),
        (f"checksum:sha1={SHA.upper()}", None, ["sum"]),
        ("checksum:sha1=ffff", None, []),
        ("checksum:", None, ["sum"]),
        ("dc:title=", None, ["sum"]),
        ('dc:title="mr. camera"', None, ["sum"]),
        ('*:*="mr. camera"', None, ["sum"]),
        ("*:title=", None, ["sum"]),
        ("dc:*=me", None, ["vid"]),
        ("dc:", None, ["vid", "sum"]),
        ("dc:creator=,checksum:", "any", ["vid", "sum"]),
        ("dc:creator=,checksum:", "all", []),
        ("dc:title=,checksum:", "all", ["sum"]),
    ],
)
def test_machine_tag_search(
    library: tuple[Api, dict[str, str]], machine_tags: str, mode: str | None, expected: list[str]
) -> None:
    api, ids = library
    params = {"user_id": "me", "machine_tags": machine_tags}
    if mode:
        params["machine_tag_mode"] = mode
    assert _ids(api.ok("flickr.photos.search", "GET", **params)) == [ids[n] for n in expected]


def test_machine_tag_limits(library: tuple[Api, dict[str, str]]) -> None:
    api, _ = library
    nine = ",".join(f"a:b{i}=" for i in range(9))
    assert api.call("flickr.photos.search", "GET", user_id="me", machine_tags=nine)["code"] == 12
    assert api.ok("flickr.photos.search", "GET", user_id="me", machine_tags=nine, machine_tag_mode="all")
    too_many = ",".join(f"t{i}" for i in range(21))
    assert api.call("flickr.photos.search", "GET", user_id="me", tags=too_many, tag_mode="all")["code"] == 1


def test_date_bounds_are_inclusive_and_accept_both_forms(library: tuple[Api, dict[str, str]]) -> None:
    api, ids = library

    def search(**params: Any) -> list[str]:
        return _ids(api.ok("flickr.photos.search", "GET", user_id="me", **params))

    assert search(min_upload_date=1500000100, max_upload_date=1500000200) == [ids["sum"], ids["dog"]]
    assert search(min_upload_date="2017-07-14 02:40:00", max_upload_date=1500000100) == [
        ids["dog"],
        ids["cat"],
    ]
    assert search(min_taken_date="2017-01-01 10:00:00", max_taken_date="2018-12-31") == [
        ids["sum"],
        ids["cat"],
    ]
    assert search(max_taken_date="2015") == []
    assert search(min_taken_date=1483264800, max_taken_date=1483264800) == [ids["cat"]]  # Unix time works too


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["priv", "vid", "sum", "dog", "cat"]),
        ("date-posted-asc", ["cat", "dog", "sum", "vid", "priv"]),
        ("date-taken-asc", ["vid", "dog", "cat", "sum", "priv"]),
        ("date-taken-desc", ["priv", "sum", "cat", "dog", "vid"]),
        ("nonsense", ["priv", "vid", "sum", "dog", "cat"]),
    ],
)
def test_search_sort(library: tuple[Api, dict[str, str]], sort: str | None, expected: list[str]) -> None:
    api, ids = library
    params = {"user_id": "me"} | ({"sort": sort} if sort else {})
    assert _ids(api.ok("flickr.photos.search", "GET", **params)) == [ids[n] for n in expected]


def test_paging_clamps_and_repeats_the_last_page(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.seed_photos([{"title": f"p{i}", "date_upload": 1600000000 + i} for i in range(7)])
    api = Api(fakeflickr, fakeflickr.mint_token(perms="read"))
    first = api.ok("flickr.people.getPhotos", "GET", user_id="me", per_page=3)["photos"]
    assert {k: first[k] for k in ("page", "pages", "perpage", "total")} == {
        "page": 1,
        "pages": 3,
        "perpage": 3,
        "total": "7",
    }
    last = api.ok("flickr.people.getPhotos", "GET", user_id="me", per_page=3, page=3)["photos"]
    past = api.ok("flickr.people.getPhotos", "GET", user_id="me", per_page=3, page=99)["photos"]
    assert past["page"] == 3
    assert past["photo"] == last["photo"]
    assert len(last["photo"]) == 1
    big = api.ok("flickr.people.getPhotos", "GET", user_id="me", per_page=1000)["photos"]
    assert big["perpage"] == 500
    silly = api.ok("flickr.people.getPhotos", "GET", user_id="me", per_page="x", page="-2")["photos"]
    assert (silly["page"], silly["perpage"]) == (1, 100)
    empty = api.ok("flickr.photos.search", "GET", user_id="me", tags="nothing")["photos"]
    assert (empty["page"], empty["pages"], empty["total"], empty["photo"]) == (1, 0, "0", [])


def test_deep_paging_cap_repeats_the_last_page_inside_the_cap(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.seed_photos(
        [{"title": f"p{i}", "tags": "many", "date_upload": 1600000000 + i} for i in range(4100)]
    )
    api = Api(fakeflickr, fakeflickr.mint_token(perms="read"))
    for method, params in (("flickr.people.getPhotos", {}), ("flickr.photos.search", {"tags": "many"})):
        page8 = api.ok(method, "GET", user_id="me", per_page=500, page=8, **params)["photos"]
        page9 = api.ok(method, "GET", user_id="me", per_page=500, page=9, **params)["photos"]
        assert (page9["page"], page9["pages"], page9["total"]) == (9, 9, "4100")
        assert page9["photo"] == page8["photo"]  # the same 500 again, never photos 4001-4100
    fakeflickr.configure(deep_page_mode="error")
    error = api.call("flickr.photos.search", "GET", user_id="me", tags="many", per_page=500, page=9)
    assert error == {"stat": "fail", "code": 20, "message": "Excessive photo offset in search"}
    fakeflickr.configure(deep_page_cap=0)
    whole = api.ok("flickr.people.getPhotos", "GET", user_id="me", per_page=500, page=9)["photos"]
    assert len(whole["photo"]) == 100


def test_recently_updated_follows_every_metadata_change(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.configure(clock=1700000000)
    a, b, c = fakeflickr.seed_photos([{"title": n, "date_upload": 1600000000} for n in "abc"])
    api = Api(fakeflickr, fakeflickr.mint_token(perms="write"))
    changes: list[tuple[str, dict[str, Any]]] = [
        ("flickr.photos.addTags", {"photo_id": b, "tags": "x"}),
        ("flickr.photos.setMeta", {"photo_id": a, "title": "A", "description": ""}),
        ("flickr.photos.setDates", {"photo_id": c, "date_taken": "2001-01-01 00:00:00"}),
        ("flickr.photos.setPerms", {"photo_id": b, "is_public": 0, "is_friend": 0, "is_family": 0}),
        ("flickr.photos.setTags", {"photo_id": c, "tags": "y"}),
    ]
    for step, (method, params) in enumerate(changes, start=1):
        fakeflickr.configure(clock=1700000000 + step * 100)
        api.ok(method, **params)
    listing = api.ok("flickr.photos.recentlyUpdated", "GET", min_date=1700000150, extras="last_update")[
        "photos"
    ]
    assert [(p["id"], p["lastupdate"]) for p in listing["photo"]] == [
        (c, "1700000500"),
        (b, "1700000400"),
        (a, "1700000200"),
    ]
    assert api.ok("flickr.photos.recentlyUpdated", "GET", min_date="2023-11-14")["photos"]["total"] == "3"
    # Set membership is not a change of the photo (see docs/flickr-quirks.md).
    fakeflickr.configure(clock=1700009999)
    api.ok("flickr.photosets.create", title="S", primary_photo_id=a)
    assert api.ok("flickr.photos.recentlyUpdated", "GET", min_date=1700009999)["photos"]["total"] == "0"


def test_not_in_set_and_extras_visibility(fakeflickr: FakeFlickrHandle) -> None:
    a, b, c = fakeflickr.seed_photos(
        [{"title": n, "date_upload": 1600000000 + i} for i, n in enumerate("abc")]
    )
    owner = Api(fakeflickr, fakeflickr.mint_token(perms="write"))
    owner.ok("flickr.photosets.create", title="S", primary_photo_id=b)
    assert _ids(owner.ok("flickr.photos.getNotInSet", "GET")) == [a, c]
    extras = "original_format,url_o,url_b,url_l,o_dims"
    mine = owner.ok("flickr.people.getPhotos", "GET", user_id="me", extras=extras)["photos"]["photo"][0]
    assert {"originalsecret", "originalformat", "url_o", "o_width"} <= set(mine)
    assert not any(k.endswith("_b") for k in mine)
    stranger = Api(fakeflickr).ok(
        "flickr.people.getPhotos", "GET", user_id=fakeflickr.default_user, extras=extras
    )
    theirs = stranger["photos"]["photo"][0]
    assert {"originalsecret", "originalformat", "url_o", "o_width"}.isdisjoint(theirs)
    assert "url_l" not in theirs  # a 640x480 picture has no Large size


def test_hidden_photos_stay_out_of_other_peoples_searches(fakeflickr: FakeFlickrHandle) -> None:
    earlier = 1_500_000_000  # uploaded long ago: in the search index
    shown, hidden = fakeflickr.seed_photos(
        [
            {"tags": "t", "hidden": 1, "date_upload": earlier},
            {"tags": "t", "hidden": 2, "date_upload": earlier},
        ]
    )
    assert _ids(Api(fakeflickr).ok("flickr.photos.search", "GET", tags="t")) == [shown]
    owner = Api(fakeflickr, fakeflickr.mint_token(perms="read"))
    assert _ids(owner.ok("flickr.photos.search", "GET", user_id="me", tags="t")) == [hidden, shown]


def test_machine_tags_extra_can_come_back_empty_as_once_recorded(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.seed_photo(tags=f"foo checksum:sha1={SHA}", date_upload=1_500_000_000)  # long indexed
    api = Api(fakeflickr, fakeflickr.mint_token(perms="read"))
    fakeflickr.configure(machine_tags_extra=False)
    (item,) = api.ok("flickr.people.getPhotos", "GET", user_id="me", extras="tags,machine_tags")["photos"][
        "photo"
    ]
    assert (item["tags"], item["machine_tags"]) == (f"foo checksum:sha1={SHA}", "")
    # Searching by machine tag still works.
    assert (
        api.ok("flickr.photos.search", "GET", user_id="me", machine_tags=f"checksum:sha1={SHA}")["photos"][
            "total"
        ]
        == "1"
    )


def test_search_index_delay(fakeflickr: FakeFlickrHandle) -> None:
    """Search lags behind uploads and edits by default, as on Flickr (REFERENCE §4.2); listing
    does not."""
    assert fakeflickr.state(photos=False)["config"]["search_index_delay"] == 3600
    photo = fakeflickr.seed_photo(title="fresh", tags="new")
    api = Api(fakeflickr, fakeflickr.mint_token(perms="write"))

    def found(tag: str) -> str:
        return str(api.ok("flickr.photos.search", "GET", user_id="me", tags=tag)["photos"]["total"])

    assert found("new") == "0"
    assert api.ok("flickr.people.getPhotos", "GET", user_id="me")["photos"]["total"] == "1"
    fakeflickr.configure(clock_offset=3600)  # an hour later
    assert found("new") == "1"
    api.ok("flickr.photos.addTags", photo_id=photo, tags="edited")
    assert found("edited") == "0", "an edit is indexed again, after the same lag"
    fakeflickr.configure(search_index_delay=0)  # a test may turn the lag off (and must say why)
    api.ok("flickr.photos.addTags", photo_id=photo, tags="again")
    assert found("again") == "1"
