"""Metadata from the file (issue 12 point 1, wired in): a Lightroom-style XMP sidecar's title,
caption and hierarchical keywords arrive on Flickr; embedded IPTC/XMP written by exiftool too; the
sources and their order are configurable per folder; hostile values are cut to Flickr's limits
with a warning, never a crash."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import exiftool_path
from tests.fakeflickr_fixtures import FakeFlickrFixture
from tests.synchelpers import SyncLib, content_id

pytestmark = pytest.mark.integration

#: What Lightroom Classic writes next to a picture (NAME.xmp): attributes and elements, flat
#: keywords (the leaves, and the parents marked for export) and the hierarchical ones.
LIGHTROOM = """<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
   xmp:Rating="4">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{caption}</rdf:li></rdf:Alt></dc:description>
   {subject}
   <lr:hierarchicalSubject><rdf:Bag>{hierarchy}</rdf:Bag></lr:hierarchicalSubject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def sidecar(title: str, caption: str, keywords: list[str], hierarchy: list[str]) -> str:
    subject = ""
    if keywords:
        items = "".join(f"<rdf:li>{k}</rdf:li>" for k in keywords)
        subject = f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>"
    return LIGHTROOM.format(
        title=title,
        caption=caption,
        subject=subject,
        hierarchy="".join(f"<rdf:li>{h}</rdf:li>" for h in hierarchy),
    )


def user_tags(photo: dict[str, object]) -> list[str]:
    return [t["raw"] for t in photo["tags"] if not t["machine"]]  # type: ignore[attr-defined]


def test_a_lightroom_sidecar_gives_the_title_caption_and_keywords(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    lib = SyncLib.create(fakeflickr, tmp_path, config="extra_tags = mine\n")
    a = lib.add("Paris/IMG_0001.jpg", 1)
    lib.add_bytes(
        "Paris/IMG_0001.xmp",
        sidecar(
            "Eiffel Tower at night",
            "From the Trocadéro.\nLong exposure.",
            ["Paris", "Eiffel Tower", "France"],
            ["Places|France|Paris", "Landmarks|Eiffel Tower"],
        ).encode(),
    )
    b = lib.add("Birds/IMG_0002.jpg", 2)
    lib.add_bytes(  # darktable's name; no flat keywords
        "Birds/IMG_0002.jpg.xmp", sidecar("Robin", "", [], ["Animals|Birds|Robin", "Animals|Birds"]).encode()
    )
    plain = lib.add("IMG_0003.jpg", 3)

    plan = lib.run("sync", "--dry-run", "--json").json()
    uploads = {x["relpath"]: x for x in plan["actions"] if x["action"] == "upload"}
    assert dict(uploads["Paris/IMG_0001.jpg"]["origins"])["title"] == "XMP-dc:Title (sidecar)"
    done = lib.run("sync", "--yes")
    assert done.code == 0, done
    photos = {cid: found[0] for cid, found in lib.photos_by_content().items()}
    paris = photos[content_id(a)]
    assert paris["title"] == "Eiffel Tower at night"
    assert paris["description"] == "From the Trocadéro.\nLong exposure."
    assert user_tags(paris) == ["mine", "Paris", "Eiffel Tower", "France"]
    robin = photos[content_id(b)]
    assert robin["title"] == "Robin"
    assert robin["description"] == ""
    assert user_tags(robin) == ["mine", "Robin", "Birds"], "leaves of the hierarchical keywords"
    assert photos[content_id(plain)]["title"] == "IMG_0003", "no metadata: the file name, as 0.1.1"


def test_embedded_metadata_written_by_exiftool_and_the_sources_per_folder(
    fakeflickr: FakeFlickrFixture, tmp_path: Path
) -> None:
    exiftool = exiftool_path()
    lib = SyncLib.create(
        fakeflickr,
        tmp_path,
        config="[folder:Windows]\ntitle_from = IFD0:XPTitle\ntags_from = IFD0:XPKeywords\n"
        "[folder:Bare]\ntitle_from =\ndescription_from =\ntags_from =\n",
    )
    paths = {}
    for rel, seed in (("Mixed/a.jpg", 1), ("Windows/b.jpg", 2), ("Bare/c.jpg", 3)):
        lib.add(rel, seed)
        path = lib.root / rel
        subprocess.run(
            [
                exiftool, "-q", "-q", "-overwrite_original",
                "-XMP-dc:Title=Title from XMP", "-IPTC:ObjectName=Title from IPTC",
                "-XPTitle=Title from Windows", "-IPTC:Caption-Abstract=Caption from IPTC",
                "-IPTC:Keywords=iptc one", "-IPTC:Keywords=iptc two", "-XPKeywords=win one;win two",
                "-codedcharacterset=utf8", str(path),
            ],
            check=True,
            timeout=60,
        )  # fmt: skip
        lib.written[rel] = path.read_bytes()
        paths[rel] = lib.written[rel]
    done = lib.run("sync", "--yes")
    assert done.code == 0, done
    photos = {cid: found[0] for cid, found in lib.photos_by_content().items()}
    mixed = photos[content_id(paths["Mixed/a.jpg"])]
    assert (mixed["title"], mixed["description"]) == ("Title from XMP", "Caption from IPTC")
    assert user_tags(mixed) == ["iptc one", "iptc two"]
    windows = photos[content_id(paths["Windows/b.jpg"])]
    assert windows["title"] == "Title from Windows"
    assert user_tags(windows) == ["win one", "win two"]
    bare = photos[content_id(paths["Bare/c.jpg"])]
    assert (bare["title"], bare["description"], user_tags(bare)) == ("c", "", [])


def test_hostile_values_are_cut_to_flickrs_limits_with_a_warning(lib: SyncLib) -> None:
    data = lib.add("x.jpg", 1)
    keywords = [f"kw{i}" for i in range(500)]
    lib.add_bytes("x.xmp", sidecar("T" * 10_000, "Tab\tand " + "d" * 70_000, keywords, []).encode())
    done = lib.run("sync", "--yes")
    assert done.code == 0, done
    warnings = [line for line in done.err.splitlines() if "x.jpg" in line]
    assert any("title of 10000 characters cut to 255" in w for w in warnings), done.err
    assert any("cut to 65535" in w for w in warnings), done.err
    assert any("500 tags cut to 74" in w for w in warnings), done.err
    (photo,) = lib.photos_by_content()[content_id(data)]
    assert photo["title"] == "T" * 255
    assert photo["description"].startswith("Tab and ddd")
    assert len(photo["description"].encode()) == 65_535
    assert len(photo["tags"]) == 75, "74 keywords and flickrsync's machine tag"
