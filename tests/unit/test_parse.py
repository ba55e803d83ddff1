"""parse.py: Flickr JSON -> models, tolerant of every typing quirk (REFERENCE §2.3).

Inline samples always run; the real recorded fixtures are read in place when ../shared exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import shared_path

from flickrsync.models import Account, Nsid, PhotoContext, PhotoId, PhotosetId, Ticket, TicketId, TokenInfo
from flickrsync.parse import (
    MalformedResponse,
    as_int,
    parse_check_token,
    parse_contexts,
    parse_created_photoset,
    parse_info,
    parse_login,
    parse_photo,
    parse_photo_page,
    parse_photosets,
    parse_sizes,
    parse_tickets,
    parse_upload_response,
    parse_upload_status,
)


def fixture(name: str) -> Any:
    return json.loads(shared_path("flickr-api", "fixtures", name).read_text())


def fixture_text(name: str) -> str:
    return shared_path("flickr-api", "fixtures", name).read_text()


# --- scalars ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" 7 ", 7),
        ("12.0", 12),
        (1.9, 1),
        ("", None),
        (None, None),
        ("lots", None),
        (True, 1),
        # garbage that float() reads but no int has: the default, not OverflowError/ValueError
        ("inf", None),
        ("-Infinity", None),
        ("nan", None),
        (float("inf"), None),
        (float("nan"), None),
    ],
)
def test_as_int(raw: object, expected: int | None) -> None:
    assert as_int(raw) == expected


# --- photo lists -----------------------------------------------------------------------------

MODERN_ITEM = {
    "id": "53084954382",
    "owner": "77878994@N07",
    "secret": "3dd9199542",
    "server": "65535",
    "farm": 66,
    "title": "Sunrise",
    "ispublic": 0,
    "isfriend": 1,
    "isfamily": "0",
    "description": {"_content": "a <b>nice</b> one"},
    "dateupload": "1700000000",
    "datetaken": "2023-08-01 06:12:00",
    "datetakengranularity": 0,
    "datetakenunknown": "0",
    "lastupdate": 1700000100,
    "originalsecret": "abcdef0123",
    "originalformat": "jpg",
    "tags": "sunrise flickrsync:imagehash=" + "a" * 64,
    "machine_tags": "flickrsync:imagehash=" + "a" * 64,
    "o_width": "6000",
    "o_height": 4000,
    "media": "photo",
    "media_status": "ready",
    "pathalias": None,
    "url_o": "https://live.staticflickr.com/65535/53084954382_abcdef0123_o.jpg",
    "height_o": "4000",
    "width_o": 6000,
    "url_n": "https://live.staticflickr.com/65535/53084954382_3dd9199542_n.jpg",
    "height_n": 213,
    "width_n": "320",
}


def test_modern_item() -> None:
    photo = parse_photo(MODERN_ITEM)
    assert photo.id == "53084954382"
    assert photo.title == "Sunrise"
    assert photo.description == "a <b>nice</b> one"
    assert photo.farm == 66
    assert photo.date_taken == "2023-08-01 06:12:00"
    assert photo.date_taken_unknown is False
    assert photo.date_upload == 1700000000
    assert photo.last_update == 1700000100
    assert photo.tags == ("sunrise", "flickrsync:imagehash=" + "a" * 64)
    assert photo.machine_tags == ("flickrsync:imagehash=" + "a" * 64,)
    assert (photo.o_width, photo.o_height) == (6000, 4000)
    assert photo.original_format == "jpg"
    assert photo.original_secret == "abcdef0123"
    assert photo.url_small is not None
    assert photo.url_small.endswith("_n.jpg")
    assert photo.url_o is not None
    assert photo.url_o.endswith("_o.jpg")
    assert (photo.is_public, photo.is_friend, photo.is_family) == (False, True, False)


def test_minimal_item_without_extras() -> None:
    photo = parse_photo({"id": 42, "secret": "s", "server": 1, "farm": "3", "title": ""})
    assert photo.id == "42"
    assert photo.server == "1"
    assert photo.farm == 3
    assert photo.date_taken is None
    assert photo.date_taken_unknown is True
    assert photo.tags == ()
    assert photo.url_o is None
    assert photo.url_small is None
    assert photo.original_format is None


@pytest.mark.parametrize(
    ("fields", "unknown"),
    [
        ({"datetaken": "2012-10-28 11:32:03"}, True),  # 2012-2013: no datetakenunknown -> cannot tell
        ({"datetaken": "2012-10-28 11:32:03", "datetakenunknown": 0}, False),
        ({"datetaken": "2012-10-28 11:32:03", "datetakenunknown": "1"}, True),
        ({"datetaken": "0000-00-00 00:00:00", "datetakenunknown": "0"}, True),  # videos
    ],
)
def test_date_taken_unknown_is_the_safe_answer(fields: dict[str, object], unknown: bool) -> None:
    assert parse_photo({"id": "1", **fields}).date_taken_unknown is unknown


def test_machine_tag_in_tags_but_not_in_machine_tags() -> None:
    # the 2013 recording: "vision:night=077" in tags, machine_tags empty
    photo = parse_photo({"id": "1", "tags": "foo vision:night=077", "machine_tags": ""})
    assert photo.machine_tags == ("vision:night=077",)


def test_small_url_falls_back_for_small_originals() -> None:
    photo = parse_photo({"id": "1", "url_s": "https://x/1_s_m.jpg", "url_o": "https://x/1_o.jpg"})
    assert photo.url_small == "https://x/1_s_m.jpg"
    tiny = parse_photo({"id": "1", "url_o": "https://x/1_o.png"})
    assert tiny.url_small == "https://x/1_o.png"


@pytest.mark.parametrize(("total", "expected"), [("98", 98), (112301, 112301), ("", None), (None, None)])
def test_page_total_string_number_or_empty(total: object, expected: int | None) -> None:
    rsp = {"photos": {"page": "2", "pages": 3, "perpage": "500", "total": total, "photo": [{"id": "1"}]}}
    page = parse_photo_page(rsp)
    assert (page.page, page.pages, page.per_page, page.total) == (2, 3, 500, expected)
    assert [p.id for p in page.photos] == ["1"]


def test_empty_page() -> None:
    page = parse_photo_page({"photos": {"page": 1, "pages": 0, "perpage": 100, "total": "0", "photo": []}})
    assert page.photos == ()
    assert page.total == 0


def test_page_without_container_is_malformed() -> None:
    with pytest.raises(MalformedResponse):
        parse_photo_page({"stat": "ok"})
    with pytest.raises(MalformedResponse):
        parse_photo_page({"photos": {"photo": [{"title": "no id"}]}})


def test_photoset_photos_container() -> None:
    rsp = {
        "photoset": {
            "id": "7215",
            "page": 1,
            "per_page": 500,
            "pages": 1,
            "total": "1",
            "photo": [{"id": "9", "isprimary": "1"}],
        }
    }
    page = parse_photo_page(rsp, "photoset")
    assert page.per_page == 500
    assert page.photos[0].id == "9"


# --- other methods, inline -------------------------------------------------------------------


def test_info_modern_shape() -> None:
    rsp = {
        "photo": {
            "id": "21609597615",
            "secret": "04b05f4473",
            "server": "590",
            "farm": 1,
            "dateuploaded": "1442875605",
            "originalsecret": "efe3a758a1",
            "originalformat": "jpg",
            "media": "photo",
            "title": {"_content": "Church"},
            "description": {"_content": ""},
            "visibility": {"ispublic": "1", "isfriend": "0", "isfamily": "0"},
            "dates": {
                "posted": "1442875605",
                "taken": "2004-12-31 13:09:04",
                "takengranularity": "0",
                "takenunknown": "1",
                "lastupdate": "1637290621",
            },
            "tags": {
                "tag": [
                    {"id": "1-2-3", "raw": "Church", "_content": "church", "machine_tag": "0"},
                    {
                        "id": "1-2-4",
                        "raw": "geo:locality=Ngaruawahia",
                        "_content": "geo:locality=ngaruawahia",
                        "machine_tag": 1,
                    },
                ]
            },
        }
    }
    photo = parse_info(rsp)
    assert photo.title == "Church"
    assert photo.date_upload == 1442875605
    assert photo.date_taken_unknown is True
    assert photo.last_update == 1637290621
    assert photo.tags == ("church", "geo:locality=ngaruawahia")
    assert photo.machine_tags == ("geo:locality=ngaruawahia",)
    assert photo.is_public is True


def test_sizes_with_empty_dimensions() -> None:
    rsp = {
        "sizes": {
            "size": [
                {
                    "label": "Original",
                    "width": "6000",
                    "height": 4000,
                    "source": "https://x/o.jpg",
                    "media": "photo",
                },
                {
                    "label": "700",
                    "width": "",
                    "height": "",
                    "source": "https://x/play/700/s/",
                    "media": "video",
                },
            ]
        }
    }
    sizes = parse_sizes(rsp)
    assert (sizes[0].width, sizes[0].height, sizes[0].media) == (6000, 4000, "photo")
    assert (sizes[1].width, sizes[1].height, sizes[1].media) == (None, None, "video")


def test_contexts_json_and_empty() -> None:
    rsp = {
        "set": [{"id": "72157", "title": "Birds", "primary": "1"}],
        "pool": [{"id": "4321@N00", "title": {"_content": "Mountains"}}],
        "stat": "ok",
    }
    assert parse_contexts(rsp) == PhotoContext(
        sets=((PhotosetId("72157"), "Birds"),), pools=((Nsid("4321@N00"), "Mountains"),)
    )
    assert parse_contexts({"stat": "ok"}) == PhotoContext()
    # one bare object instead of a list
    assert parse_contexts({"set": {"id": "1", "title": "x"}}).sets == ((PhotosetId("1"), "x"),)


def test_login_check_token_and_create() -> None:
    assert parse_login({"user": {"id": "1@N01", "username": {"_content": "me"}}}) == Account(
        Nsid("1@N01"), "me"
    )
    info = parse_check_token(
        {
            "oauth": {
                "token": {"_content": "t"},
                "perms": {"_content": "write"},
                "user": {"nsid": "1@N01", "username": "me", "fullname": "M"},
            }
        }
    )
    assert info == TokenInfo("write", Account(Nsid("1@N01"), "me", "M"))
    with pytest.raises(MalformedResponse):
        parse_check_token({"oauth": {"perms": {"_content": "godmode"}, "user": {"nsid": "1"}}})
    assert (
        parse_created_photoset({"photoset": {"id": "72157636216289703", "url": "u"}}) == "72157636216289703"
    )


def test_tickets_all_states() -> None:
    rsp = {
        "uploader": {
            "ticket": [
                {"id": "a", "complete": 0},
                {"id": "b", "complete": "1", "photoid": "99", "imported": None},
                {"id": "c", "complete": 2},
                {"id": "d", "invalid": 1},
                {"id": "e", "complete": 1},
            ]
        }
    }
    assert parse_tickets(rsp) == (
        Ticket(TicketId("a"), "pending"),
        Ticket(TicketId("b"), "complete", PhotoId("99")),
        Ticket(TicketId("c"), "failed"),
        Ticket(TicketId("d"), "invalid"),
        Ticket(TicketId("e"), "pending"),  # done but no photo id yet: ask again
    )
    assert parse_tickets({"uploader": {"ticket": []}}) == ()


def test_upload_status_lots_and_numbers() -> None:
    rsp = {
        "user": {
            "ispro": "0",
            "filesize": {"maxbytes": "209715200"},
            "videosize": {"maxbytes": 1073741824},
            "videos": {"uploaded": 2, "remaining": "lots"},
        }
    }
    limits = parse_upload_status(rsp)
    assert (limits.is_pro, limits.max_photo_bytes, limits.max_video_bytes) == (False, 209715200, 1073741824)
    assert limits.remaining_videos is None
    rsp["user"]["videos"] = {"remaining": "3"}
    assert parse_upload_status(rsp).remaining_videos == 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<photoid>10100858276</photoid>", {"photo_id": "10100858276"}),
        (
            '<photoid secret="f4" originalsecret="95">10100895983</photoid>',
            {"photo_id": "10100895983", "secret": "f4"},
        ),
        ("<ticketid>78701040-72157636215117185</ticketid>", {"ticket_id": "78701040-72157636215117185"}),
    ],
)
def test_upload_answers(body: str, expected: dict[str, str]) -> None:
    answer = parse_upload_response(
        f'<?xml version="1.0" encoding="utf-8" ?>\n<rsp stat="ok">\n{body}\n</rsp>\n'
    )
    for key, value in expected.items():
        assert getattr(answer, key) == value


def test_upload_error_and_garbage() -> None:
    answer = parse_upload_response(
        '<rsp stat="fail"><err code="5" msg="Filetype was not recognised" /></rsp>'
    )
    assert (answer.error_code, answer.error_message, answer.photo_id) == (
        5,
        "Filetype was not recognised",
        None,
    )
    for bad in (
        "<html>502 Bad Gateway</html",
        "<html></html>",
        '<rsp stat="ok"></rsp>',
        '<rsp stat="fail"/>',
        '<rsp stat="fail"><err msg="no code" /></rsp>',  # was taken for a success without a photo
    ):
        with pytest.raises(MalformedResponse):
            parse_upload_response(bad)


# --- the real recorded responses -------------------------------------------------------------

LISTS = [
    ("people.getPhotos.json", "photos"),
    ("photos.getNotInSet.json", "photos"),
    ("photos.getNotInSet.no-extras.json", "photos"),
    ("photos.recentlyUpdated.json", "photos"),
    ("photos.search.json", "photos"),
    ("photosets.getPhotos.json", "photoset"),
]


@pytest.mark.shared
@pytest.mark.parametrize(("name", "container"), LISTS)
def test_every_recorded_photo_list_parses(name: str, container: str) -> None:
    rsp = fixture(name)
    page = parse_photo_page(rsp, container)
    raw = rsp[container]["photo"]
    assert [p.id for p in page.photos] == [str(item["id"]) for item in raw]
    assert page.total == int(rsp[container]["total"])
    for photo, item in zip(page.photos, raw, strict=True):
        assert photo.title == item["title"]
        if "dateupload" in item:
            assert photo.date_upload == int(item["dateupload"])
        if "url_o" in item:
            assert photo.url_o == item["url_o"]
            assert photo.o_width == int(item["width_o"])


@pytest.mark.shared
def test_recorded_get_photos_details() -> None:
    page = parse_photo_page(fixture("people.getPhotos.json"))
    jon = page.photos[0]
    assert jon.id == "10115956703"
    assert jon.description == "It's a photo"
    assert jon.tags == ("foo", "vision:night=077")
    assert jon.machine_tags == ("vision:night=077",)
    assert jon.original_format == "jpg"
    assert jon.url_small is not None
    assert jon.url_small.endswith("_n.jpg")
    assert jon.date_taken == "2013-10-06 14:06:41"
    assert jon.date_taken_unknown is True  # 2013: no datetakenunknown field
    assert page.photos[1].date_upload == 2013  # the setDates "2013" quirk survives as a number


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "photos.getInfo.json",
        "photos.getInfo.video.json",
        "photos.getInfo.uploaded-without-title-or-exif-date.json",
    ],
)
def test_recorded_info(name: str) -> None:
    rsp = fixture(name)
    photo = parse_info(rsp)
    assert photo.id == rsp["photo"]["id"]
    assert photo.date_upload == int(rsp["photo"]["dates"]["posted"])
    assert photo.title == rsp["photo"]["title"]["_content"]
    assert photo.media == rsp["photo"].get("media", "photo")


@pytest.mark.shared
def test_recorded_info_tags() -> None:
    photo = parse_info(fixture("photos.getInfo.json"))
    assert photo.tags == ("foo", "bar")
    assert photo.machine_tags == ()


@pytest.mark.shared
@pytest.mark.parametrize("name", ["photos.getSizes.json", "photos.getSizes.video.json"])
def test_recorded_sizes(name: str) -> None:
    rsp = fixture(name)
    sizes = parse_sizes(rsp)
    assert [s.label for s in sizes] == [s["label"] for s in rsp["sizes"]["size"]]
    assert sizes[0].width == 75
    if "video" in name:
        assert any(s.media == "video" for s in sizes)
    else:
        assert sizes[-1].label == "Original"


@pytest.mark.shared
def test_recorded_photosets_list() -> None:
    page = parse_photosets(fixture("photosets.getList.json"))
    assert [(s.id, s.title, s.photos, s.videos) for s in page.photosets] == [
        (PhotosetId("72157632008788084"), "New set", 1, 0),
        (PhotosetId("72157631860874542"), "Title", 2, 0),
    ]
    assert page.photosets[1].description == "Description"
    assert page.photosets[0].date_create == 1352909686


@pytest.mark.shared
def test_recorded_account_methods() -> None:
    assert parse_login(fixture("test.login.json")) == Account(Nsid("78733179@N04"), "@janko-m")
    limits = parse_upload_status(fixture("people.getUploadStatus.json"))
    assert (limits.is_pro, limits.max_photo_bytes, limits.max_video_bytes) == (False, 209715200, 1073741824)
    assert limits.remaining_videos is None  # "lots"
    assert parse_created_photoset(fixture("photosets.create.json")) == "72157636216289703"


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "state", "photo"),
    [
        ("photos.upload.checkTickets.json", "complete", "10100785685"),
        ("photos.upload.checkTickets.2012.json", "complete", "7243588772"),
        ("photos.upload.checkTickets.pending.json", "pending", None),
        ("photos.upload.checkTickets.invalid.json", "invalid", None),
    ],
)
def test_recorded_tickets(name: str, state: str, photo: str | None) -> None:
    (ticket,) = parse_tickets(fixture(name))
    assert (ticket.state, ticket.photo_id) == (state, photo)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "photo", "ticket", "code"),
    [
        ("upload.xml", "10100858276", None, None),
        ("upload.async.xml", None, "78701040-72157636215117185", None),
        ("replace.xml", "10100895983", None, None),
        ("replace.async.xml", None, "78701040-72157636215304716", None),
        ("upload.error-100.xml", None, None, 100),
        ("replace.error-1-not-pro.xml", None, None, 1),
    ],
)
def test_recorded_upload_answers(name: str, photo: str | None, ticket: str | None, code: int | None) -> None:
    answer = parse_upload_response(fixture_text(name))
    assert (answer.photo_id, answer.ticket_id, answer.error_code) == (photo, ticket, code)


@pytest.mark.shared
def test_every_json_fixture_with_a_photo_list_is_covered() -> None:
    """A new recorded list in ../shared must be added to LISTS above."""
    folder: Path = shared_path("flickr-api", "fixtures")
    with_lists = set()
    for path in folder.glob("*.json"):
        doc = json.loads(path.read_text())
        for container in ("photos", "photoset"):
            if isinstance(doc.get(container), dict) and "photo" in doc[container]:
                with_lists.add(path.name)
    assert with_lists == {name for name, _ in LISTS}
