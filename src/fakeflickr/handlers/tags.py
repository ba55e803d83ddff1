"""flickr.tags.*."""

from __future__ import annotations

from fakeflickr.handlers.common import get_photo, tags_element
from fakeflickr.handlers.registry import Call, method
from fakeflickr.render import El


@method("flickr.tags.getListPhoto")
def tags_get_list_photo(call: Call) -> list[El]:
    photo = get_photo(call)
    tags = call.store.tags_for([photo.id]).get(photo.id, [])
    return [El("photo", {"id": str(photo.id)}, [tags_element(call, tags)])]
