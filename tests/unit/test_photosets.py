"""Photoset planning: folders -> sets, moves, renames, prune, include/exclude, groups, call counts."""

from __future__ import annotations

import posixpath

import pytest
from tests.syncfakes import Content, World

from flickrsync.matcher import MatchResult
from flickrsync.models import (
    SET_MARKER,
    AddToGroup,
    AddToSet,
    CreateSet,
    DeleteSet,
    EditSetMeta,
    EditSetPhotos,
    Nsid,
    PhotoId,
    Plan,
    RemoveFromSet,
)
from flickrsync.photosets import (
    PhotosetPlanOptions,
    SetStep,
    assign_titles,
    clean_title,
    flatten_folder,
    photoset_step,
    plan_photosets,
    root_set_title,
    takes_part,
)
from flickrsync.planner import PlanOptions, plan_sync

DEFAULTS = PhotosetPlanOptions()


def sync(world: World, sets: PhotosetPlanOptions = DEFAULTS) -> Plan:
    """One full run: transfers, then the set step on the state after them. Returns the set plan."""
    result, _ = world.match()
    world.apply(
        plan_sync(result, world.local_index(), world.remote_index(), PlanOptions(root="/lib")).actions
    )
    return set_plan(world, sets)


def set_step(world: World, options: PhotosetPlanOptions = DEFAULTS) -> SetStep:
    result, _ = world.match()
    return photoset_step(
        world.local_index(),
        world.remote_index(),
        result,
        world.remote_sets(),
        options,
        memory=world.set_memory(),
        pools_done=world.pools,
    )


def set_plan(world: World, options: PhotosetPlanOptions = DEFAULTS) -> Plan:
    return set_step(world, options).plan


def apply_sets(world: World, options: PhotosetPlanOptions = DEFAULTS) -> Plan:
    """One full run, applied: the transfers, the set actions, and what the index remembers."""
    sync(world, options)
    step = set_step(world, options)
    world.apply(step.plan.actions)
    world.remember(step.remember)
    return step.plan


def members(world: World, title: str) -> set[str]:
    found = [s for s in world.sets.values() if clean_title(s.title) == title]
    assert len(found) == 1, f"{len(found)} sets titled {title!r}"
    return {world.photos[p].content.seed for p in found[0].members}


def library(world: World, layout: dict[str, list[str]], date: str = "2014-01-01 10:00:") -> None:
    """Folder -> picture seeds; each picture gets its own second so dates order them."""
    n = 0
    for folder, seeds in layout.items():
        for seed in seeds:
            n += 1
            relpath = f"{folder}/{seed}.jpg" if folder else f"{seed}.jpg"
            world.add_file(relpath, Content(seed, date=f"{date}{n:02d}"))


def test_nested_tree_creates_one_set_per_folder_then_nothing() -> None:
    world = World()
    library(world, {"2014/Holiday": ["a", "b"], "2014": ["c"], "2015/Paris/Day 1": ["d"], "": ["root"]})
    plan = apply_sets(world)
    created = {a.title: a for a in plan.actions if isinstance(a, CreateSet)}
    assert set(created) == {"2014, Holiday", "2014", "2015, Paris, Day 1"}
    assert all(a.description == SET_MARKER for a in created.values())
    assert created["2014, Holiday"].folder == "2014/Holiday"
    assert members(world, "2014, Holiday") == {"a", "b"}
    assert plan.summary.sets_created == 3
    assert plan.summary.write_calls == 2 + 1 + 1  # create+editPhotos for 2 photos, create alone for 1
    again = sync(world)
    assert again.actions == ()


def test_set_members_are_in_date_taken_order_with_a_stable_primary() -> None:
    world = World()
    world.add_file("f/late.jpg", Content("late", date="2014-01-01 12:00:00"))
    world.add_file("f/early.jpg", Content("early", date="2014-01-01 08:00:00"))
    apply_sets(world)
    (s,) = world.sets.values()
    assert [world.photos[p].content.seed for p in s.members] == ["early", "late"]
    assert s.primary == s.members[0]
    # A newer picture arrives: appended by addPhoto, primary unchanged, one call.
    world.add_file("f/newest.jpg", Content("newest", date="2014-01-02 00:00:00"))
    primary = s.primary
    plan = apply_sets(world)
    assert [type(a) for a in plan.actions] == [AddToSet]
    assert world.sets[s.id].primary == primary
    # An older one: a single addPhoto would land out of order, so one editPhotos instead.
    world.add_file("f/oldest.jpg", Content("oldest", date="2013-01-01 00:00:00"))
    plan = apply_sets(world)
    assert [type(a) for a in plan.actions] == [EditSetPhotos]
    assert [world.photos[p].content.seed for p in world.sets[s.id].members] == [
        "oldest",
        "early",
        "late",
        "newest",
    ]
    assert world.sets[s.id].primary == primary


def test_moving_one_file_costs_at_most_two_calls() -> None:
    world = World()
    library(world, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]})
    apply_sets(world)
    world.move("A/a2.jpg", "B/a2.jpg")
    plan = apply_sets(world)
    assert plan.summary.write_calls <= 2
    assert not [a for a in plan.actions if isinstance(a, CreateSet)]
    assert members(world, "A") == {"a1", "a3"}
    assert members(world, "B") == {"b1", "b2", "a2"}
    assert world.uploads.keys() == {Content(s).content_id for s in ("a1", "a2", "a3", "b1", "b2")}
    assert all(len(v) == 1 for v in world.uploads.values())
    assert sync(world).actions == ()


def test_moving_ten_files_costs_at_most_two_calls_each() -> None:
    world = World()
    library(world, {"A": [f"a{i}" for i in range(30)], "B": [f"b{i}" for i in range(30)], "C": ["c"]})
    apply_sets(world)
    for i in range(10):
        world.move(f"A/a{i}.jpg", f"{'B' if i % 2 else 'C'}/a{i}.jpg")
    plan = apply_sets(world)
    assert plan.summary.write_calls <= 2 * 10
    assert plan.summary.write_calls == 3  # one editPhotos per changed set
    assert plan.summary.reassignments == 20
    assert sync(world).actions == ()


def test_moving_to_the_root_leaves_every_tool_made_set() -> None:
    world = World()
    library(world, {"A": ["a1", "a2"]})
    apply_sets(world)
    world.move("A/a2.jpg", "a2.jpg")  # not the primary: one removePhoto
    plan = apply_sets(world)
    assert [type(a) for a in plan.actions] == [RemoveFromSet]
    assert members(world, "A") == {"a1"}


def test_the_last_photo_stays_without_prune_and_the_set_goes_with_it() -> None:
    world = World()
    library(world, {"A": ["a1", "a2"], "B": ["b"]})
    apply_sets(world)
    world.move("A/a1.jpg", "B/a1.jpg")
    world.move("A/a2.jpg", "B/a2.jpg")
    plan = apply_sets(world)
    # Set A keeps one photo (Flickr would delete an emptied set) …
    assert not [a for a in plan.actions if isinstance(a, DeleteSet)]
    assert len(members(world, "A")) == 1
    assert members(world, "B") == {"a1", "a2", "b"}
    assert sync(world).actions == ()
    # … and --prune deletes the set, never a photo.
    plan = apply_sets(world, PhotosetPlanOptions(prune=True))
    assert [type(a) for a in plan.actions] == [DeleteSet]
    assert [s.title for s in world.sets.values()] == ["B"]
    assert len(world.photos) == 3


def test_renaming_a_folder_renames_its_set() -> None:
    world = World()
    library(world, {"Trip": ["t1", "t2", "t3"], "Other": ["o"]})
    apply_sets(world)
    (trip,) = [s.id for s in world.sets.values() if s.title == "Trip"]
    world.rename_folder("Trip", "Trip to Rome")
    plan = apply_sets(world)
    assert [type(a) for a in plan.actions] == [EditSetMeta]
    meta = plan.actions[0]
    assert isinstance(meta, EditSetMeta)
    assert (meta.old_title, meta.title, meta.description) == ("Trip", "Trip to Rome", SET_MARKER)
    assert world.sets[trip].title == "Trip to Rome"
    assert plan.summary.sets_renamed == 1
    assert plan.summary.sets_created == 0
    assert sync(world).actions == ()


def test_a_folder_that_received_a_few_files_does_not_steal_the_set() -> None:
    world = World()
    library(world, {"Trip": ["t1", "t2", "t3", "t4"], "Misc": ["m1", "m2", "m3"]})
    apply_sets(world)
    # Trip disappears; one of its files goes to a new folder that mostly holds other pictures.
    world.move("Trip/t1.jpg", "New/t1.jpg")
    for seed in ("n1", "n2", "n3"):
        world.add_file(f"New/{seed}.jpg", Content(seed, date="2016-01-01 00:00:00"))
    for seed in ("t2", "t3", "t4"):
        world.move(f"Trip/{seed}.jpg", f"Misc/{seed}.jpg")
    plan = apply_sets(world)
    assert not [a for a in plan.actions if isinstance(a, EditSetMeta)]
    assert [a.title for a in plan.actions if isinstance(a, CreateSet)] == ["New"]
    assert len(members(world, "Trip")) == 1  # kept its last photo


def test_duplicates_in_two_folders_join_both_sets_and_upload_once() -> None:
    world = World()
    content = Content("dup", date="2014-01-01 00:00:00")
    world.add_file("A/x.jpg", content)
    world.add_file("B/copy of x.jpg", content)
    apply_sets(world)
    assert len(world.photos) == 1
    assert members(world, "A") == members(world, "B") == {"dup"}


def test_a_user_made_set_with_the_same_title_is_left_untouched() -> None:
    world = World()
    library(world, {"Birds": ["b1"]})
    result, _ = world.match()
    world.apply(plan_sync(result, world.local_index(), world.remote_index(), PlanOptions()).actions)
    other = world.seed_flickr(Content("foreign"), "foreign")
    users = world.add_set("Birds", [other], ours=False)
    plan = set_plan(world)
    touched = {getattr(a, "photoset_id", None) for a in plan.actions}
    assert users not in touched
    assert [a.title for a in plan.actions if isinstance(a, CreateSet)] == ["Birds"]
    world.apply(plan.actions)
    assert world.sets[users].members == [other]


def test_include_names_a_user_made_set_to_manage() -> None:
    world = World()
    library(world, {"Birds": ["b1", "b2"]})
    result, _ = world.match()
    world.apply(plan_sync(result, world.local_index(), world.remote_index(), PlanOptions()).actions)
    b1 = next(p.id for p in world.photos.values() if p.content.seed == "b1")
    users = world.add_set("Birds", [b1], ours=False)
    plan = set_plan(world, PhotosetPlanOptions(include=("Birds",)))
    assert not [a for a in plan.actions if isinstance(a, CreateSet)]
    world.apply(plan.actions)
    assert members(world, "Birds") == {"b1", "b2"}
    assert world.sets[users].description == "mine"


def test_exclude_keeps_a_folder_out_of_photosets() -> None:
    world = World()
    library(world, {"Private": ["p"], "Private/Deep": ["q"], "Public": ["u"]})
    plan = sync(world, PhotosetPlanOptions(exclude=("Private",)))
    assert [a.title for a in plan.actions if isinstance(a, CreateSet)] == ["Public"]


def test_include_restricts_folders_by_path_or_title() -> None:
    world = World()
    library(world, {"2014/A": ["a"], "2015/B": ["b"], "2016": ["c"]})
    plan = sync(world, PhotosetPlanOptions(include=("2014/*", "2016")))
    assert sorted(a.title for a in plan.actions if isinstance(a, CreateSet)) == ["2014, A", "2016"]


def test_sets_made_by_flickrsync_011_are_adopted() -> None:
    world = World()
    library(world, {"2014/Holiday": ["a", "b"], "": ["r1", "r2"]})
    result, _ = world.match()
    world.apply(plan_sync(result, world.local_index(), world.remote_index(), PlanOptions()).actions)
    ids = {p.content.seed: p.id for p in world.photos.values()}
    # 0.1.1 titled sets from a path with a leading separator, and put root pictures in "flickrsync".
    holiday = world.add_set(" 2014, Holiday", [ids["a"], ids["b"]], ours=True)
    root = world.add_set("flickrsync", [ids["r1"]], ours=True)
    options = PhotosetPlanOptions(root_set=root_set_title(None, adopted_011=True))
    plan = apply_sets(world, options)
    assert not [a for a in plan.actions if isinstance(a, CreateSet | EditSetMeta)]
    assert world.sets[holiday].title == " 2014, Holiday"
    assert {world.photos[p].content.seed for p in world.sets[root].members} == {"r1", "r2"}
    assert set_plan(world, options).actions == ()


def test_remote_only_members_are_kept() -> None:
    world = World()
    library(world, {"A": ["a"]})
    apply_sets(world)
    (sid,) = world.sets
    stranger = world.seed_flickr(Content("only-on-flickr"), "only on flickr")
    world.sets[sid].members.append(stranger)
    plan = set_plan(world)
    world.apply(plan.actions)
    assert stranger in world.sets[sid].members
    assert set_plan(world).actions == ()


def test_flattening_collisions_get_distinct_titles() -> None:
    titles = assign_titles(["a/b", "a, b", "a, b (2)"])
    assert titles == {"a, b": "a, b", "a, b (2)": "a, b (2)", "a/b": "a, b (3)"}
    world = World()
    library(world, {"a/b": ["x"], "a, b": ["y"]})
    apply_sets(world)
    assert members(world, "a, b") == {"y"}
    assert members(world, "a, b (2)") == {"x"}
    assert sync(world).actions == ()


@pytest.mark.parametrize(
    ("folder", "title"),
    [
        ("2014/Holiday", "2014, Holiday"),
        ("   ", "untitled"),
        ("a\tb/c\x00d", "a b, c d"),
        ("x" * 400, "x" * 255),
        ("Cafe\u0301", "Café"),
        ("Ünïcödé/日本/🎉", "Ünïcödé, 日本, 🎉"),
    ],
)
def test_flatten_folder(folder: str, title: str) -> None:
    assert flatten_folder(folder) == title


def test_hostile_folder_names_never_crash_and_replan_empty() -> None:
    world = World()
    hostile = ["   ", "..a", "a" * 300, "x\ny", "CON", "a, b", "a/b", "🎉" * 80]
    for i, folder in enumerate(hostile):
        world.add_file(f"{folder}/p{i}.jpg", Content(f"h{i}", date=f"2014-01-01 00:00:{i:02d}"))
    plan = apply_sets(world)
    titles = [a.title for a in plan.actions if isinstance(a, CreateSet)]
    assert len(titles) == len(set(titles)) == len(hostile)
    assert sync(world).actions == ()


def test_many_changes_use_one_edit_photos_call() -> None:
    world = World()
    library(world, {"A": ["a0"]})
    apply_sets(world)
    library(world, {"A": [f"n{i}" for i in range(20)]}, date="2015-01-01 00:00:")
    plan = apply_sets(world)
    assert [type(a) for a in plan.actions] == [EditSetPhotos]
    assert plan.summary.photos_added == 20
    assert len(members(world, "A")) == 21


def test_order_by_date_off_never_reorders() -> None:
    world = World()
    world.add_file("f/b.jpg", Content("b", date="2014-01-02 00:00:00"))
    apply_sets(world)
    (s,) = world.sets.values()
    older = world.seed_flickr(Content("zz", date="2010-01-01 00:00:00"), "zz")
    s.members.append(older)
    options = PhotosetPlanOptions(order_by_date=False)
    assert set_plan(world, options).actions == ()
    plan = set_plan(world)
    assert plan.summary.sets_reordered == 1


def test_groups_add_photos_once() -> None:
    world = World()
    library(world, {"Birds/Owls": ["o1", "o2"], "Cats": ["c"]})
    group = Nsid("12345@N01")
    options = PhotosetPlanOptions(groups=(("Birds", group),))
    plan = apply_sets(world, options)
    adds = [a for a in plan.actions if isinstance(a, AddToGroup)]
    assert len(adds) == 2
    assert all(a.group_id == group for a in adds)
    assert plan.summary.group_adds == 2
    assert set_plan(world, options).actions == ()


def test_prune_never_deletes_a_set_the_tool_did_not_make() -> None:
    world = World()
    library(world, {"A": ["a"]})
    result, _ = world.match()
    world.apply(plan_sync(result, world.local_index(), world.remote_index(), PlanOptions()).actions)
    pid = next(iter(world.photos))
    users = world.add_set("Gone", [pid], ours=False)
    plan = set_plan(world, PhotosetPlanOptions(prune=True, include=("Gone",)))
    assert not [a for a in plan.actions if isinstance(a, DeleteSet)]
    world.apply(plan.actions)
    assert users in world.sets


def test_incomplete_match_is_refused() -> None:
    from flickrsync.matcher import MatchNeeds

    incomplete = MatchResult((), (), (), needs=MatchNeeds(originals=(PhotoId("1"),)))
    with pytest.raises(ValueError, match="complete"):
        plan_photosets([], [], incomplete, [])


def test_takes_part() -> None:
    options = PhotosetPlanOptions(include=("Birds*",), exclude=("*Private*",))
    assert takes_part("Birds/Owls", "Birds, Owls", options)
    assert not takes_part("Birds/Private", "Birds, Private", options)
    assert not takes_part("Cats", "Cats", options)


def test_create_set_is_never_empty_and_has_its_primary_first() -> None:
    world = World()
    library(world, {"A": ["a", "b", "c"]})
    plan = sync(world)
    for action in plan.actions:
        if isinstance(action, CreateSet):
            assert action.photo_ids
            assert action.primary == action.photo_ids[0]
    assert isinstance(plan.actions[0], CreateSet)
    assert plan.actions[0].calls == 2


def test_the_primary_is_replaced_only_when_it_leaves() -> None:
    world = World()
    library(world, {"A": ["a1", "a2", "a3"], "B": ["b"]})
    apply_sets(world)
    (sid,) = [s.id for s in world.sets.values() if s.title == "A"]
    primary_seed = world.photos[world.sets[sid].primary].content.seed
    world.move(f"A/{primary_seed}.jpg", f"B/{primary_seed}.jpg")
    plan = apply_sets(world)
    edits = [a for a in plan.actions if isinstance(a, EditSetPhotos) and a.photoset_id == sid]
    assert len(edits) == 1
    assert edits[0].primary in edits[0].photo_ids
    assert world.photos[world.sets[sid].primary].content.seed != primary_seed
    assert sync(world).actions == ()


def test_a_folder_holding_someone_elses_set_makes_no_second_set_of_that_title() -> None:
    # sync2 downloads the photos of a set the user made on Flickr into a folder named after it.
    world = World()
    library(world, {"2014": ["mine"]})
    a = world.seed_flickr(Content("a", date="2013-01-01 10:00:00"), "a")
    b = world.seed_flickr(Content("b", date="2013-01-01 10:00:01"), "b")
    user_set = world.add_set("Summer", [a, b], ours=False)
    world.add_file("Summer/a.jpg", Content("a", date="2013-01-01 10:00:00"))
    world.add_file("Summer/b.jpg", Content("b", date="2013-01-01 10:00:01"))
    plan = apply_sets(world)
    assert {a.title for a in plan.actions if isinstance(a, CreateSet)} == {"2014"}
    assert world.sets[user_set].members == [a, b]  # untouched
    # A picture of the user's own added to that folder: the folder is no longer a copy of the
    # set, so it gets its own (tool-made) set, and the user's set is still left alone.
    world.add_file("Summer/c.jpg", Content("c", date="2013-01-01 10:00:02"))
    plan = apply_sets(world)
    assert [x.title for x in plan.actions if isinstance(x, CreateSet)] == ["Summer"]
    assert world.sets[user_set].members == [a, b]


# --- issue 16 point 7: placements never take a photo out of a set; links are remembered ------


def sync2(world: World, options: PhotosetPlanOptions = DEFAULTS) -> Plan:
    """One sync2 run, applied: transfers (downloads into set folders), then the set step."""
    result, _ = world.match()
    plan = plan_sync(
        result,
        world.local_index(),
        world.remote_index(),
        PlanOptions(mode="sync2", root="/lib", force=True, photosets=options),
        sets=world.remote_sets(),
        set_memory=world.set_memory(),
    )
    world.apply(plan.actions)
    step = set_step(world, options)
    world.apply(step.plan.actions)
    world.remember(step.remember)
    return step.plan


def another_machine(world: World) -> World:
    """A second home syncing the same Flickr account: its own library and index, Flickr shared."""
    return World(
        photos=world.photos,
        sets=world.sets,
        pools=world.pools,
        uploads=world.uploads,
        next_id=world.next_id + 1_000_000,
        clock=world.clock + 1_000_000,
    )


def memberships(world: World) -> dict[str, set[str]]:
    return {s.title: {world.photos[p].content.seed for p in s.members} for s in world.sets.values()}


def removals(plan: Plan) -> int:
    return plan.summary.photos_removed


def test_a_restore_downloads_a_photo_once_and_takes_it_out_of_no_album() -> None:
    """'Holiday' went from 5 photos to 1: x was in two tool-made albums, was downloaded into one
    folder, then taken out of the other."""
    home = World()
    library(home, {"Holiday": ["h1", "h2", "h3", "h4", "x"], "Best": ["x", "b"]})
    apply_sets(home)
    before = memberships(home)
    assert before == {"Holiday": {"h1", "h2", "h3", "h4", "x"}, "Best": {"x", "b"}}
    restored = another_machine(home)  # an empty library: the restore
    plan = sync2(restored)
    assert len(restored.files) == 6  # x once
    assert removals(plan) == 0
    assert memberships(home) == before
    for _ in range(2):
        assert sync2(restored).actions == ()
        assert apply_sets(home).actions == ()
    assert memberships(home) == before


def test_two_machines_alternating_sync2_keep_the_albums() -> None:
    """Each home has its own pictures, some in both; alternating sync2 settles with no removal."""
    a = World()
    library(a, {"Trip": ["t1", "t2"], "Best": ["t1"], "": ["r"]})
    b = another_machine(a)
    library(b, {"Garden": ["g1", "g2"], "Trip": ["t3"]})
    plans = []
    for _ in range(3):
        plans += [sync2(a), sync2(b)]
    assert sum(removals(p) for p in plans) == 0
    assert plans[-1].actions == ()
    assert plans[-2].actions == ()
    albums = memberships(a)
    assert albums["Trip"] == {"t1", "t2", "t3"}
    assert albums["Best"] == {"t1"}
    assert albums["Garden"] == {"g1", "g2"}


def test_a_move_made_here_still_moves_the_photo_between_albums() -> None:
    """Remembered placements: the photo leaves the album of the folder this library moved it out
    of, once; another machine putting it back is not undone again."""
    a = World()
    library(a, {"A": ["a1", "a2"], "B": ["b"]})
    apply_sets(a)
    a.move("A/a2.jpg", "B/a2.jpg")
    plan = apply_sets(a)
    assert removals(plan) == 1
    assert memberships(a) == {"A": {"a1"}, "B": {"b", "a2"}}
    # someone (another machine, the web) puts a2 back into A: this library moved it once, that is all
    (sid,) = [s.id for s in a.sets.values() if s.title == "A"]
    a.sets[sid].members.append(next(p for p in a.photos if a.photos[p].content.seed == "a2"))
    assert apply_sets(a).actions == ()


def test_user_albums_whose_titles_are_no_folder_names_get_no_tool_made_copy() -> None:
    """sync2 downloads a user album '.etc' into 'etc' and 'a/../../b' into 'a_.._.._b': those
    folders are linked to the albums, so no album 'etc' is made — also after the user renames
    the album on Flickr."""
    world = World()
    library(world, {"Mine": ["m"]})
    e1 = world.seed_flickr(Content("e1", date="2013-01-01 10:00:00"), "e1")
    e2 = world.seed_flickr(Content("e2", date="2013-01-01 10:00:01"), "e2")
    etc = world.add_set(".etc", [e1], ours=False)
    odd = world.add_set("a/../../b", [e2], ours=False)
    plan = sync2(world)
    assert sorted(posixpath.dirname(f) for f in world.files) == ["Mine", "a_.._.._b", "etc"]
    assert [a.title for a in plan.actions if isinstance(a, CreateSet)] == ["Mine"]
    assert world.set_links[etc] == "etc"
    assert world.set_links[odd] == "a_.._.._b"
    world.sets[etc].title = "Config files"
    world.sets[odd].title = "B"
    assert sync2(world).actions == ()


def test_an_album_renamed_on_flickr_keeps_its_folder_and_its_new_title() -> None:
    """The user renames a tool-made album on Flickr: it stays its folder's album (remembered), not
    renamed back, and no second album is made for the folder."""
    world = World()
    library(world, {"Trip": ["t1", "t2"]})
    apply_sets(world)
    (sid,) = world.sets
    world.sets[sid].title = "Rome 2019"
    world.add_file("Trip/t3.jpg", Content("t3", date="2014-01-01 11:00:00"))
    plan = apply_sets(world)
    assert [type(a) for a in plan.actions] == [AddToSet]
    assert memberships(world) == {"Rome 2019": {"t1", "t2", "t3"}}


def test_the_root_set_follows_root_photoset() -> None:
    world = World()
    library(world, {"": ["r1", "r2"], "A": ["a"]})
    plan = apply_sets(world)
    assert [a.title for a in plan.actions if isinstance(a, CreateSet)] == ["A"]
    unsorted = PhotosetPlanOptions(root_set=root_set_title("  Unsorted ", adopted_011=True))
    plan = apply_sets(world, unsorted)
    created = [a for a in plan.actions if isinstance(a, CreateSet)]
    assert [(a.title, a.folder) for a in created] == [("Unsorted", "")]
    assert memberships(world)["Unsorted"] == {"r1", "r2"}
    world.move("r2.jpg", "A/r2.jpg")
    apply_sets(world, unsorted)
    assert memberships(world) == {"A": {"a", "r2"}, "Unsorted": {"r1"}}
    assert root_set_title(None, adopted_011=False) == ""
    assert root_set_title("", adopted_011=True) == ""


def test_011_migration_takes_no_photo_out_of_the_root_set() -> None:
    """0.1.1's root set 'flickrsync' and its folder set ' flickrsync' (the folder it downloaded
    unmatched photos into): each keeps its own, and the first run removes nothing, though some
    of the root set's photos are now in other folders."""
    world = World()
    library(world, {"": ["r1"], "flickrsync": ["f1"], "Later": ["r2", "r3"]})
    result, _ = world.match()
    world.apply(plan_sync(result, world.local_index(), world.remote_index(), PlanOptions()).actions)
    ids = {p.content.seed: p.id for p in world.photos.values()}
    root = world.add_set("flickrsync", [ids["r1"], ids["r2"], ids["r3"]], ours=True)
    folder = world.add_set(" flickrsync", [ids["f1"]], ours=True)
    options = PhotosetPlanOptions(root_set=root_set_title(None, adopted_011=True))
    plan = apply_sets(world, options)
    assert removals(plan) == 0
    assert [a.title for a in plan.actions if isinstance(a, CreateSet)] == ["Later"]
    assert {world.photos[p].content.seed for p in world.sets[root].members} == {"r1", "r2", "r3"}
    assert {world.photos[p].content.seed for p in world.sets[folder].members} == {"f1"}
    assert world.set_links[root] == ""
    assert world.set_links[folder] == "flickrsync"
    assert apply_sets(world, options).actions == ()
