"""flickr.photos.upload.* (the upload and replace endpoints themselves are in :mod:`fakeflickr.uploads`)."""

from __future__ import annotations

from fakeflickr.handlers.common import id_list
from fakeflickr.handlers.registry import Call, method
from fakeflickr.render import El


@method("flickr.photos.upload.checkTickets")
def photos_upload_check_tickets(call: Call) -> list[El]:
    raw = id_list(call.arg("tickets"))
    found = call.store.tickets_by_id(raw)
    items = []
    for ticket_id in raw:
        ticket = found.get(ticket_id)
        if ticket is None:
            items.append(El("ticket", {"id": ticket_id, "invalid": 1}))
        elif ticket.complete == 1:
            items.append(
                El(
                    "ticket",
                    {"id": ticket_id, "complete": 1, "photoid": str(ticket.photo_id), "imported": None},
                )
            )
        else:
            items.append(El("ticket", {"id": ticket_id, "complete": ticket.complete}))
    return [El("uploader", children=items, arrays=("ticket",))]
