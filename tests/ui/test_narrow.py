"""Narrowing the tree to a filter: the fast rows equal a rebuild, and reused matches equal fresh ones."""

from __future__ import annotations

import random

import pytest

from tui.cli import demo_tree
from tui.core.build import build_index
from tui.core.query import QueryError, parse_query, replace_last_word
from tui.ui.filtering import APPLIED, KEPT, LEFT_OUT, UNFINISHED, TreeFilter, narrows
from tui.ui.model import TreeModel
from tui.ui.rows import DIR, FILE

NAMES = ["a", "a-b", "a.c", "b", "Z", "x_y", "d.h", "é"]


def random_paths(rng: random.Random) -> list[str]:
    paths: set[str] = set()
    for _ in range(rng.randint(1, 80)):
        paths.add("/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 5))))
    # a path cannot be both a file and a directory
    return sorted(p for p in paths if not any(q.startswith(p + "/") for q in paths))


def rebuilt(paths: list[str], mask: bytearray, expanded: set[str]) -> list:
    """The rows the slow way: the filter set, the same directories expanded, every row made again."""
    model = TreeModel(paths)
    model.set_filter([p for p, shown in zip(paths, mask) if shown])
    model.expanded = set(expanded)
    model.rebuild()
    return model.rows


def test_narrowed_rows_equal_a_full_rebuild_with_every_matching_directory_open():
    rng = random.Random(12)
    for _ in range(1500):
        paths = random_paths(rng)
        share = rng.choice([0.05, 0.3, 0.7, 1.0])
        mask = bytearray(rng.random() < share for _ in paths)
        model = TreeModel(paths)
        model.narrow(mask)
        assert model.rows == rebuilt(paths, mask, model.expanded)
        shown = {p for p, m in zip(paths, mask) if m}
        assert {r.key for r in model.rows if r.kind == FILE} == shown
        # every directory that holds a shown file is open, so every match is on a row
        assert {r.key for r in model.rows if r.kind == DIR} <= model.expanded


def test_narrowing_again_and_clearing_restores_what_was_open():
    paths = ["a/b/c.c", "a/b/d.h", "a/z.c", "drivers/net/foo.c", "drivers/gpu/v.c", "top.c"]
    model = TreeModel(paths)
    model.reveal("drivers/gpu/v.c")
    before = list(model.rows)
    model.narrow(bytearray([0, 1, 0, 1, 0, 0]))
    assert [r.guide + r.name for r in model.rows] == [
        "", "├─ a", "│  └─ b", "│     └─ d.h", "└─ drivers", "   └─ net", "      └─ foo.c",
    ]
    model.narrow(bytearray([0, 0, 0, 0, 0, 1]))
    assert [r.key for r in model.rows] == ["", "top.c"]
    model.narrow(None)
    assert model.rows == before and not model.filtered


def test_a_user_can_still_collapse_and_expand_inside_a_narrowed_tree():
    paths = ["a/b/c.c", "a/b/d.h", "a/z.c", "b/x.c"]
    model = TreeModel(paths)
    model.narrow(bytearray([1, 0, 1, 0]))
    index = model.row_of("a/b")
    assert model.collapse(index)
    assert model.row_of("a/b/c.c") is None
    assert model.expand(index)
    assert [r.key for r in model.rows] == ["", "a", "a/b", "a/b/c.c", "a/z.c"]


def test_new_paths_keep_the_filter_on_the_same_files():
    model = TreeModel(["a/x.c", "b/y.c"])
    model.narrow(bytearray([0, 1]))
    model.set_paths(["a/new.c", "a/x.c", "b/y.c"])
    assert [r.key for r in model.rows if r.kind == FILE] == ["b/y.c"]


@pytest.fixture(scope="module")
def demo_index():
    return build_index(demo_tree(), use_cache=False)


QUERIES = ["usb", "status:untagged", "license:MIT", "path:drivers/net", "ext:c -status:valid", "rule:LT1 path:drivers",
           "class:dual", "-license:GPL-2.0 ext:h", "drivers misc", 'expr:"GPL-2.0 OR MIT"', "license:GPL-2.0,MIT"]


def test_matches_reused_while_typing_equal_fresh_matches(demo_index):
    """Typing, deleting and retyping: every result equals parse_query(text).matches(index)."""
    tree_filter = TreeFilter()
    rng = random.Random(3)
    texts: list[str] = []
    for query in QUERIES:
        texts.extend(query[: i + 1] for i in range(len(query)))
        texts.extend(query[:i] for i in range(len(query) - 1, 0, -rng.randint(1, 4)))
    for text in texts:
        tree_filter.apply(demo_index, text)
        if tree_filter.state in (UNFINISHED, KEPT):
            continue  # the previous result stays
        try:
            query = parse_query(text)
            assert tree_filter.state == APPLIED
        except QueryError:
            assert tree_filter.state == LEFT_OUT
            try:
                query = parse_query(replace_last_word(text, ""))
            except QueryError:
                query = parse_query("")
        expected = query.matches(demo_index) if query else None
        got = tree_filter.positions
        assert got == expected, text
        if got is not None:
            assert [i for i, m in enumerate(tree_filter.result.mask) if m] == got


@pytest.mark.parametrize(("old", "new", "narrower"), [
    ("us", "usb", True),
    ("usb", "us", False),
    ("usb", "usb ext:c", True),
    ("path:drivers", "path:drivers/net", True),
    ("path:drivers", "path:drivers-x", False),
    ("path:drivers", "path:drivers/*.c", False),
    ("status:valid,invalid", "status:valid", True),
    ("rule:LT1", "rule:LT101", True),
    ("-usb", "-usbx", False),
    ("license:MIT", "license:=MIT", False),
])
def test_a_query_counts_as_narrower_only_when_it_is(old, new, narrower):
    assert narrows(parse_query(old), parse_query(new)) is narrower


def test_a_word_on_its_way_to_a_key_or_an_id_leaves_the_tree_as_it_was(demo_index):
    tree_filter = TreeFilter()
    states = []
    for text in ["s", "st", "status", "status:", "status:i", "status:invalid", "status:invalid l", "status:invalid lic",
                 "status:invalid license:M", "status:invalid license:MIT", "status:invalid license:MIT z"]:
        tree_filter.apply(demo_index, text)
        states.append((tree_filter.state, tree_filter.result.count if tree_filter.result else None))
    assert states == [
        (UNFINISHED, None), (UNFINISHED, None), (UNFINISHED, None), (UNFINISHED, None), (UNFINISHED, None),
        (APPLIED, 4), (UNFINISHED, 4), (UNFINISHED, 4), (UNFINISHED, 4),
        (APPLIED, 2),  # MIT WITH Linux-syscall-note, GPL-2.0 OR MIT OR BSD-3-Clause
        (APPLIED, 0),  # z: free text, no key starts with it
    ]
    tree_filter.apply(demo_index, "rule:LT1")  # a prefix of rule ids is a query of its own
    assert tree_filter.state == APPLIED and tree_filter.result.count == 9
    tree_filter.apply(demo_index, "path:drivers/m")
    assert tree_filter.state == UNFINISHED
    tree_filter.apply(demo_index, "path:drivers/")  # a directory (completed by Tab): applied
    assert tree_filter.state == APPLIED and tree_filter.result.count == 16
    tree_filter.apply(demo_index, "path:drivers/misc")
    assert tree_filter.state == APPLIED and tree_filter.result.count == 6


def test_a_query_that_cannot_be_read_keeps_the_result_unless_the_index_changed_under_it(demo_index):
    tree_filter = TreeFilter()
    tree_filter.apply(demo_index, "ext:h")
    kept = tree_filter.result
    tree_filter.apply(demo_index, "ext:h status:ux")
    assert tree_filter.state == KEPT and tree_filter.result is kept
    assert tree_filter.error.message.startswith("unknown status 'ux'") and tree_filter.error.column == 14
    tree_filter.reset()  # files changed: the old matches are no longer valid
    tree_filter.apply(demo_index, "ext:h status:ux")
    assert tree_filter.state == LEFT_OUT and tree_filter.result is not kept
    assert tree_filter.positions == kept.positions
