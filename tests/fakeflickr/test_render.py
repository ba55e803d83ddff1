"""One payload -> Flickr's XML and Flickr's JSON (REFERENCE §2.2)."""

from __future__ import annotations

import json

from fakeflickr.render import (
    El,
    dumps,
    error_json_obj,
    error_xml,
    payload_to_json_obj,
    text_el,
    to_xml,
    wrap_jsonp,
)


def _photos(items: list[El]) -> list[El]:
    return [
        El(
            "photos",
            {"page": 1, "pages": 1, "perpage": 100, "total": str(len(items))},
            items,
            arrays=("photo",),
        )
    ]


def test_lists_by_design_are_arrays_even_when_empty_or_single() -> None:
    assert payload_to_json_obj(_photos([])) == {
        "photos": {"page": 1, "pages": 1, "perpage": 100, "total": "0", "photo": []},
        "stat": "ok",
    }
    one = payload_to_json_obj(_photos([El("photo", {"id": "1", "farm": 66})]))
    assert one == {
        "photos": {"page": 1, "pages": 1, "perpage": 100, "total": "1", "photo": [{"id": "1", "farm": 66}]},
        "stat": "ok",
    }


def test_text_becomes_content_and_attribute_types_are_kept() -> None:
    payload = [
        El(
            "photo",
            {"id": "1", "isfavorite": 0, "pathalias": None},
            [text_el("title", "Jon Snow"), text_el("description", "")],
        ),
        El("photoid", {"secret": "abc", "originalsecret": ""}, text="42"),
    ]
    assert payload_to_json_obj(payload) == {
        "photo": {
            "id": "1",
            "isfavorite": 0,
            "pathalias": None,
            "title": {"_content": "Jon Snow"},
            "description": {"_content": ""},
        },
        "photoid": {"secret": "abc", "originalsecret": "", "_content": "42"},
        "stat": "ok",
    }


def test_repeatable_top_level_elements_are_arrays_when_present_and_absent_when_not() -> None:
    one_set = [El("set", {"id": "7"})]
    assert payload_to_json_obj(one_set, ("set", "pool")) == {"set": [{"id": "7"}], "stat": "ok"}
    assert payload_to_json_obj([], ("set", "pool")) == {"stat": "ok"}


def test_xml_layout_and_escaping_like_flickr() -> None:
    payload = [
        El(
            "user",
            {"id": "1@N01", "name": "Christina's World : off & on", "pathalias": None},
            [text_el("username", 'a "b" <c>')],
        )
    ]
    assert to_xml(payload) == (
        '<?xml version="1.0" encoding="utf-8" ?>\n'
        '<rsp stat="ok">\n'
        '<user id="1@N01" name="Christina&#039;s World : off &amp; on" pathalias="">\n'
        "\t<username>a &quot;b&quot; &lt;c&gt;</username>\n"
        "</user>\n"
        "</rsp>\n"
    )
    assert to_xml([]) == '<?xml version="1.0" encoding="utf-8" ?>\n<rsp stat="ok">\n</rsp>\n'


def test_errors_in_both_formats() -> None:
    assert error_xml(1, 'Photo "1" not found (invalid ID)') == (
        '<?xml version="1.0" encoding="utf-8" ?>\n'
        '<rsp stat="fail">\n'
        '\t<err code="1" msg="Photo &quot;1&quot; not found (invalid ID)" />\n'
        "</rsp>\n"
    )
    body = dumps(error_json_obj(112, 'Method "flickr.nonExistingMethod" not found'))
    assert body == '{"stat":"fail", "code":112, "message":"Method \\"flickr.nonExistingMethod\\" not found"}'


def test_json_escapes_slashes_and_non_ascii_like_2013_recordings() -> None:
    body = dumps({"url": "http://x/y", "name": "Marohnić"})
    assert body == '{"url":"http:\\/\\/x\\/y", "name":"Marohni\\u0107"}'
    assert json.loads(body) == {"url": "http://x/y", "name": "Marohnić"}
    assert wrap_jsonp("{}", None) == "jsonFlickrApi({})"
    assert wrap_jsonp("{}", "cb") == "cb({})"


def test_xml_drops_characters_xml_cannot_carry() -> None:
    body = to_xml([El("ticket", {"id": "0\x1f0"}, text="a\x00b\tc")])
    assert '<ticket id="00">ab\tc</ticket>' in body
