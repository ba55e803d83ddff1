"""Upload, replace, async tickets, account limits, and the photo files on the static host."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from fakeflickr.testing import FakeFlickrHandle
from tests.conftest import shared_path
from tests.fakeflickr.client import HTTP, Api, jpeg, mp4

pytestmark = pytest.mark.integration


def _sizes(api: Api, photo_id: str) -> dict[str, dict[str, Any]]:
    return {
        s["label"]: s for s in api.ok("flickr.photos.getSizes", "GET", photo_id=photo_id)["sizes"]["size"]
    }


def _error(response: httpx.Response) -> tuple[str | None, str | None]:
    err = ET.fromstring(response.content).find("err")
    assert err is not None, response.text
    return err.get("code"), err.get("msg")


def test_original_is_served_byte_for_byte_with_flickrs_headers(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    data = jpeg(1200, 900, date_taken="2020:02:02 20:20:20", orientation=6)
    photo_id = api.upload_ok(data, "rotated.jpg")
    sizes = _sizes(api, photo_id)
    original = sizes["Original"]
    assert (original["width"], original["height"]) == ("900", "1200")  # orientation applied to the sizes
    response = HTTP.get(original["source"])
    assert response.content == data
    md5 = hashlib.md5(data).digest()
    assert response.headers["etag"] == f'"{md5.hex()}"'
    assert response.headers["content-md5"] == base64.b64encode(md5).decode()
    assert response.headers["content-length"] == str(len(data))
    assert (response.headers["imagewidth"], response.headers["imageheight"]) == ("900", "1200")
    head = HTTP.head(original["source"])
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", response.headers["etag"])
    download = HTTP.get(original["source"].replace("_o.jpg", "_o_d.jpg"))
    assert (
        download.headers["content-disposition"]
        == f"attachment; filename={original['source'].rsplit('/', 1)[1]}"
    )
    # Every other size is a new JPEG, upright, of the listed size.
    for label in ("Thumbnail", "Medium", "Large", "Square"):
        size = sizes[label]
        resized = HTTP.get(size["source"])
        assert resized.status_code == 200
        assert resized.headers["content-type"] == "image/jpeg"
        assert "content-md5" not in resized.headers
        assert resized.content != data
        with Image.open(io.BytesIO(resized.content)) as im:
            assert im.size == (int(size["width"]), int(size["height"]))
            assert im.getexif().get(0x0112) in (None, 1)


def test_static_urls_that_do_not_exist_are_empty_404s(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo_id = api.upload_ok(jpeg(300, 200), "small.jpg")
    sizes = _sizes(api, photo_id)
    small = sizes["Small 320"]["source"]
    assert "Medium" not in sizes  # a 300 px photo has no 500 px size
    server, name = small.rsplit("/", 2)[-2:]
    secret = name.split("_")[1].split(".")[0]
    base = fakeflickr.base_url
    bad = [
        small.replace(secret, "0" * 10),  # wrong secret
        f"{base}/1/{name}",  # wrong server
        small.replace("_n.jpg", ".jpg"),  # Medium does not exist for 300 px
        small.replace("_n.jpg", "_b.jpg"),  # nor Large
        small.replace("_n.jpg", "_zz.jpg"),
        sizes["Original"]["source"].replace("_o.jpg", "_o.png"),  # wrong original format
        sizes["Original"]["source"].replace(
            sizes["Original"]["source"].split("_")[1], secret
        ),  # photo secret on _o
        f"{base}/{server}/1_{secret}.jpg",
        f"{base}/nothing/here",
    ]
    for url in bad:
        response = HTTP.get(url)
        assert (response.status_code, response.headers["content-type"], response.content) == (
            404,
            "text/html; charset=utf-8",
            b"",
        ), url


def test_setperms_changes_the_secret_so_old_urls_die(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo_id = api.upload_ok(jpeg(300, 200), "p.jpg", is_public=1)
    old = _sizes(api, photo_id)["Small 320"]["source"]
    assert HTTP.get(old).status_code == 200
    answer = api.ok("flickr.photos.setPerms", photo_id=photo_id, is_public=0, is_friend=1, is_family=0)
    assert answer["photoid"]["_content"] == photo_id
    assert HTTP.get(old).status_code == 404
    new = _sizes(api, photo_id)["Small 320"]["source"]
    assert answer["photoid"]["secret"] in new
    assert HTTP.get(new).status_code == 200


def test_async_upload_completes_after_the_delay(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.configure(ticket_delay=0.3)
    api = Api(fakeflickr, fakeflickr.mint_token())
    fields: dict[str, Any] = {"async": 1, "title": "later"}
    ticket = api.upload_ok(jpeg(), "a.jpg", **fields)
    bad_ticket = api.upload_ok(b"not a picture", "b.jpg", **fields)
    first = api.ok("flickr.photos.upload.checkTickets", "GET", tickets=f"{ticket},{bad_ticket},nope")
    assert first["uploader"]["ticket"] == [
        {"id": ticket, "complete": 0},
        {"id": bad_ticket, "complete": 0},
        {"id": "nope", "invalid": 1},
    ]
    assert api.ok("flickr.people.getPhotos", "GET", user_id="me")["photos"]["total"] == "0"
    deadline = time.monotonic() + 10
    while True:
        tickets = api.ok("flickr.photos.upload.checkTickets", "GET", tickets=f"{ticket},{bad_ticket}")[
            "uploader"
        ]["ticket"]
        if all(t["complete"] for t in tickets) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    done, failed = tickets
    assert (done["complete"], failed) == (1, {"id": bad_ticket, "complete": 2})
    assert done["imported"] is None
    listing = api.ok("flickr.people.getPhotos", "GET", user_id="me")["photos"]["photo"]
    assert [(p["id"], p["title"]) for p in listing] == [(done["photoid"], "later")]


def test_account_limits(fakeflickr: FakeFlickrHandle) -> None:
    free = fakeflickr.create_user("free", is_pro=False, item_limit=2, filesize_max=5000)
    api = Api(fakeflickr, fakeflickr.mint_token(user=free["nsid"]))
    status = api.ok("flickr.people.getUploadStatus", "GET")["user"]
    assert (status["ispro"], status["filesize"]["maxbytes"]) == (0, 5000)
    assert _error(api.upload(jpeg(600, 400) + bytes(6000), "big.jpg")) == ("8", "Filesize was too large")
    api.upload_ok(jpeg(seed=1), "1.jpg")
    api.upload_ok(jpeg(seed=2), "2.jpg")
    assert _error(api.upload(jpeg(seed=3), "3.jpg")) == (
        "6",
        "Upload limit reached. For more info, visit flickr.com/pro",
    )
    assert fakeflickr.create_user("defaults", is_pro=False)["item_limit"] == 1000


def test_dedup_check_reports_the_duplicate(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    data = jpeg(seed=5)
    first = api.upload_ok(data, "a.jpg")
    assert api.upload_ok(data, "again.jpg")  # no dedup_check: Flickr takes it again
    duplicate = api.upload(data, "b.jpg", dedup_check=1)
    root = ET.fromstring(duplicate.content)
    assert _error(duplicate) == ("9", "Duplicate photo/video detected")
    assert root.findtext("duplicate_photo_id") == first
    assert root.findtext("duplicate_photo_status") == "ACTIVE"
    assert len(fakeflickr.photos()) == 2


def test_dedup_check_means_the_same_bytes_not_the_same_picture(fakeflickr: FakeFlickrHandle) -> None:
    """Which "same" Flickr means is undocumented: fakeflickr takes the strict reading (the bytes),
    so the same image with one metadata byte more is stored as a new photo."""
    api = Api(fakeflickr, fakeflickr.mint_token())
    data = jpeg(seed=6)
    api.upload_ok(data, "a.jpg")
    # A COM segment right after SOI: the same image data, other bytes.
    edited = data[:2] + b"\xff\xfe\x00\x07edit!" + data[2:]
    assert api.upload_ok(edited, "a.jpg", dedup_check=1)
    # And another account's identical file is no duplicate of ours.
    other = fakeflickr.create_user("other")
    assert Api(fakeflickr, fakeflickr.mint_token(user=other["nsid"])).upload_ok(data, "a.jpg", dedup_check=1)


def test_dedup_check_reports_a_deleted_duplicate_as_deleted(fakeflickr: FakeFlickrHandle) -> None:
    token = fakeflickr.mint_token(perms="delete")
    api = Api(fakeflickr, token)
    data = jpeg(seed=7)
    first = api.upload_ok(data, "a.jpg")
    api.ok("flickr.photos.delete", photo_id=first)
    answer = api.upload(data, "a.jpg", dedup_check=1)
    root = ET.fromstring(answer.content)
    assert _error(answer) == ("9", "Duplicate photo/video detected")
    status = root.findtext("duplicate_photo_status")
    assert (root.findtext("duplicate_photo_id"), status) == (first, "DELETED")
    # Without the check the file is taken again, as a new photo.
    assert api.upload_ok(data, "a.jpg") != first


def test_an_upload_with_more_tags_than_a_photo_may_hold_is_refused(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    before = len(fakeflickr.photos())
    too_many = " ".join(f"t{i}" for i in range(76))
    assert _error(api.upload(jpeg(seed=8), "a.jpg", tags=too_many)) == ("2", "Maximum number of tags reached")
    assert len(fakeflickr.photos()) == before
    # 75 distinct tags (a tag repeated in another spelling counts once) are fine.
    photo_id = api.upload_ok(jpeg(seed=8), "a.jpg", tags=" ".join(f"t{i}" for i in range(75)) + " T0")
    assert len(api.ok("flickr.photos.getInfo", "GET", photo_id=photo_id)["photo"]["tags"]["tag"]) == 75
    # addTags refuses the 76th too (the whole request).
    refused = api.call("flickr.photos.addTags", photo_id=photo_id, tags="new1 t1")
    assert (refused["stat"], refused["code"]) == ("fail", 2)


def test_replace_keeps_the_photo_and_changes_its_secrets(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo_id = api.upload_ok(jpeg(seed=1), "a.jpg", title="kept", tags="kept")
    before = _sizes(api, photo_id)["Original"]["source"]
    new_bytes = jpeg(320, 200, seed=2)
    response = api.upload(new_bytes, "b.jpg", endpoint="replace", photo_id=photo_id)
    root = ET.fromstring(response.content)
    element = root.find("photoid")
    assert element is not None
    assert element.text == photo_id
    after = _sizes(api, photo_id)["Original"]["source"]
    assert element.get("originalsecret") in after
    assert HTTP.get(before).status_code == 404
    assert HTTP.get(after).content == new_bytes
    info = api.ok("flickr.photos.getInfo", "GET", photo_id=photo_id)["photo"]
    assert (info["title"]["_content"], [t["raw"] for t in info["tags"]["tag"]]) == ("kept", ["kept"])
    other = fakeflickr.create_user("other")
    intruder = Api(fakeflickr, fakeflickr.mint_token(user=other["nsid"]))
    assert _error(intruder.upload(jpeg(), "x.jpg", endpoint="replace", photo_id=photo_id)) == (
        "7",
        "Photo not found",
    )


def test_video_upload_and_download(fakeflickr: FakeFlickrHandle) -> None:
    fakeflickr.configure(clock=1_347_741_844.0)  # the 2012 recording's upload time (UTC 20:44:04)
    api = Api(fakeflickr, fakeflickr.mint_token())
    data = mp4(1280, 720, seconds=30, created=3_400_000_000)  # a capture date: 2011-09-26
    video = api.upload_ok(data, "clip.MOV")
    info = api.ok("flickr.photos.getInfo", "GET", photo_id=video)["photo"]
    assert (info["media"], info["originalformat"], info["title"]["_content"]) == ("video", "mp4", "clip")
    assert info["video"] == {
        "ready": 1,
        "failed": 0,
        "pending": 0,
        "duration": "30",
        "width": "1280",
        "height": "720",
    }
    # Flickr ignores a video's capture date: its date taken is the upload time in the owner's
    # zone, as the 2012 recording shows (photos.getInfo.video.json: posted 1347741844, taken
    # 2012-09-15 13:44:04 Pacific), and not flagged unknown. setDates sets the real one.
    assert (info["dates"]["taken"], info["dates"]["takenunknown"]) == ("2012-09-15 13:44:04", "0")
    api.ok("flickr.photos.setDates", "POST", photo_id=video, date_taken="2011-09-26 10:00:00")
    info = api.ok("flickr.photos.getInfo", "GET", photo_id=video)["photo"]
    assert info["dates"]["taken"] == "2011-09-26 10:00:00"
    sizes = _sizes(api, video)
    assert {"Video Player", "360p", "720p", "Video Original"} <= set(sizes)
    # The original through the API: refused unless Config.video_originals (UNCONFIRMED on Flickr).
    play = HTTP.get(sizes["Video Original"]["source"])
    assert play.status_code == 302
    assert HTTP.get(play.headers["location"]).status_code == 403
    original_url = sizes["Original"]["source"].replace("_o.jpg", "_o.mp4")
    assert HTTP.get(original_url).status_code == 403
    # The other versions are files Flickr made: not the bytes uploaded, one per label.
    versions = {}
    for label in ("360p", "720p"):
        hop = HTTP.get(sizes[label]["source"])
        assert hop.status_code == 302
        versions[label] = HTTP.get(hop.headers["location"])
        assert versions[label].headers["content-type"] == "video/mp4"
        assert versions[label].content != data
    assert versions["360p"].content != versions["720p"].content
    fakeflickr.configure(video_originals=True)
    assert HTTP.get(HTTP.get(sizes["Video Original"]["source"]).headers["location"]).content == data
    assert HTTP.get(original_url).content == data
    thumb = HTTP.get(sizes["Thumbnail"]["source"])
    assert thumb.headers["content-type"] == "image/jpeg"


def test_seeded_lazy_photos_get_deterministic_files(fakeflickr: FakeFlickrHandle) -> None:
    lazy, given = fakeflickr.seed_photos(
        [
            {"title": "lazy", "date_taken": "2001-02-03 04:05:06", "width": 300, "height": 200},
            {
                "title": "given",
                "image_base64": base64.b64encode(jpeg(50, 40, date_taken="2011:11:11 11:11:11")).decode(),
            },
        ]
    )
    api = Api(fakeflickr, fakeflickr.mint_token())
    state = {p["id"]: p for p in fakeflickr.photos()}
    assert (state[lazy]["lazy"], state[given]["lazy"]) == (True, False)
    assert (state[given]["width"], state[given]["datetaken"], state[given]["takenunknown"]) == (
        50,
        "2011-11-11 11:11:11",
        0,
    )
    data = HTTP.get(_sizes(api, lazy)["Original"]["source"]).content
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (300, 200)
        assert im.getexif().get_ifd(0x8769).get(36867) == "2001:02:03 04:05:06"
    assert HTTP.get(_sizes(api, lazy)["Original"]["source"]).content == data
    assert fakeflickr.photo(lazy)["file_md5"] == hashlib.md5(data).hexdigest()


def test_description_and_tags_are_stored_as_flickr_stores_them(fakeflickr: FakeFlickrHandle) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo_id = api.upload_ok(
        jpeg(),
        "x.jpg",
        title="",
        description='Tom & "Jerry"',
        tags='Ferté-Milon "black & white" geh:accession=1978:1628:0030',
    )
    info = api.ok("flickr.photos.getInfo", "GET", photo_id=photo_id)["photo"]
    assert info["title"] == {"_content": ""}  # an explicit empty title stays empty
    assert info["description"] == {"_content": "Tom &amp; &quot;Jerry&quot;"}
    tags = [(t["raw"], t["_content"], t["machine_tag"]) for t in info["tags"]["tag"]]
    assert tags == [
        ("Ferté-Milon", "fertémilon", 0),
        ("black & white", "blackwhite", 0),
        ("geh:accession=1978:1628:0030", "geh:accession=197816280030", 1),
    ]
    owner_number = info["tags"]["tag"][0]["id"].split("-")[0]
    assert all(t["id"].startswith(f"{owner_number}-{photo_id}-") for t in info["tags"]["tag"])


# --- real camera and phone files (../shared/photos/real) -------------------------------------------------


def _manifest() -> dict[str, dict[str, str]]:
    path = shared_path("photos", "real", "MANIFEST.tsv")
    with path.open(newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "taken", "unknown", "dims"),
    [
        ("canon_eos_rebel_t3i.jpg", "2014-03-05 05:28:09", "0", ("1152", "768")),
        ("samsung_galaxy_s_o6.jpg", "2011-04-02 18:30:10", "0", ("480", "640")),
        ("iphone13promax_o6.heic", "2022-02-16 12:55:41", "0", ("3024", "4032")),
        ("nikon_e885_zerodate.jpg", None, "1", ("600", "450")),
        ("fujifilm_dx5_blankdate.jpg", None, "1", ("350", "263")),
        ("nokia_3110c_nodate.jpg", None, "1", ("1024", "1280")),
        ("kodak_proback_dto_in_ifd0.jpg", "2004-03-13 12:33:04", "0", ("1228", "877")),
        ("sony_xperia_truncated.jpg", "2016-05-30 14:20:55", "0", ("3840", "2160")),
        ("samsung_s24ultra_200mp.heic", "2025-01-19 14:53:27", "0", ("12240", "16320")),
        ("nintendo_3ds_stereo.mpo", "2014-03-02 13:30:00", "0", ("640", "480")),
        ("heic_content_named_jpg.jpg", None, "1", ("1440", "1440")),
    ],
)
def test_real_files(
    fakeflickr: FakeFlickrHandle, name: str, taken: str | None, unknown: str, dims: tuple[str, str]
) -> None:
    assert name in _manifest()
    path: Path = shared_path("photos", "real", name)
    api = Api(fakeflickr, fakeflickr.mint_token())
    fakeflickr.configure(clock=1700000000)
    photo_id = api.upload_ok(path.read_bytes(), name)
    info = api.ok("flickr.photos.getInfo", "GET", photo_id=photo_id)["photo"]
    assert info["dates"]["taken"] == (taken or "2023-11-14 14:13:20")
    assert info["dates"]["takenunknown"] == unknown
    original = _sizes(api, photo_id)["Original"]
    assert (original["width"], original["height"]) == dims
    assert HTTP.get(original["source"]).content == path.read_bytes()
    thumb = HTTP.get(_sizes(api, photo_id)["Thumbnail"]["source"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"


@pytest.mark.shared
@pytest.mark.parametrize("name", ["canon_eos1dx3_truncated.hif", "htc_desire.webp", "canon_eos70d.avif"])
def test_real_files_flickr_does_not_take(fakeflickr: FakeFlickrHandle, name: str) -> None:
    path = shared_path("photos", "real", name)
    api = Api(fakeflickr, fakeflickr.mint_token())
    assert _error(api.upload(path.read_bytes(), name)) == ("5", "Filetype was not recognised")


def test_generated_seed_pictures_are_deterministic(tmp_path_factory: pytest.TempPathFactory) -> None:
    from fakeflickr.server import FakeFlickr

    digests = []
    for _ in range(2):
        with FakeFlickr(tmp_path_factory.mktemp("det")) as server:
            ff = FakeFlickrHandle(server.base_url, *server.consumer)
            ff.seed_photos([{"title": "a", "generate": True}, {"title": "a", "generate": True}])
            digests.append([p["file_md5"] for p in ff.photos()])
    assert digests[0] == digests[1]
    assert digests[0][0] != digests[0][1]


@pytest.mark.parametrize(("width", "height"), [(200, 150), (120, 400), (800, 600), (1100, 700)])
def test_sizes_and_url_extras_agree_and_never_exceed_the_original(
    fakeflickr: FakeFlickrHandle, width: int, height: int
) -> None:
    api = Api(fakeflickr, fakeflickr.mint_token())
    photo_id = api.upload_ok(jpeg(width, height), "p.jpg")
    listed = {
        s["url"].rstrip("/").rsplit("/", 1)[1]: s
        for s in api.ok("flickr.photos.getSizes", "GET", photo_id=photo_id)["sizes"]["size"]
    }
    codes = ("sq", "q", "t", "s", "n", "m", "z", "c", "l", "h", "k", "o")
    extras = ",".join(f"url_{code}" for code in codes)
    [item] = api.ok("flickr.people.getPhotos", "GET", user_id="me", extras=extras)["photos"]["photo"]
    offered = {code for code in codes if f"url_{code}" in item}
    assert offered == {code for code in listed if code in codes}
    for code in offered:
        size = listed[code]
        assert item[f"url_{code}"] == size["source"]
        dims = (int(item[f"width_{code}"]), int(item[f"height_{code}"]))
        assert dims == (int(size["width"]), int(size["height"]))
        assert (min(dims[0], width), min(dims[1], height)) == dims  # never upscaled
        with Image.open(io.BytesIO(HTTP.get(size["source"]).content)) as im:
            assert im.size == dims
    assert ("m" in listed) == (max(width, height) >= 400)  # no Medium for small photos
