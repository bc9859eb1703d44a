"""The row model after files came and went on disk: the same rows as a model built afresh, with
only the changed directories re-made (what the watcher relies on to keep redraws small)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.ui.model import KEEP, TreeModel
from tui.ui.rows import DIR, ancestors

NAMES = st.sampled_from(["a", "b", "a-b", "a.b", "c", "Z"])
PATH = st.lists(NAMES, min_size=1, max_size=4).map(lambda parts: "/".join([*parts[:-1], parts[-1] + ".c"]))


def files_only(paths: set[str]) -> list[str]:
    """Sorted paths, without any that is also a directory of another."""
    dirs = {d for p in paths for d in ancestors(p)}
    return sorted(p for p in paths if p not in dirs)


@settings(max_examples=300, deadline=None)
@given(before=st.sets(PATH, min_size=1, max_size=30), added=st.sets(PATH, max_size=6), data=st.data())
def test_an_update_gives_the_rows_of_a_fresh_model_with_the_same_directories_open(before, added, data):
    old = files_only(before)
    model = TreeModel(old)
    dirs = sorted({d for p in old for d in ancestors(p) if d} | {p.rpartition("/")[0] for p in old if "/" in p})
    model.expanded |= set(data.draw(st.lists(st.sampled_from(dirs), max_size=8)) if dirs else [])
    filtered = data.draw(st.booleans())
    chosen = data.draw(st.sets(st.sampled_from(old))) if filtered else None
    model.set_filter(chosen)
    model.rebuild()
    removed = data.draw(st.sets(st.sampled_from(old), max_size=6))
    new = files_only((set(old) - removed) | added)
    visible = KEEP
    if filtered and data.draw(st.booleans()):
        visible = data.draw(st.sets(st.sampled_from(new))) if new else set()
    kept_visible = chosen - (set(old) - set(new)) if filtered else None
    expanded = set(model.expanded)

    model.update(new, set(new) - set(old), set(old) - set(new), visible)

    fresh = TreeModel(new)
    fresh.expanded = {d for d in expanded if not d or fresh.is_dir(d)}
    if filtered:
        fresh.set_filter(kept_visible if visible is KEEP else visible)
    fresh.rebuild()
    assert model.rows == fresh.rows
    assert model.expanded == fresh.expanded
    for i, row in enumerate(model.rows):
        assert model.row_index(row.key, row.kind == DIR) == i


def test_a_file_changed_in_place_re_makes_no_rows():
    model = TreeModel(["a/x.c", "a/y.c", "b.c"])
    model.expand(model.row_of("a"))
    rows, generation = list(model.rows), model.generation
    assert not model.update(model.paths, [], [])
    assert model.rows == rows and model.generation == generation


def test_a_file_added_to_a_closed_directory_leaves_the_rows_alone():
    model = TreeModel(["a/x.c", "b/y.c"])
    model.expand(model.row_of("a"))
    rows = list(model.rows)
    assert not model.update(["a/x.c", "b/y.c", "b/z.c"], ["b/z.c"], [])
    assert model.rows == rows
    model.expand(model.row_of("b"))
    assert [row.key for row in model.rows][-2:] == ["b/y.c", "b/z.c"]
