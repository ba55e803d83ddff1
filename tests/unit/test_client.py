"""FlickrClient over an in-process transport: the wire format, errors, retries, uploads, listing.

Every handler checks the request's OAuth signature with the tests' own verifier, so what is sent
is what was signed. The real emulator is exercised in tests/integration.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx
import pytest
from tests.unit.flickr_wire import (
    ListingStub,
    all_params,
    auth_params,
    body_pairs,
    fail,
    json_response,
    multipart_fields,
    oauth_problem,
    ok,
    verify_signature,
    xml_response,
)

from flickrsync.accounts import open_clients
from flickrsync.client import FlickrClient
from flickrsync.config import load_settings
from flickrsync.errors import AuthError, OutcomeUnknownError, RemoteError, TransientError, UsageError
from flickrsync.listing import WalkReport
from flickrsync.models import (
    AccessToken,
    Account,
    Endpoints,
    Nsid,
    Perms,
    PhotoId,
    PhotosetId,
    Replaced,
    TicketId,
    UploadOptions,
)
from flickrsync.oauth import save_token
from flickrsync.retry import Backoff, RateBudget

KEY, SECRET = "0123456789abcdef0123456789abcdef", "fedcba9876543210"
TOKEN, TOKEN_SECRET = "72157700000000001-0123456789abcdef", "0011223344556677"
BASE = "http://flickr.test"
ENDPOINTS = Endpoints.from_base(BASE)
TAG = "flickrsync:imagehash=" + "ab" * 32
Handler = Callable[[httpx.Request], httpx.Response]


def signed(handler: Handler) -> Handler:
    def check(request: httpx.Request) -> httpx.Response:
        request.read()
        assert verify_signature(request, SECRET, TOKEN_SECRET), f"bad signature on {request.url}"
        return handler(request)

    return check


class Sleeper:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def make_client(
    handler: Handler, *, perms: Perms = "write", sleeper: Sleeper | None = None, **kwargs: object
) -> FlickrClient:
    http = httpx.Client(transport=httpx.MockTransport(signed(handler)))
    token = AccessToken(TOKEN, TOKEN_SECRET, perms, Account(Nsid("1@N01"), "me"))
    options: dict[str, object] = {
        "budget": RateBudget(100_000),
        "backoff": Backoff(attempts=5, base=0.01, cap=0.05, rate_limited=0.2),
        "sleep": sleeper or Sleeper(),
    }
    options.update(kwargs)
    return FlickrClient(
        http,
        api_key=KEY,
        api_secret=SECRET,
        token=token,
        endpoints=ENDPOINTS,
        profile="work",
        **options,  # type: ignore[arg-type]
    )


class Script:
    """Answers requests from a list, recording each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


# --- the wire format -------------------------------------------------------------------------


def test_reads_are_signed_gets_with_json_arguments() -> None:
    script = Script(ok({"user": {"id": "1@N01", "username": {"_content": "me"}}}))
    client = make_client(script)
    assert client.test_login() == Account(Nsid("1@N01"), "me")
    (request,) = script.requests
    assert request.method == "GET"
    assert urlsplit(str(request.url)).path == "/services/rest/"
    assert all_params(request) == {"method": "flickr.test.login", "format": "json", "nojsoncallback": "1"}
    oauth = auth_params(request)
    assert oauth["oauth_consumer_key"] == KEY
    assert oauth["oauth_token"] == TOKEN
    assert oauth["oauth_signature_method"] == "HMAC-SHA1"


def test_writes_are_urlencoded_posts() -> None:
    script = Script(ok())
    client = make_client(script)
    client.add_tags(PhotoId("5"), ["holiday", "new york", TAG])
    (request,) = script.requests
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert urlsplit(str(request.url)).query == ""
    assert all_params(request) == {
        "method": "flickr.photos.addTags",
        "photo_id": "5",
        "tags": f'holiday "new york" {TAG}',
        "format": "json",
        "nojsoncallback": "1",
    }


def test_check_token_sends_its_oauth_parameters_once_in_the_body() -> None:
    """Flickr reads checkToken's ``oauth_token`` argument from the request parameters, and a
    protocol parameter must not travel twice: all of them go in the POST body, none in a header
    or the URL (where logs would show the token)."""
    script = Script(
        ok(
            {
                "oauth": {
                    "token": {"_content": TOKEN},
                    "perms": {"_content": "write"},
                    "user": {"nsid": "1@N01", "username": "me", "fullname": ""},
                }
            }
        )
    )
    info = make_client(script).check_token()
    assert info.perms == "write"
    (request,) = script.requests
    assert request.method == "POST"
    assert TOKEN not in str(request.url)
    assert "Authorization" not in request.headers
    body = body_pairs(request)
    assert [name for name, _ in body].count("oauth_token") == 1
    assert dict(body)["oauth_token"] == TOKEN
    assert dict(body)["method"] == "flickr.auth.oauth.checkToken"


def test_jsonp_wrapper_is_tolerated() -> None:
    script = Script(
        httpx.Response(
            200, text='jsonFlickrApi({"user":{"id":"1@N01","username":{"_content":"x"}},"stat":"ok"})'
        )
    )
    assert make_client(script).test_login().username == "x"


# --- errors ----------------------------------------------------------------------------------


def test_read_token_refused_for_writes_before_sending() -> None:
    script = Script()
    client = make_client(script, perms="read")
    with pytest.raises(AuthError) as info:
        client.add_tags(PhotoId("1"), ["x"])
    assert "flickrsync auth -p work" in str(info.value)
    assert "write" in str(info.value)
    assert script.requests == []
    with pytest.raises(AuthError):
        client.upload(io.BytesIO(b"x"), "a.jpg")
    assert script.requests == []


def test_never_deletes() -> None:
    script = Script()
    client = make_client(script)
    for method in ("flickr.photos.delete", "flickr.photosets.delete"):
        with pytest.raises(UsageError, match="never deletes"):
            client.call(method, {"photo_id": "1"})
    assert script.requests == []


def test_an_album_is_deleted_only_through_delete_photoset() -> None:
    script = Script(ok())
    client = make_client(script)
    client.delete_photoset(PhotosetId("72157000000000001"))
    (request,) = script.requests
    assert request.method == "POST"
    assert all_params(request)["method"] == "flickr.photosets.delete"


@pytest.mark.parametrize(
    ("answer", "needle"),
    [
        (
            fail(99, "Insufficient permissions. Method requires write privileges; read granted."),
            "flickrsync auth -p work",
        ),
        (oauth_problem("token_rejected"), "flickrsync auth -p work"),
        (oauth_problem("signature_invalid"), "flickrsync auth -p work"),
        (oauth_problem("consumer_key_unknown"), "api_key"),
        (fail(100, "Invalid API Key (Key not found)"), "api_key"),
    ],
)
def test_auth_failures_are_auth_errors_with_a_hint(answer: httpx.Response, needle: str) -> None:
    script = Script(answer)
    with pytest.raises(AuthError) as info:
        make_client(script).test_login()
    assert needle in str(info.value)
    assert len(script.requests) == 1, "never retried"


def test_final_api_error_carries_code_message_and_method() -> None:
    script = Script(fail(1, 'Photo "7" not found (invalid ID)'))
    with pytest.raises(RemoteError) as info:
        make_client(script).get_info(PhotoId("7"))
    error = info.value
    assert not isinstance(error, TransientError)
    assert (error.code, error.method) == (1, "flickr.photos.getInfo")
    assert 'Photo "7" not found' in str(error)
    assert len(script.requests) == 1


def test_http_404_is_final() -> None:
    script = Script(httpx.Response(404, text="nope"))
    with pytest.raises(RemoteError) as info:
        make_client(script).test_login()
    assert info.value.http_status == 404
    assert len(script.requests) == 1


LOGIN = ok({"user": {"id": "1@N01", "username": {"_content": "me"}}})


@pytest.mark.parametrize(
    "failure",
    [
        fail(105, "Service currently unavailable"),
        fail(201, "Sorry, the Flickr API service is not currently available."),
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed"),
    ],
    ids=["105", "201", "502", "html", "connect", "timeout", "dropped"],
)
def test_transient_failures_are_retried(failure: httpx.Response | Exception) -> None:
    sleeper = Sleeper()
    script = Script(failure, failure, LOGIN)
    client = make_client(script, sleeper=sleeper)
    assert client.test_login().nsid == "1@N01"
    assert len(script.requests) == 3
    assert len(sleeper.slept) == 2
    assert client.stats().retries == 2
    assert client.stats().calls == 3


def test_transient_failure_that_persists_raises_typed_error() -> None:
    script = Script(*[fail(105, "Service currently unavailable")] * 5)
    with pytest.raises(TransientError) as info:
        make_client(script).test_login()
    assert info.value.code == 105
    assert info.value.method == "flickr.test.login"
    assert len(script.requests) == 5


def test_429_pauses_the_budget_and_retries() -> None:
    sleeper = Sleeper()
    script = Script(
        httpx.Response(429, text="<html><body><h1>429 Too Many Requests</h1></body></html>"), LOGIN
    )
    client = make_client(script, sleeper=sleeper)
    client.test_login()
    assert len(script.requests) == 2
    assert len(sleeper.slept) == 1
    assert sleeper.slept[0] >= 0.2, "waits at least the rate-limited floor"


def test_429_honours_retry_after() -> None:
    clock = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    budget = RateBudget(100, clock=lambda: clock[0], sleep=sleep)
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}), LOGIN)
    client = make_client(script, sleeper=Sleeper(), budget=budget)
    client.test_login()
    assert slept == [pytest.approx(7.0)], "the budget held the next call for Retry-After"


def test_photoset_create_is_not_repeated_after_a_lost_answer() -> None:
    script = Script(httpx.Response(500))
    with pytest.raises(OutcomeUnknownError):
        make_client(script).create_photoset("Birds", PhotoId("1"))
    assert len(script.requests) == 1


def test_photoset_create_is_resent_when_never_sent() -> None:
    script = Script(httpx.ConnectError("refused"), ok({"photoset": {"id": "72157", "url": "u"}}))
    assert make_client(script).create_photoset("Birds", PhotoId("1")) == "72157"
    assert len(script.requests) == 2


def test_create_photoset_once_finds_the_set_created_despite_a_lost_answer() -> None:
    listing = ok(
        {
            "photosets": {
                "page": 1,
                "pages": 1,
                "perpage": 500,
                "total": 1,
                "photoset": [
                    {
                        "id": "72157",
                        "primary": "1",
                        "title": {"_content": "Birds"},
                        "description": {"_content": "d"},
                        "photos": 1,
                    }
                ],
            }
        }
    )
    script = Script(httpx.ReadTimeout("lost"), listing)
    assert make_client(script).create_photoset_once("Birds", PhotoId("1"), "d") == PhotosetId("72157")
    assert [all_params(r)["method"] for r in script.requests] == [
        "flickr.photosets.create",
        "flickr.photosets.getList",
    ]


def test_photoset_and_pool_idempotence_codes() -> None:
    script = Script(
        fail(3, "Photo already in set"),
        ok(),
        fail(6, "Added to pending queue"),
        fail(3, "Photo already in pool"),
        ok(),
    )
    client = make_client(script)
    assert client.add_to_photoset(PhotosetId("7"), PhotoId("1")) is False
    assert client.add_to_photoset(PhotosetId("7"), PhotoId("1")) is True
    assert client.add_to_group("1@N01", PhotoId("1")) == "pending"
    assert client.add_to_group("1@N01", PhotoId("1")) == "already"
    assert client.add_to_group("1@N01", PhotoId("1")) == "added"


def test_edit_photoset_photos_refuses_to_empty_a_set() -> None:
    client = make_client(Script())
    with pytest.raises(UsageError):
        client.edit_photoset_photos(PhotosetId("7"), PhotoId("1"), [])
    with pytest.raises(UsageError):
        client.edit_photoset_photos(PhotosetId("7"), PhotoId("1"), [PhotoId("2")])


# --- uploads ---------------------------------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


def test_upload_multipart_signed_without_the_photo_and_its_tags_exactly_as_given() -> None:
    """The planner decides an upload's tags (extra tags included): the client adds none. Its
    ``options`` are exactly the other fields it sends, each as given."""
    script = Script(xml_response("<photoid>10100858276</photoid>"))
    client = make_client(script)
    photo_id = client.upload(
        io.BytesIO(JPEG),
        "IMG_0001.JPG",
        title="IMG_0001",
        description="at the beach",
        tags=["holiday", "new york"],
        options=UploadOptions(is_family=True, safety_level=2, content_type=3, hidden=1),
    )
    assert photo_id == "10100858276"
    (request,) = script.requests
    assert urlsplit(str(request.url)).path == "/services/upload/"
    fields, files = multipart_fields(request)
    assert files == {"photo": ("IMG_0001.JPG", JPEG)}
    assert fields == {
        "title": "IMG_0001",
        "description": "at the beach",
        "tags": 'holiday "new york"',
        "is_public": "0",
        "is_friend": "0",
        "is_family": "1",
        "safety_level": "2",
        "content_type": "3",
        "hidden": "1",
        "async": "0",
    }
    assert set(fields) - {"title", "description", "tags", "async"} == {
        f.name for f in dataclass_fields(UploadOptions)
    }


def test_upload_without_title_lets_flickr_use_the_file_name() -> None:
    script = Script(xml_response("<photoid>1</photoid>"))
    make_client(script).upload(io.BytesIO(JPEG), "beach.jpg")
    fields, _ = multipart_fields(script.requests[0])
    assert "title" not in fields


def test_upload_resent_whole_when_the_connection_failed_first() -> None:
    script = Script(httpx.ConnectError("refused"), xml_response("<photoid>2</photoid>"))
    stream = io.BytesIO(JPEG)
    assert make_client(script).upload(stream, "a.jpg") == "2"
    assert len(script.requests) == 2
    assert multipart_fields(script.requests[1])[1]["photo"][1] == JPEG


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(502),
        httpx.ReadTimeout("lost"),
        httpx.RemoteProtocolError("dropped"),
        httpx.Response(200, text="<html>"),
    ],
    ids=["502", "timeout", "dropped", "garbage"],
)
def test_upload_with_lost_answer_is_not_resent(failure: httpx.Response | Exception) -> None:
    script = Script(failure)
    with pytest.raises(OutcomeUnknownError):
        make_client(script).upload(io.BytesIO(JPEG), "a.jpg")
    assert len(script.requests) == 1


def test_upload_refused_is_final_and_says_why() -> None:
    script = Script(
        httpx.Response(200, text='<rsp stat="fail"><err code="5" msg="Filetype was not recognised" /></rsp>')
    )
    with pytest.raises(RemoteError) as info:
        make_client(script).upload(io.BytesIO(b"text"), "a.txt")
    assert info.value.code == 5
    assert "Filetype" in str(info.value)
    assert not isinstance(info.value, TransientError)


class UploadServer:
    """Stores uploads, answers search by machine tag; can lose answers after storing."""

    def __init__(self, *, lose_after_store: int = 0, lose_before_store: int = 0) -> None:
        self.lose_after_store = lose_after_store
        self.lose_before_store = lose_before_store
        self.stored: dict[str, str] = {}
        self.uploads = 0
        self.searches = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = urlsplit(str(request.url)).path
        if path == "/services/upload/":
            self.uploads += 1
            if self.lose_before_store:
                self.lose_before_store -= 1
                return httpx.Response(502)
            fields, _ = multipart_fields(request)
            photo_id = str(5000 + len(self.stored))
            self.stored[photo_id] = fields.get("tags", "")
            if self.lose_after_store:
                self.lose_after_store -= 1
                raise httpx.ReadTimeout("answer lost")
            return xml_response(f"<photoid>{photo_id}</photoid>")
        args = all_params(request)
        if args["method"] in ("flickr.photos.search", "flickr.people.getPhotos"):
            self.searches += 1
            wanted = args.get("machine_tags")
            hits = [
                {"id": pid, "tags": tags, "machine_tags": tags}
                for pid, tags in self.stored.items()
                if wanted is None or wanted in tags.split()
            ]
            return ok({"photos": {"page": 1, "pages": 1, "perpage": 500, "total": len(hits), "photo": hits}})
        raise AssertionError(args["method"])


def test_upload_once_finds_a_stored_upload_whose_answer_was_lost() -> None:
    server = UploadServer(lose_after_store=1)
    client = make_client(server)
    assert client.upload_once(io.BytesIO(JPEG), "a.jpg", machine_tag=TAG, tags=[TAG]) == "5000"
    assert server.uploads == 1, "not uploaded twice"
    assert server.searches == 1


def test_upload_once_uploads_again_when_not_stored() -> None:
    server = UploadServer(lose_before_store=1)
    client = make_client(server)
    assert client.upload_once(io.BytesIO(JPEG), "a.jpg", machine_tag=TAG, tags=["x", TAG]) == "5000"
    assert server.uploads == 2
    assert server.searches == 4, "search + recent uploads, twice (search may lag)"
    assert list(server.stored.values()) == [f"x {TAG}"]


def test_upload_once_needs_its_machine_tag_among_the_tags() -> None:
    """Else a lost answer could never be looked up: refused before anything is sent."""
    server = UploadServer()
    with pytest.raises(ValueError, match="not among the upload's tags"):
        make_client(server).upload_once(io.BytesIO(JPEG), "a.jpg", machine_tag=TAG, tags=["x"])
    assert server.uploads == 0


def test_async_upload_polls_the_ticket() -> None:
    ticket = "78701040-72157636215117185"
    pending = ok({"uploader": {"ticket": [{"id": ticket, "complete": 0}]}})
    done = ok({"uploader": {"ticket": [{"id": ticket, "complete": 1, "photoid": "77", "imported": None}]}})
    sleeper = Sleeper()
    script = Script(xml_response(f"<ticketid>{ticket}</ticketid>"), pending, pending, done)
    client = make_client(script, sleeper=sleeper)
    assert client.upload(io.BytesIO(JPEG), "a.jpg", asynchronous=True) == "77"
    fields, _ = multipart_fields(script.requests[0])
    assert fields["async"] == "1"
    assert all_params(script.requests[1])["tickets"] == ticket
    assert sleeper.slept == [1.0, 2.0]


def test_async_ticket_failed_or_never_done() -> None:
    failed = ok({"uploader": {"ticket": [{"id": "t", "complete": 2}]}})
    script = Script(xml_response("<ticketid>t</ticketid>"), failed)
    with pytest.raises(RemoteError, match="could not process"):
        make_client(script).upload(io.BytesIO(JPEG), "a.jpg", asynchronous=True)
    pending = ok({"uploader": {"ticket": [{"id": "t", "complete": 0}]}})
    script = Script(xml_response("<ticketid>t</ticketid>"), *[pending] * 10)
    with pytest.raises(OutcomeUnknownError, match="still pending"):
        make_client(script).upload(io.BytesIO(JPEG), "a.jpg", asynchronous=True, ticket_timeout=5)


def test_wait_for_many_tickets_in_one_call() -> None:
    answer = ok(
        {"uploader": {"ticket": [{"id": "a", "complete": 1, "photoid": "1"}, {"id": "b", "invalid": 1}]}}
    )
    script = Script(answer)
    result = make_client(script).wait_for_tickets([TicketId("a"), TicketId("b")])
    assert result[TicketId("a")].photo_id == "1"
    assert result[TicketId("b")].state == "invalid"
    assert all_params(script.requests[0])["tickets"] == "a,b"


def test_replace_posts_photo_id() -> None:
    script = Script(xml_response('<photoid secret="f4" originalsecret="95">10100895983</photoid>'))
    replaced = make_client(script).replace(PhotoId("10100895983"), io.BytesIO(JPEG), "a.jpg")
    assert replaced == Replaced(PhotoId("10100895983"), "f4", "95")  # the new secrets, from the answer
    fields, files = multipart_fields(script.requests[0])
    assert urlsplit(str(script.requests[0].url)).path == "/services/replace/"
    assert fields == {"photo_id": "10100895983", "async": "0"}
    assert "photo" in files


# --- listing ---------------------------------------------------------------------------------

YEAR = 365 * 86400
T0 = 1_300_000_000


def spread(n: int, start: int = T0, span: int = 10 * YEAR) -> list[int]:
    return [start + (span * i) // n for i in range(n)]


def walk(stub: ListingStub) -> tuple[list[str], WalkReport, FlickrClient]:
    client = make_client(stub, clock=lambda: float(T0 + 12 * YEAR))
    report = WalkReport()
    ids = [str(p.id) for p in client.walk_photos(report=report)]
    return ids, report, client


def test_small_account_takes_the_floor_of_calls() -> None:
    stub = ListingStub(spread(1234))
    ids, report, _ = walk(stub)
    assert sorted(ids) == sorted(p["id"] for p in stub.photos)
    assert len(stub.calls) == 3
    assert report.complete
    assert report.total == 1234
    assert all(c["per_page"] == "500" and c["extras"].split(",")[0] == "description" for c in stub.calls)


def test_exact_multiple_of_a_page_needs_no_extra_call() -> None:
    stub = ListingStub(spread(1000))
    ids, _, _ = walk(stub)
    assert len(ids) == 1000
    assert len(stub.calls) == 2


def test_blank_total_still_lists_everything() -> None:
    stub = ListingStub(spread(1000), blank_total=True)
    ids, report, _ = walk(stub)
    assert len(set(ids)) == len(ids) == 1000
    assert len(stub.calls) == 3, "one more look at a full last page: the repeat ends it"
    assert report.total is None


def test_past_the_cap_the_query_is_cut_into_upload_date_windows() -> None:
    stub = ListingStub(spread(12_000))
    ids, report, client = walk(stub)
    assert len(ids) == len(set(ids)) == 12_000
    assert report.complete
    floor = 12_000 // 500
    assert len(stub.calls) <= floor + report.windows <= floor + 4, f"{len(stub.calls)} calls"
    for call in stub.calls:
        assert int(call.get("page", "1")) * 500 <= 4000, "never asks past the cap"
    assert client.stats().calls == len(stub.calls) == report.calls


@pytest.mark.parametrize("order", ["asc", "shuffled"])
def test_any_answer_order_lists_everything(order: Literal["asc", "shuffled"]) -> None:
    stub = ListingStub(spread(12_000), order=order)
    ids, report, _ = walk(stub)
    assert len(ids) == len(set(ids)) == 12_000
    assert report.complete
    if order == "asc":
        assert len(stub.calls) <= 24 + report.windows
    else:  # time slices: each crowded window costs one call that is read again
        assert len(stub.calls) <= 24 + 2 * report.windows + 2


def test_bunched_uploads_split_recursively() -> None:
    uploads = spread(5000, T0, 600) + spread(3000, T0 + 5 * YEAR, 5 * YEAR) + [2013, 5]
    stub = ListingStub(uploads)
    ids, report, _ = walk(stub)
    assert len(ids) == len(set(ids)) == 8002, "incl. photos whose upload date is garbage (1970)"
    assert report.complete
    shuffled = ListingStub(uploads, order="shuffled")
    ids, report, _ = walk(shuffled)
    assert len(ids) == len(set(ids)) == 8002
    assert report.complete


def test_exactly_the_cap_in_one_query_is_not_split() -> None:
    stub = ListingStub(spread(4000))
    ids, report, _ = walk(stub)
    assert len(ids) == 4000
    assert len(stub.calls) == 8
    assert report.windows == 1


def test_more_than_the_cap_in_one_second_is_reported_incomplete(caplog: pytest.LogCaptureFixture) -> None:
    stub = ListingStub([T0] * 4100 + spread(10, T0 + 1000))
    ids, report, _ = walk(stub)
    assert len(ids) == len(set(ids)) == 4010
    assert not report.complete
    assert "in the second" in report.problems[0]
    assert "some may be missing" in caplog.text


def test_walk_handles_flickr_clamping_per_page() -> None:
    class Clamp100(ListingStub):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            url = str(request.url).replace("per_page=500", "per_page=100")
            return super().__call__(httpx.Request(request.method, url, headers=request.headers))

    stub = Clamp100(spread(4500))
    ids, report, _ = walk(stub)
    assert len(set(ids)) == 4500
    assert report.complete


def test_recently_updated_falls_back_to_full_walk_when_too_many() -> None:
    class Recent(ListingStub):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            args = all_params(request)
            if args["method"] == "flickr.photos.recentlyUpdated":
                self.calls.append(args)
                total = len(self.photos)
                page = min(int(args["page"]), 8)
                items = self.photos[(page - 1) * 500 : page * 500]
                return ok(
                    {
                        "photos": {
                            "page": page,
                            "pages": -(-total // 500),
                            "perpage": 500,
                            "total": total,
                            "photo": items,
                        }
                    }
                )
            return super().__call__(request)

    small = Recent(spread(700))
    client = make_client(small, clock=lambda: float(T0 + 12 * YEAR))
    assert len(list(client.recently_updated(T0))) == 700
    assert {c["method"] for c in small.calls} == {"flickr.photos.recentlyUpdated"}
    big = Recent(spread(4500))
    client = make_client(big, clock=lambda: float(T0 + 12 * YEAR))
    assert len(list(client.recently_updated(0))) == 4500
    assert "flickr.people.getPhotos" in {c["method"] for c in big.calls}


def test_photosets_walks_pages() -> None:
    def page(n: int, count: int, pages: int) -> httpx.Response:
        sets = [
            {"id": f"7215{n}{i:04d}", "primary": "1", "title": {"_content": f"s{i}"}, "photos": "1"}
            for i in range(count)
        ]
        return ok({"photosets": {"page": n, "pages": pages, "perpage": 500, "total": 700, "photoset": sets}})

    script = Script(page(1, 500, 2), page(2, 200, 2))
    sets = make_client(script).photosets()
    assert len(sets) == 700
    assert [all_params(r)["page"] for r in script.requests] == ["1", "2"]


# --- limits, threads, logs -------------------------------------------------------------------


def test_upload_limits_of_a_free_account_count_what_it_holds() -> None:
    status = ok(
        {
            "user": {
                "ispro": 0,
                "filesize": {"maxbytes": "209715200"},
                "videosize": {"maxbytes": "1073741824"},
                "videos": {"remaining": "lots"},
            }
        }
    )
    everything = ok(
        {"photos": {"page": 1, "pages": 980, "perpage": 1, "total": "980", "photo": [{"id": "1"}]}}
    )
    public = ok({"photos": {"page": 1, "pages": 950, "perpage": 1, "total": "950", "photo": [{"id": "1"}]}})
    script = Script(status, everything, public)
    limits = make_client(script).upload_limits()
    assert (limits.remaining_items, limits.remaining_private) == (20, 20)
    assert all_params(script.requests[2])["privacy_filter"] == "1"


def test_client_is_safe_to_share_between_threads() -> None:
    lock = threading.Lock()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            seen.append(auth_params(request)["oauth_nonce"])
        return LOGIN

    client = make_client(handler)
    threads = [threading.Thread(target=lambda: [client.test_login() for _ in range(25)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.stats().calls == 200
    assert client.budget.calls == 200
    assert len(set(seen)) == 200, "a fresh nonce per request"


def test_no_secret_in_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    server = UploadServer(lose_after_store=1)
    with caplog.at_level(logging.DEBUG):
        client = make_client(server)
        client.upload_once(io.BytesIO(JPEG), "a.jpg", machine_tag=TAG, tags=[TAG])
        with pytest.raises(AuthError):
            make_client(oauth_problem_with_sbs()).test_login()
    assert caplog.records, "something was logged"
    for secret in (TOKEN, TOKEN_SECRET, SECRET, "oauth_signature"):
        assert secret not in caplog.text


def oauth_problem_with_sbs() -> Handler:
    def handler(_request: httpx.Request) -> httpx.Response:
        body = f"oauth_problem=signature_invalid&debug_sbs=GET%26http%253A%26oauth_token%253D{TOKEN}"
        return httpx.Response(401, text=body)

    return handler


def test_json_response_helper_sanity() -> None:
    assert json_response({"a": 1}).json() == {"a": 1}


def test_profiles_sharing_a_key_share_one_budget(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.ini").write_text(
        f"[DEFAULT]\napi_key = k1\napi_secret = s\ndirectory = {tmp_path}\n"
        "[a]\ncalls_per_hour = 3000\n[b]\n[c]\napi_key = k2\n"
    )
    settings = [load_settings(home, name) for name in ("a", "b", "c")]
    account = Account(Nsid("1@N01"), "me")
    for s in settings:
        save_token(s.token_file, AccessToken("t", "s", "write", account))
    clients = open_clients(settings, httpx.Client(transport=httpx.MockTransport(signed(Script()))))
    assert clients["a"].budget is clients["b"].budget
    assert clients["a"].budget.limit == 3000
    assert clients["c"].budget is not clients["a"].budget
    assert clients["c"].budget.limit == 3600
    save_token(settings[1].token_file, AccessToken("t", "s", "read", account))
    with pytest.raises(AuthError, match=r"\[b\].*flickrsync auth -p b"):
        open_clients(settings, httpx.Client())


# --- issue 16 point 14: what a failure says ------------------------------------------------------


def test_an_answer_without_a_valid_stat_says_what_was_wrong() -> None:
    """`{"stat":null}` said "Flickr error None"; it is an unreadable answer (retried), and a
    refusal without a code says so."""
    script = Script(*[json_response({"stat": None})] * 5)
    with pytest.raises(TransientError) as info:
        make_client(script).test_login()
    assert str(info.value) == (
        'flickr.test.login: Flickr\'s answer is no API answer: its "stat" is null, not "ok" or "fail"'
    )
    assert len(script.requests) == 5
    with pytest.raises(TransientError, match='its "stat" is missing'):
        make_client(Script(*[json_response({"user": {}})] * 5)).test_login()
    with pytest.raises(RemoteError) as refused:
        make_client(Script(json_response({"stat": "fail"}))).test_login()
    assert (
        str(refused.value) == "flickr.test.login: Flickr refused the call without an error code: no message"
    )
    assert "None" not in str(refused.value)


def test_retries_are_announced_once_per_burst(caplog: pytest.LogCaptureFixture) -> None:
    """Offline, a 429 storm or answers that are not JSON: one warning line when a burst of
    retries starts (what, why, how long at most), not one per attempt; a new kind of trouble
    gets its own line. (When a burst ends: tests/unit/test_retry.py.)"""
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    html = httpx.Response(200, text="<html>captive portal</html>")
    script = Script(refused, refused, refused, LOGIN, html, refused, html, LOGIN, refused, LOGIN)
    client = make_client(script)
    with caplog.at_level(logging.INFO, logger="flickrsync"):
        for _ in range(3):
            client.test_login()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "[work] flickr.test.login: ConnectError: [Errno 111] Connection refused; retrying, up to 4 more "
        "times (waits of up to 0s in all)",
        "[work] flickr.test.login: Flickr's answer is not JSON (27 bytes); retrying, up to 4 more times "
        "(waits of up to 0s in all)",
    ]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO].count(
        "[work] Flickr answers again"
    ) == 3
