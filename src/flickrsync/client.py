"""FlickrClient: Flickr's API methods, each as Flickr means it, over :class:`~flickrsync.wire.Wire`.

Answers become the records of :mod:`flickrsync.models` through the pure :mod:`flickrsync.parse`.
Listings are walked by :class:`~flickrsync.listing.Walker` (past Flickr's 4,000-result cap),
reading pages through the client. Uploads go out with exactly the tags the planner decided and
the profile's :class:`~flickrsync.models.UploadOptions`; :meth:`FlickrClient.upload_once` makes
an upload land once even when Flickr's answer is lost, by looking for the picture's machine tag.
Photos are never deleted: the wire refuses the methods that would.

Clients are opened from a profile's settings by :mod:`flickrsync.accounts`; this module sees
no settings.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, BinaryIO

import httpx

from flickrsync.errors import AuthError, OutcomeUnknownError, RemoteError, UsageError
from flickrsync.listing import LISTING_CAP, PER_PAGE, SYNC_EXTRAS, Walker, WalkReport
from flickrsync.models import (
    FREE_ITEMS,
    FREE_NONPUBLIC,
    AccessToken,
    Account,
    Endpoints,
    PhotoContext,
    PhotoId,
    PhotoPage,
    Photoset,
    PhotosetId,
    PhotoSize,
    PoolAddResult,
    RemotePhoto,
    Replaced,
    Ticket,
    TicketId,
    TokenInfo,
    UploadLimits,
    UploadOptions,
)
from flickrsync.oauth import auth_hint
from flickrsync.parse import (
    parse_check_token,
    parse_contexts,
    parse_created_photoset,
    parse_info,
    parse_login,
    parse_photo_page,
    parse_photosets,
    parse_sizes,
    parse_tag_ids,
    parse_tickets,
    parse_upload_status,
)
from flickrsync.retry import Backoff, RateBudget
from flickrsync.tags import format_tags
from flickrsync.transfers import Downloaded, download_to
from flickrsync.wire import Wire

log = logging.getLogger("flickrsync.client")

FLICKR = Endpoints()
#: flickr.photos.addTags/setTags: "Maximum number of tags reached" (75 per photo).
TAGS_FULL = 2
DEFAULT_BACKOFF = Backoff()
DEFAULT_UPLOAD = UploadOptions()

# --- the client ------------------------------------------------------------------------------


class FlickrClient(Wire):
    """Flickr's API methods for one profile (one API key + one token), over :class:`Wire`."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        api_key: str,
        api_secret: str,
        token: AccessToken | None = None,
        endpoints: Endpoints = FLICKR,
        profile: str = "DEFAULT",
        budget: RateBudget | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        listing_cap: int = LISTING_CAP,
        upload_timeout: float = 600.0,
        ticket_poll: float = 1.0,
        slide_windows: bool = True,
    ) -> None:
        super().__init__(
            http,
            api_key=api_key,
            api_secret=api_secret,
            token=token,
            endpoints=endpoints,
            profile=profile,
            budget=budget or RateBudget(3600),
            backoff=backoff,
            sleep=sleep,
            clock=clock,
            rng=rng or random.Random(),
            upload_timeout=upload_timeout,
        )
        self.listing_cap = listing_cap
        self._ticket_poll = ticket_poll
        #: Use the upload-date order of answers to narrow listing windows (False: time slices only).
        self.slide_windows = slide_windows

    # --- account -----------------------------------------------------------------------------

    def test_login(self) -> Account:
        """flickr.test.login: whose token this is."""
        account: Account = self._parsed("flickr.test.login", parse_login, self.call("flickr.test.login"))
        return account

    def check_token(self) -> TokenInfo:
        """flickr.auth.oauth.checkToken: the token's perms and owner.

        Flickr reads the method's ``oauth_token`` argument from the request parameters, not from
        the ``Authorization`` header (a header-only token is "98 Invalid token", REFERENCE §10),
        and a protocol parameter must not be sent twice: so this call carries its OAuth
        parameters in the POST body, where ``oauth_token`` is both. POSTed, the token stays out
        of URLs (and so out of every log that prints them)."""
        if self.token is None:
            raise AuthError(f"profile [{self.profile}] is not authorised", hint=auth_hint(self.profile))
        rsp = self.call("flickr.auth.oauth.checkToken", oauth_in_body=True)
        info: TokenInfo = self._parsed("flickr.auth.oauth.checkToken", parse_check_token, rsp)
        return info

    def upload_limits(self, *, held: int | None = None, held_nonpublic: int | None = None) -> UploadLimits:
        """flickr.people.getUploadStatus, plus the item limits of free accounts.

        For a free account the items already held are counted (two cheap calls) unless the
        caller knows them (``held``, ``held_nonpublic``, e.g. from a listing).
        """
        limits: UploadLimits = self._parsed(
            "flickr.people.getUploadStatus", parse_upload_status, self.call("flickr.people.getUploadStatus")
        )
        if limits.is_pro:
            return limits
        if held is None or held_nonpublic is None:
            everything = self._count_photos({})
            public = self._count_photos({"privacy_filter": "1"})
            held = everything if held is None else held
            held_nonpublic = max(0, everything - public) if held_nonpublic is None else held_nonpublic
        return UploadLimits(
            is_pro=False,
            max_photo_bytes=limits.max_photo_bytes,
            max_video_bytes=limits.max_video_bytes,
            remaining_items=max(0, FREE_ITEMS - held),
            remaining_videos=limits.remaining_videos,
            remaining_private=max(0, FREE_NONPUBLIC - held_nonpublic),
        )

    def _count_photos(self, params: Mapping[str, str]) -> int:
        return self.photo_count(params) or 0

    def photo_count(self, params: Mapping[str, str] | None = None) -> int | None:
        """How many photos and videos the account holds, as Flickr counts them: one
        flickr.people.getPhotos call with ``per_page=1`` (its ``total``). None when Flickr sent
        no usable total (it has, transiently): the caller must then not conclude anything."""
        rsp = self.call(
            "flickr.people.getPhotos", {"user_id": "me", "per_page": 1, "page": 1, **(params or {})}
        )
        page: PhotoPage = self._parsed("flickr.people.getPhotos", parse_photo_page, rsp)
        return page.total

    # --- listing -----------------------------------------------------------------------------

    def _photo_page(
        self, method: str, params: Mapping[str, str | int], container: str = "photos"
    ) -> PhotoPage:
        rsp = self.call(method, params)
        page: PhotoPage = self._parsed(method, lambda r: parse_photo_page(r, container), rsp)
        return page

    def _listing(self) -> Walker:
        return Walker(
            self._photo_page, cap=self.listing_cap, slide_windows=self.slide_windows, clock=self._clock
        )

    def walk_photos(
        self, extras: Sequence[str] = SYNC_EXTRAS, *, report: WalkReport | None = None
    ) -> Iterator[RemotePhoto]:
        """Every photo and video of the account, each once, with ``extras`` (:meth:`Walker.photos`
        walks past Flickr's 4,000-result cap; ``report`` says whether the listing is complete)."""
        return self._listing().photos(extras, report=report)

    def list_photos(self, extras: Sequence[str] = SYNC_EXTRAS) -> tuple[list[RemotePhoto], WalkReport]:
        """:meth:`walk_photos` into a list, with its report."""
        report = WalkReport()
        photos = list(self.walk_photos(extras, report=report))
        return photos, report

    def recently_updated(self, since: int, extras: Sequence[str] = SYNC_EXTRAS) -> Iterator[RemotePhoto]:
        """Photos created or changed since ``since`` (:meth:`Walker.recently_updated`)."""
        return self._listing().recently_updated(since, extras)

    def find_by_machine_tag(self, tag: str, *, uploaded_since: int | None = None) -> list[RemotePhoto]:
        """The account's photos carrying machine tag ``tag``, also those uploaded since
        ``uploaded_since`` that search does not show yet (:meth:`Walker.by_machine_tag`)."""
        return self._listing().by_machine_tag(tag, uploaded_since=uploaded_since)

    # --- photo details -----------------------------------------------------------------------

    def get_info(self, photo_id: PhotoId) -> RemotePhoto:
        photo: RemotePhoto = self._parsed(
            "flickr.photos.getInfo", parse_info, self.call("flickr.photos.getInfo", {"photo_id": photo_id})
        )
        return photo

    def get_sizes(self, photo_id: PhotoId) -> tuple[PhotoSize, ...]:
        sizes: tuple[PhotoSize, ...] = self._parsed(
            "flickr.photos.getSizes", parse_sizes, self.call("flickr.photos.getSizes", {"photo_id": photo_id})
        )
        return sizes

    def get_contexts(self, photo_id: PhotoId) -> PhotoContext:
        contexts: PhotoContext = self._parsed(
            "flickr.photos.getAllContexts",
            parse_contexts,
            self.call("flickr.photos.getAllContexts", {"photo_id": photo_id}),
        )
        return contexts

    def add_tags(self, photo_id: PhotoId, tags: Iterable[str]) -> bool:
        """flickr.photos.addTags (adding a tag the photo has is not an error: safe to repeat).
        False when Flickr refused because the photo has as many tags as it may hold (code 2,
        "Maximum number of tags reached": the whole request is refused, REFERENCE §4.7)."""
        text = format_tags(tags)
        if text:
            try:
                self.call("flickr.photos.addTags", {"photo_id": photo_id, "tags": text})
            except RemoteError as exc:
                if exc.code == TAGS_FULL:
                    return False
                raise
        return True

    def tag_ids(self, photo_id: PhotoId) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The photo's owner (NSID) and ``(tag id, raw tag)`` of each of its tags
        (flickr.photos.getInfo): removing a tag needs its id, which no photo list gives
        (REFERENCE §5.6)."""
        found: tuple[str, tuple[tuple[str, str], ...]] = self._parsed(
            "flickr.photos.getInfo", parse_tag_ids, self.call("flickr.photos.getInfo", {"photo_id": photo_id})
        )
        return found

    def remove_tag(self, tag_id: str) -> None:
        """flickr.photos.removeTag: one tag (by its id) off a photo; the photo stays."""
        self.call("flickr.photos.removeTag", {"tag_id": tag_id})

    def set_date_taken(self, photo_id: PhotoId, date_taken: str) -> None:
        """flickr.photos.setDates: the date taken (``YYYY-MM-DD HH:MM:SS``, exact to the second).
        Flickr ignores a video's own capture date, so an uploaded video gets it this way."""
        self.call(
            "flickr.photos.setDates",
            {"photo_id": photo_id, "date_taken": date_taken, "date_taken_granularity": "0"},
        )

    # --- photosets ---------------------------------------------------------------------------

    def photosets(self) -> list[Photoset]:
        """Every photoset of the account, in the user's order (flickr.photosets.getList)."""
        result: list[Photoset] = []
        known: set[PhotosetId] = set()
        page_no = 1
        while True:
            rsp = self.call("flickr.photosets.getList", {"per_page": PER_PAGE, "page": page_no})
            page = self._parsed("flickr.photosets.getList", parse_photosets, rsp)
            fresh = [s for s in page.photosets if s.id not in known]
            known.update(s.id for s in fresh)
            result.extend(fresh)
            if (
                not fresh
                or len(page.photosets) < PER_PAGE
                or (page.pages is not None and page_no >= page.pages)
            ):
                return result
            page_no += 1

    def photoset_photos(
        self, photoset_id: PhotosetId, extras: Sequence[str] = SYNC_EXTRAS
    ) -> Iterator[RemotePhoto]:
        """The photos of a set, in the set's order (flickr.photosets.getPhotos)."""
        return self._listing().photoset_photos(photoset_id, extras)

    def create_photoset(self, title: str, primary: PhotoId, description: str = "") -> PhotosetId:
        """flickr.photosets.create. Not repeated blindly: see :meth:`create_photoset_once`."""
        rsp = self.call(
            "flickr.photosets.create",
            {"title": title, "description": description, "primary_photo_id": primary},
        )
        set_id: PhotosetId = self._parsed("flickr.photosets.create", parse_created_photoset, rsp)
        return set_id

    def create_photoset_once(self, title: str, primary: PhotoId, description: str = "") -> PhotosetId:
        """Create a set so that it exists once, even if Flickr's answer gets lost: after a lost
        answer, a set with this title and description whose primary is ``primary`` is ours."""
        attempt = 1
        while True:
            try:
                return self.create_photoset(title, primary, description)
            except OutcomeUnknownError as exc:
                for existing in self.photosets():
                    if (
                        existing.title == title
                        and existing.description == description
                        and existing.primary == primary
                    ):
                        log.info("photoset %r was created after all (%s)", title, existing.id)
                        return existing.id
                if attempt >= self.backoff.attempts:
                    raise
                wait = self.backoff.delay(attempt, self._rng)
                log.info("photoset %r was not created (%s); again in %.1fs", title, exc, wait)
                self._sleep(wait)
                attempt += 1

    def add_to_photoset(self, photoset_id: PhotosetId, photo_id: PhotoId) -> bool:
        """flickr.photosets.addPhoto. False when the photo was already in the set (code 3)."""
        try:
            self.call("flickr.photosets.addPhoto", {"photoset_id": photoset_id, "photo_id": photo_id})
        except RemoteError as exc:
            if exc.code == 3:
                return False
            raise
        return True

    def remove_from_photoset(self, photoset_id: PhotosetId, photo_id: PhotoId) -> bool:
        """flickr.photosets.removePhoto (the photo stays on Flickr). False when it was not in the
        set (code 3). The caller must never remove a set's last photo: Flickr would delete the set."""
        try:
            self.call("flickr.photosets.removePhoto", {"photoset_id": photoset_id, "photo_id": photo_id})
        except RemoteError as exc:
            if exc.code == 3:
                return False
            raise
        return True

    def delete_photoset(self, photoset_id: PhotosetId) -> None:
        """flickr.photosets.delete: the album only; its photos stay on Flickr. Used only for
        empty tool-made sets, with ``--prune``."""
        try:
            self.call("flickr.photosets.delete", {"photoset_id": photoset_id}, prune=True)
        except RemoteError as exc:
            if exc.code != 1:  # 1: set not found — already gone
                raise

    def edit_photoset_meta(self, photoset_id: PhotosetId, title: str, description: str = "") -> None:
        self.call(
            "flickr.photosets.editMeta",
            {"photoset_id": photoset_id, "title": title, "description": description},
        )

    def edit_photoset_photos(
        self, photoset_id: PhotosetId, primary: PhotoId, photo_ids: Sequence[PhotoId]
    ) -> None:
        """flickr.photosets.editPhotos: the set's complete new membership and order.

        Refuses an empty list, and a list without the primary (Flickr deletes a set that loses
        its last photo, and needs the primary in the list).
        """
        if not photo_ids or primary not in photo_ids:
            raise UsageError(
                f"photoset {photoset_id}: refusing to leave it empty or without its primary photo"
            )
        self.call(
            "flickr.photosets.editPhotos",
            {"photoset_id": photoset_id, "primary_photo_id": primary, "photo_ids": ",".join(photo_ids)},
        )

    def set_photoset_primary(self, photoset_id: PhotosetId, photo_id: PhotoId) -> None:
        self.call("flickr.photosets.setPrimaryPhoto", {"photoset_id": photoset_id, "photo_id": photo_id})

    def add_to_group(self, group_id: str, photo_id: PhotoId) -> PoolAddResult:
        """flickr.groups.pools.add: ``added``, ``already`` (code 3) or ``pending`` (moderated, 6/7)."""
        try:
            self.call("flickr.groups.pools.add", {"group_id": group_id, "photo_id": photo_id})
        except RemoteError as exc:
            if exc.code == 3:
                return "already"
            if exc.code in (6, 7):
                return "pending"
            raise
        return "added"

    # --- uploads -----------------------------------------------------------------------------

    def _upload_fields(
        self,
        *,
        title: str | None,
        description: str | None,
        tags: Sequence[str],
        options: UploadOptions,
        asynchronous: bool,
        dedup_check: bool = False,
    ) -> dict[str, str]:
        """The upload's form fields, each once: ``tags`` exactly as given (the planner decided
        them, configured extra tags included), every field of ``options``, and ``dedup_check=1``
        when asked (Flickr then refuses a file the account holds already: code 9, raised as
        :class:`~flickrsync.errors.DuplicateUploadError` naming that photo)."""
        fields: dict[str, str] = {}
        if title is not None:
            fields["title"] = title
        if description:
            fields["description"] = description
        tag_text = format_tags(tags)
        if tag_text:
            fields["tags"] = tag_text
        fields.update(
            is_public=str(int(options.is_public)),
            is_friend=str(int(options.is_friend)),
            is_family=str(int(options.is_family)),
            safety_level=str(options.safety_level),
            content_type=str(options.content_type),
            hidden=str(options.hidden),
        )
        fields["async"] = "1" if asynchronous else "0"
        if dedup_check:
            fields["dedup_check"] = "1"
        return fields

    def start_upload(
        self,
        photo: IO[bytes],
        filename: str,
        *,
        title: str | None = None,
        description: str | None = None,
        tags: Sequence[str] = (),
        options: UploadOptions = DEFAULT_UPLOAD,
        dedup_check: bool = False,
    ) -> Ticket:
        """Asynchronous upload (``async=1``): a pending ticket to poll with :meth:`wait_for_tickets`
        (or, should Flickr answer with the photo id at once, a complete one)."""
        fields = self._upload_fields(
            title=title,
            description=description,
            tags=tags,
            options=options,
            asynchronous=True,
            dedup_check=dedup_check,
        )
        answer = self._post_file(self.endpoints.upload, "upload", photo, filename, fields)
        if answer.ticket_id is not None:
            return Ticket(answer.ticket_id, "pending")
        if answer.photo_id is not None:
            return Ticket(TicketId(""), "complete", answer.photo_id)
        raise OutcomeUnknownError("upload: Flickr answered without a ticket", method="upload")

    def upload(
        self,
        photo: IO[bytes],
        filename: str,
        *,
        title: str | None = None,
        description: str | None = None,
        tags: Sequence[str] = (),
        options: UploadOptions = DEFAULT_UPLOAD,
        asynchronous: bool = False,
        ticket_timeout: float = 600.0,
        dedup_check: bool = False,
    ) -> PhotoId:
        """Upload one file (an open binary stream and its file name) and return the photo id.

        ``title`` None lets Flickr use the file name's stem. With ``asynchronous`` the upload
        returns a ticket that is polled until Flickr has stored the photo. Resent only when it
        cannot have reached Flickr; otherwise :class:`OutcomeUnknownError` (see :meth:`upload_once`).
        """
        if asynchronous:
            ticket = self.start_upload(
                photo,
                filename,
                title=title,
                description=description,
                tags=tags,
                options=options,
                dedup_check=dedup_check,
            )
            if ticket.photo_id is not None:
                return ticket.photo_id
            return self._ticket_photo(ticket.id, ticket_timeout)
        fields = self._upload_fields(
            title=title,
            description=description,
            tags=tags,
            options=options,
            asynchronous=False,
            dedup_check=dedup_check,
        )
        answer = self._post_file(self.endpoints.upload, "upload", photo, filename, fields)
        if answer.photo_id is None:
            if answer.ticket_id is not None:
                return self._ticket_photo(answer.ticket_id, ticket_timeout)
            raise OutcomeUnknownError("upload: Flickr answered without a photo id", method="upload")
        return answer.photo_id

    def upload_once(
        self,
        photo: IO[bytes],
        filename: str,
        *,
        machine_tag: str,
        title: str | None = None,
        description: str | None = None,
        tags: Sequence[str] = (),
        options: UploadOptions = DEFAULT_UPLOAD,
        asynchronous: bool = False,
        ticket_timeout: float = 600.0,
        dedup_check: bool = False,
    ) -> PhotoId:
        """Upload so that the photo lands on Flickr exactly once, even when answers get lost.

        ``machine_tag`` (the picture's content tag) must be one of ``tags``, which are sent as
        they are. When the outcome of an attempt is unknown, the account is searched for that tag
        (twice, a backoff apart, as search may lag): found means stored — its id is returned;
        else the upload is sent again. With ``dedup_check`` a file Flickr holds already raises
        :class:`~flickrsync.errors.DuplicateUploadError` (also on a resend whose first attempt
        was stored after all).
        """
        if machine_tag not in tags:
            raise ValueError(f"upload_once: {machine_tag} is not among the upload's tags")
        attempt = 1
        while True:
            started = int(self._clock())
            try:
                return self.upload(
                    photo,
                    filename,
                    title=title,
                    description=description,
                    tags=tags,
                    options=options,
                    asynchronous=asynchronous,
                    ticket_timeout=ticket_timeout,
                    dedup_check=dedup_check,
                )
            except OutcomeUnknownError as exc:
                log.info("upload of %s: answer lost (%s); looking for %s", filename, exc, machine_tag)
                look_up = functools.partial(self.find_by_machine_tag, machine_tag, uploaded_since=started)
                for look in range(2):
                    found = self.with_retries(look_up, "find_by_machine_tag")
                    if found:
                        ids = sorted((p.id for p in found), key=lambda i: (len(i), i))
                        if len(ids) > 1:
                            log.warning("%s is on Flickr %d times: %s", machine_tag, len(ids), ", ".join(ids))
                        log.info("upload of %s was stored after all: photo %s", filename, ids[0])
                        return PhotoId(ids[0])
                    if look == 0:
                        self._sleep(self.backoff.delay(attempt, self._rng))
                if attempt >= self.backoff.attempts:
                    raise
                attempt += 1
                log.info("upload of %s was not stored; sending it again (try %d)", filename, attempt)

    def replace(
        self, photo_id: PhotoId, photo: IO[bytes], filename: str, *, asynchronous: bool = False
    ) -> Replaced:
        """Replace the image of ``photo_id`` (https://www.flickr.com/services/api/replace.api.html).

        Same id afterwards; metadata, sets and tags stay; the secrets change (the answer carries
        the new ones, REFERENCE §5.5). Not resent after a lost answer
        (:class:`OutcomeUnknownError`): replacing twice with the same file is harmless, so the
        caller may simply call again. A non-Pro account is refused with code 1 (RemoteError).
        """
        fields = {"photo_id": photo_id, "async": "1" if asynchronous else "0"}
        answer = self._post_file(self.endpoints.replace, "replace", photo, filename, fields)
        if answer.ticket_id is not None and answer.photo_id is None:
            return Replaced(self._ticket_photo(answer.ticket_id, 600.0))
        return Replaced(answer.photo_id or photo_id, answer.secret, answer.original_secret)

    def check_tickets(self, tickets: Sequence[TicketId]) -> tuple[Ticket, ...]:
        """flickr.photos.upload.checkTickets for up to 100 tickets at a time."""
        result: list[Ticket] = []
        for i in range(0, len(tickets), 100):
            rsp = self.call("flickr.photos.upload.checkTickets", {"tickets": ",".join(tickets[i : i + 100])})
            result.extend(self._parsed("flickr.photos.upload.checkTickets", parse_tickets, rsp))
        return tuple(result)

    def wait_for_tickets(
        self, tickets: Sequence[TicketId], *, timeout: float = 600.0, interval: float | None = None
    ) -> dict[TicketId, Ticket]:
        """Poll until every ticket is complete, failed or invalid, or ``timeout`` passes (those
        still pending are returned as pending). Polls back off from ``interval`` (default: the
        client's ``ticket_poll``, 1 s) to 15 s."""
        done: dict[TicketId, Ticket] = {}
        waiting = list(dict.fromkeys(tickets))
        waited = 0.0
        delay = self._ticket_poll if interval is None else interval
        while waiting:
            for ticket in self.check_tickets(waiting):
                if ticket.state != "pending":
                    done[ticket.id] = ticket
            waiting = [t for t in waiting if t not in done]
            if not waiting or waited + delay > timeout:
                break
            self._sleep(delay)
            waited += delay
            delay = min(delay * 2, 15.0)
        for t in waiting:
            done[t] = Ticket(t, "pending")
        return done

    def _ticket_photo(self, ticket: TicketId, timeout: float) -> PhotoId:
        result = self.wait_for_tickets([ticket], timeout=timeout)[ticket]
        if result.state == "complete" and result.photo_id is not None:
            return result.photo_id
        if result.state == "pending":
            raise OutcomeUnknownError(
                f"upload: ticket {ticket} still pending after {timeout:.0f}s", method="upload"
            )
        raise RemoteError(
            f"upload: Flickr could not process the file (ticket {ticket} {result.state})", method="upload"
        )

    # --- downloads ---------------------------------------------------------------------------

    def fetch_bytes(self, url: str, *, limit: int = 8 << 20) -> bytes:
        """A small file (a thumbnail-sized rendition) into memory, retrying transient failures.
        Refuses more than ``limit`` bytes. Static hosts are not API calls: no budget charge.
        Fetched by the wire's :class:`~flickrsync.statichttp.SmallFiles` (over http.client).
        (Tens of thousands of these make a big first sync's look-ups: nothing is done per call
        that only a failure needs, such as the URL as messages show it.)"""

        def attempt() -> bytes:
            with self._lock:
                self._downloads += 1
            return self.small_files.fetch(url, limit)

        data: bytes = self.with_retries(attempt, "download")
        return data

    def original_url(self, photo_id: PhotoId) -> str:
        """The original's URL when the listing did not give ``url_o`` (videos): getSizes."""
        sizes = self.get_sizes(photo_id)
        for label in ("Video Original", "Original"):
            for size in sizes:
                if size.label == label:
                    return size.source
        raise RemoteError(f"photo {photo_id}: Flickr offers no original to download", method="getSizes")

    def video_sources(self, photo_id: PhotoId) -> list[PhotoSize]:
        """A video's files Flickr offers (getSizes), the original first (``Video Original``, when
        offered), then the other versions, largest first. The ``Video Player`` entry (a player,
        not a file) and the still frames are left out."""
        videos = [s for s in self.get_sizes(photo_id) if s.media == "video" and s.label != "Video Player"]
        return sorted(
            videos, key=lambda s: (s.label != "Video Original", -((s.width or 0) * (s.height or 0)))
        )

    def download(self, url: str, out: BinaryIO, *, expected_size: int | None = None) -> Downloaded:
        """Stream ``url`` (a static-host or video URL) into ``out``, retrying transient failures
        (each try starts ``out`` over). Image hosts are not API calls: the budget is not charged."""
        timeout = httpx.Timeout(120.0, connect=30.0)

        def attempt() -> Downloaded:
            with self._lock:
                self._downloads += 1
            try:
                return download_to(self.http, url, out, expected_size=expected_size, timeout=timeout)
            except RemoteError as exc:
                if exc.http_status == 429:
                    self.budget.pause(self.backoff.rate_limited)
                raise

        result: Downloaded = self.with_retries(attempt, "download")
        return result
