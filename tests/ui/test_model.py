"""The tree pane's row model: order, expand/collapse, filter, and keeping state when paths change."""

import random

from tui.ui.model import TreeModel
from tui.ui.rows import DIR, FILE

PATHS = sorted([
    "Makefile", "COPYING", "a-b/x.c", "a.c", "a/b/c.c", "a/b/d.h", "a/z.c", "a/y/q.c", "drivers/net/foo.c",
    "drivers/net/bar.c", "drivers/gpu/v.c", "drivers/Kconfig",
])


def shown(model):
    return [(row.guide + row.name) for row in model.rows]


def test_top_level_lists_directories_first_then_files_by_name():
    model = TreeModel(PATHS)
    assert [(r.kind, r.key) for r in model.rows] == [
        (DIR, ""), (DIR, "a"), (DIR, "a-b"), (DIR, "drivers"), (FILE, "COPYING"), (FILE, "Makefile"), (FILE, "a.c"),
    ]
    assert shown(model)[-1] == "└─ a.c"


def test_expand_and_collapse_splice_the_rows_in_place():
    model = TreeModel(PATHS)
    index = model.row_of("a")
    assert model.expand(index)
    assert shown(model)[index : index + 6] == ["├─ a", "│  ├─ b", "│  ├─ y", "│  └─ z.c", "├─ a-b", "├─ drivers"]
    assert model.expand(model.row_of("a/b"))
    assert "│  │  ├─ c.c" in shown(model) and "│  │  └─ d.h" in shown(model)
    assert model.collapse(index)
    assert model.row_of("a/b/c.c") is None
    assert "a/b" in model.expanded  # remembered for when "a" opens again
    model.expand(index)
    assert model.row_of("a/b/c.c") is not None


def test_random_expand_collapse_matches_a_full_rebuild():
    model = TreeModel(PATHS)
    rng = random.Random(7)
    for _ in range(200):
        index = rng.randrange(len(model.rows))
        (model.expand if rng.random() < 0.6 else model.collapse)(index)
        spliced = list(model.rows)
        model.rebuild()
        assert spliced == model.rows


def test_expand_all_shows_every_file_once_and_collapse_all_returns_to_the_top():
    model = TreeModel(PATHS)
    model.expand_all()
    assert sorted(r.key for r in model.rows if r.kind == FILE) == PATHS
    model.collapse_all()
    assert [r.depth for r in model.rows] == [0] + [1] * 6


def test_reveal_opens_the_ancestors_and_parent_row_goes_back_up():
    model = TreeModel(PATHS)
    index = model.reveal("drivers/net/foo.c")
    assert model.rows[index].key == "drivers/net/foo.c"
    assert model.rows[model.parent_row(index)].key == "drivers/net"
    assert model.reveal("no/such/file.c") is None


def test_set_paths_keeps_expanded_directories_that_still_exist():
    model = TreeModel(PATHS)
    model.reveal("a/b/c.c")
    model.reveal("drivers/gpu/v.c")
    model.set_paths(sorted(p for p in PATHS if not p.startswith("drivers/gpu")))
    assert "a/b" in model.expanded and "drivers/gpu" not in model.expanded
    assert model.row_of("a/b/c.c") is not None


def test_a_filter_hides_files_and_the_directories_left_empty():
    model = TreeModel(PATHS)
    model.set_filter({"drivers/net/foo.c", "COPYING"})
    model.expand_all()
    assert [r.key for r in model.rows] == ["", "drivers", "drivers/net", "drivers/net/foo.c", "COPYING"]
    model.set_filter(None)
    assert model.row_of("a") is not None
