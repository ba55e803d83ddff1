"""The listing walker on its own: pages come from a plain function, no client and no HTTP.

(The client's tests walk the same rules over the wire: tests/unit/test_client.py, "listing".)
"""

from __future__ import annotations

from collections.abc import Mapping

from flickrsync.listing import Walker, WalkReport
from flickrsync.models import PhotoId, PhotoPage, RemotePhoto

T0 = 1_300_000_000
TAG = "flickrsync:imagehash=" + "ab" * 32


class Account:
    """An account's photostream as Flickr pages it: newest upload first, inclusive upload-date
    filters, at most ``cap`` results per query (past it, the last page within the cap again)."""

    def __init__(self, photos: list[RemotePhoto], *, cap: int = 4000, search_lags: bool = False) -> None:
        self.photos = sorted(photos, key=lambda p: (-p.date_upload, p.id))
        self.cap = cap
        self.search_lags = search_lags
        self.calls: list[tuple[str, dict[str, str]]] = []

    def __call__(self, method: str, params: Mapping[str, str | int], container: str) -> PhotoPage:
        args = {k: str(v) for k, v in params.items()}
        self.calls.append((method, args))
        assert container == "photos"
        lo = int(args.get("min_upload_date", "0"))
        hi = int(args.get("max_upload_date", str(2**40)))
        hits = [p for p in self.photos if lo <= p.date_upload <= hi]
        if method == "flickr.photos.search":
            tag = args["machine_tags"]
            hits = [] if self.search_lags else [p for p in hits if tag in p.machine_tags]
        per_page = int(args["per_page"])
        pages = -(-len(hits) // per_page)
        page = max(1, min(int(args["page"]), pages, self.cap // per_page))
        items = tuple(hits[(page - 1) * per_page : page * per_page])
        return PhotoPage(items, page, pages, per_page, len(hits))


def photo(i: int, uploaded: int, *tags: str) -> RemotePhoto:
    return RemotePhoto(
        id=PhotoId(str(1_000_000 + i)),
        title=f"p{i}",
        secret="s",
        server="1",
        date_upload=uploaded,
        tags=tags,
        machine_tags=tags,
    )


def test_a_whole_account_past_the_cap_each_photo_once_through_any_page_source() -> None:
    account = Account([photo(i, T0 + i * 3600) for i in range(9_000)])
    report = WalkReport()
    ids = [p.id for p in Walker(account, clock=lambda: T0 + 10**8).photos(report=report)]
    assert len(ids) == len(set(ids)) == 9_000
    assert report.complete
    assert report.total == 9_000
    assert report.calls == len(account.calls) <= 9_000 // 500 + report.windows
    assert all(int(args["page"]) * 500 <= 4000 for _, args in account.calls)


def test_a_fresh_upload_search_does_not_show_yet_is_found_among_the_recent_uploads() -> None:
    old = [photo(i, T0 + i) for i in range(10)]
    fresh = photo(99, T0 + 86_400, TAG)
    walker = Walker(Account([*old, fresh], search_lags=True))
    assert walker.by_machine_tag(TAG) == [], "without uploaded_since, search alone answers"
    assert walker.by_machine_tag(TAG, uploaded_since=T0 + 86_400 + 1800) == [fresh]
    searched = Account([*old, fresh])
    assert Walker(searched).by_machine_tag(TAG, uploaded_since=T0) == [fresh]
    assert [method for method, _ in searched.calls] == ["flickr.photos.search"], "found: no second look"
