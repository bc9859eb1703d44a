from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DEMO, write_tree
from tui.core.build import build_index
from tui.core.counting import FindingFilter, summarize
from tui.core.query import KEYS, QueryError, complete, parse_query, replace_last_word, term
from tui.core.report import check_json
from tui.core.rules import RULES

FILES = {
    "a.c": "// SPDX-License-Identifier: GPL-2.0\n",
    "b.c": "// SPDX-License-Identifier: GPL-2.0-only\n",
    "c.c": "// SPDX-License-Identifier: GPL-2.0+ OR MIT\n",
    "d.h": "/* SPDX-License-Identifier: MIT */\n",
    "e.c": "int untagged;\n",
    "f.c": "// SPDX-License-Identifier: GPL-2.0-onyl\n",
    "g.h": "/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR Apache-2.0 */\n",
    "h.c": "// SPDX-License-Identifier: gpl-2.0 or mit\n",
    "drivers/net/x.c": "// SPDX-License-Identifier: Apache-2.0\n",
    "drivers/network.c": "// SPDX-License-Identifier: MIT\n",
    "drivers/usb/core/hub.c": "// SPDX-License-Identifier: GPL-2.0\n",
    "drivers/usb/Makefile": "# SPDX-License-Identifier: GPL-2.0\n",
    "tools/.h": "/* SPDX-License-Identifier: GPL-2.0 */\n",
    "tools/x.hh": "/* SPDX-License-Identifier: GPL-2.0 */\n",
    "docs/my notes.txt": "SPDX-License-Identifier: GPL-2.0\n",
    "docs/USB-guide.rst": ".. SPDX-License-Identifier: GPL-2.0\n",
    "scripts/spdxexclude": "# SPDX-License-Identifier: GPL-2.0\nLICENSES/\n/COPYING\n",
}


@pytest.fixture
def small(tmp_path: Path):
    return build_index(str(write_tree(tmp_path / "t", FILES)), use_cache=False)


@pytest.fixture(scope="module")
def demo():
    return build_index(str(DEMO), use_cache=False)


def names(index, query: str) -> set[str]:
    return {index.paths[i] for i in parse_query(query).matches(index)}


def test_license_matches_either_side_of_a_dual_license_in_any_case(small):
    assert names(small, "license:MIT") == {"c.c", "d.h", "h.c", "drivers/network.c"}
    assert names(small, "license:mit") == names(small, "LICENSE:MIT")


def test_license_aliases_come_from_the_licenses_file(small):
    # LICENSES/preferred/GPL-2.0 lists GPL-2.0, GPL-2.0-only, GPL-2.0+ and GPL-2.0-or-later
    gpl = {"a.c", "b.c", "c.c", "g.h", "h.c", "drivers/usb/core/hub.c", "drivers/usb/Makefile", "tools/.h",
           "tools/x.hh", "docs/my notes.txt", "docs/USB-guide.rst", "scripts/spdxexclude",
           "e.c"}  # untagged, no notice: the COPYING default (GPL-2.0 WITH Linux-syscall-note) is its licence
    assert names(small, "license:GPL-2.0-only") == gpl
    assert names(small, "license:GPL-2.0-only") == names(small, "license:gpl-2.0-or-later")
    assert names(small, "license:=GPL-2.0-only") == {"b.c"}
    assert "c.c" in names(small, "license:=GPL-2.0+") and "a.c" not in names(small, "license:=GPL-2.0+")


def test_license_looks_at_the_written_ids_of_invalid_tags_too(small):
    assert names(small, "license:GPL-2.0-onyl") == {"f.c"}
    assert "f.c" not in names(small, "license:GPL-2.0")
    assert names(small, "license:Linux-syscall-note") >= {"g.h"}


def test_classes(small):
    assert names(small, "class:dual") == {"g.h", "drivers/net/x.c"}
    assert names(small, "class:exception") >= {"g.h"}
    assert "f.c" not in names(small, "class:preferred")  # an invalid tag's ids are in no class
    assert "e.c" in names(small, "class:preferred")  # untagged: the COPYING default's class
    assert "e.c" not in names(small, "class:preferred source:tag")
    assert names(small, "class:deprecated") == set()


def test_status_negation_and_alternatives(small):
    everything = set(small.paths)
    valid = names(small, "status:valid")
    assert names(small, "-status:valid") == everything - valid
    assert names(small, "status:untagged") == {"e.c"}
    assert names(small, "status:invalid") == {"f.c"}
    assert names(small, "status:invalid,untagged") == {"e.c", "f.c"}
    assert names(small, "-license:MIT") == everything - names(small, "license:MIT")
    assert "e.c" in names(small, "-license:MIT")  # untagged files have no MIT tag


def test_rules_by_prefix(small):
    assert names(small, "rule:LT100") == {"e.c"}
    assert names(small, "rule:lt101") == {"f.c"}
    assert names(small, "rule:LT1") == {"e.c", "f.c", "h.c"}  # h.c: LT106, lower-case "or"
    assert names(small, "-rule:LT1") == set(small.paths) - {"e.c", "f.c", "h.c"}


def test_paths_directories_and_globs(small):
    assert names(small, "path:drivers/net") == {"drivers/net/x.c"}  # not drivers/network.c
    assert names(small, "path:./drivers/net/") == {"drivers/net/x.c"}
    assert names(small, "path:drivers") == {p for p in small.paths if p.startswith("drivers/")}
    assert names(small, "path:a.c") == {"a.c"}
    assert names(small, "path:*.h") == {"d.h", "g.h", "tools/.h"}  # * crosses "/", as in git pathspecs
    assert names(small, "path:drivers/*/Makefile") == {"drivers/usb/Makefile"}
    assert names(small, "path:drivers/usb/*") == {"drivers/usb/core/hub.c", "drivers/usb/Makefile"}
    assert names(small, "path:drivers/?et") == {"drivers/net/x.c"}
    assert names(small, "path:[ab].c") == {"a.c", "b.c"}
    assert names(small, "path:[!ab].c") == {"c.c", "e.c", "f.c", "h.c"}
    assert names(small, '-path:"docs/my notes.txt"') == set(small.paths) - {"docs/my notes.txt"}
    assert names(small, "-path:*.c") == {p for p in small.paths if not p.endswith(".c")}
    assert names(small, "path:Drivers") == set()  # file names are case-sensitive


def test_extensions(small):
    assert names(small, "ext:h") == {"d.h", "g.h"}  # not the dot-file tools/.h, not x.hh
    assert names(small, "ext:.h") == names(small, "ext:h")
    assert names(small, "ext:c,h") == {p for p in small.paths if p.endswith((".c", ".h")) and p != "tools/.h"}


def test_free_text_and_quotes(small):
    assert names(small, "usb") == {"drivers/usb/core/hub.c", "drivers/usb/Makefile", "docs/USB-guide.rst"}
    assert names(small, "usb -guide") == {"drivers/usb/core/hub.c", "drivers/usb/Makefile"}
    assert names(small, '"my notes"') == {"docs/my notes.txt"}
    assert names(small, '-"my notes" docs') == {"docs/USB-guide.rst"}
    assert names(small, "usb ext:c license:GPL-2.0") == {"drivers/usb/core/hub.c"}


def test_exact_expression(small):
    assert names(small, 'expr:"GPL-2.0+ OR MIT"') == {"c.c"}
    assert names(small, 'expr:"gpl-2.0   OR  mit"') == {"h.c"}


def test_empty_query_matches_everything(small):
    assert parse_query("   ").matches(small) == list(range(len(small)))
    for whole in ("path:/", "path:./", 'path:"/"'):
        assert parse_query(whole).matches(small) == list(range(len(small)))
        assert str(parse_query(str(parse_query(whole)))) == "path:/"
    assert not parse_query("")


def test_candidates_limit_the_search(small):
    query = parse_query("license:MIT")
    c = small.position("c.c")
    e = small.position("e.c")
    assert query.matches(small, [e, c]) == [c]


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("lic:MIT", "unknown key 'lic'", 1),
        ("usb status:nope", "unknown status 'nope'", 12),
        ("class:weird", "unknown class 'weird'", 7),
        ("license:", "license: needs a value", 9),
        ("-", "'-' must be followed by a term", 1),
        ('path:"abc', "unterminated quote", 6),
        ('"abc', "unterminated quote", 1),
        ("rule:ZZ9", "no rule id starts with 'ZZ9'", 6),
        ("status:valid,", "empty value", 13),
        ('license:"GPL-2.0 OR MIT"', "use expr:", 9),
        ('ab"c', "a quote may only start a value", 3),
        ('"abc"def', "a blank must follow the closing quote", 6),
        ("ext:/", "ext: wants a file extension", 5),
        ('""', "empty quotes", 1),
    ],
)
def test_parse_errors_have_a_message_and_a_column(text, fragment, column):
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert fragment in caught.value.message
    assert caught.value.column == column
    assert caught.value.offset == column - 1
    assert f"(column {column})" in str(caught.value)
    assert "\n" not in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*'abc -:",\\*?[]!=/.', "license", "status", "path", "valid", "MIT", "rule", "LT1"]))
       .map("".join) | st.text(max_size=30))
def test_any_text_parses_or_fails_cleanly_and_round_trips(text):
    try:
        query = parse_query(text)
    except QueryError as exc:
        assert 0 <= exc.offset <= len(text)
        return
    again = parse_query(str(query))
    assert [(t.key, t.values, t.negated, t.exact) for t in again.terms] == [
        (t.key, t.values, t.negated, t.exact) for t in query.terms]


POOL = ["license:MIT", "license:GPL-2.0", "class:dual", "status:valid", "status:untagged,invalid", "rule:LT1",
        "path:drivers", "path:*.h", "ext:c", "usb", "expr:MIT", "license:=GPL-2.0"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(POOL), st.booleans()), min_size=1, max_size=4))
def test_terms_are_anded_and_negation_is_the_complement(demo_small, terms):
    index = demo_small
    everything = set(range(len(index)))
    expected = set(everything)
    for text, negated in terms:
        alone = set(parse_query(text).matches(index))
        assert set(parse_query("-" + text).matches(index)) == everything - alone
        expected &= (everything - alone) if negated else alone
    combined = " ".join(("-" if negated else "") + text for text, negated in terms)
    result = parse_query(combined).matches(index)
    assert result == sorted(expected)


@pytest.fixture(scope="module")
def demo_small(tmp_path_factory):
    root = write_tree(tmp_path_factory.mktemp("pool") / "t", FILES)
    return build_index(str(root), use_cache=False)


def test_term_helper_builds_queries_that_select_the_value(small):
    assert names(small, term("path", "docs/my notes.txt")) == {"docs/my notes.txt"}
    assert names(small, term("expr", "GPL-2.0+ OR MIT")) == {"c.c"}
    assert names(small, term("license", "MIT", negated=True)) == set(small.paths) - names(small, "license:MIT")
    assert names(small, term(None, "my notes")) == {"docs/my notes.txt"}
    assert names(small, term("status", "untagged")) == {"e.c"}
    with pytest.raises(ValueError):
        term("nope", "x")


def test_completion_of_keys_and_values(demo):
    catalog = demo.catalog
    assert complete("lic", catalog) == ["license:"]
    assert complete("-st", catalog) == ["-status:"]
    assert set(complete("", catalog)) == {f"{k}:" for k in KEYS}
    ids = complete("license:gpl-2", catalog)
    assert "license:GPL-2.0" in ids and "license:GPL-2.0-only" in ids and "license:GPL-2.0+" in ids
    assert all(i.lower().startswith("license:gpl-2") for i in ids)
    assert "license:Linux-syscall-note" in complete("license:linux", catalog)
    assert complete("usb status:valid,un", catalog) == ["status:valid,untagged", "status:valid,unreadable"]
    assert complete("class:d", catalog) == ["class:dual", "class:deprecated"]
    assert set(complete("rule:LT10", catalog)) == {f"rule:{r}" for r in RULES if r.startswith("LT10")}
    assert complete("-license:=MI", catalog) == ["-license:=MIT"]
    assert complete("nope:x", catalog) == []


def test_completion_of_paths_and_extensions_needs_the_index(small):
    assert complete("path:dr", small.catalog) == []
    assert complete("path:dr", small.catalog, small) == ["path:drivers/"]
    assert complete("path:drivers/", small.catalog, small) == [
        "path:drivers/net/", "path:drivers/network.c", "path:drivers/usb/"]
    assert complete("path:docs/my", small.catalog, small) == ['path:"docs/my notes.txt"']
    assert complete('path:"docs/my n', small.catalog, small) == ['path:"docs/my notes.txt"']
    assert "ext:c" in complete("ext:", small.catalog, small)
    assert replace_last_word("usb path:dr", "path:drivers/") == "usb path:drivers/"
    assert replace_last_word('path:"a b" lic', "license:") == 'path:"a b" license:'


def test_every_completion_parses(demo):
    parsed = 0
    for prefix in ("", "lic", "license:", "status:", "class:", "rule:", "-license:G", "path:dr", "ext:"):
        words = complete(prefix, demo.catalog, demo)
        assert words, prefix  # every prefix has choices
        for word in words:
            assert word.startswith(prefix.lstrip("-")) or word.startswith(prefix), (prefix, word)
            if word.endswith(":"):  # a key: it parses with the first value it completes to
                values = complete(word, demo.catalog, demo)
                assert values, word
                word = values[0]
            query = parse_query(word)
            assert query.matches(demo) is not None
            parsed += 1
    assert parsed > 40


def test_summary_of_the_whole_tree_agrees_with_check_json(demo):
    keep = FindingFilter()
    checked = check_json(demo, keep)["summary"]
    summary = summarize(demo, None, keep)
    for key, value in checked.items():
        assert summary[key] == value, key
    assert sum(summary["statuses"].values()) == summary["files"] == len(demo)
    assert sum(summary["expressions"].values()) == summary["statuses"]["valid"]
    assert sum(summary["invalid_expressions"].values()) == summary["statuses"]["invalid"]
    # licences count each file's effective licence (tag, notice or COPYING default); an invalid tag counts in none
    assert summary["licenses"]["MIT"] == len(names(demo, "license:=MIT -status:invalid"))
    assert summary["classes"]["dual"] == len(names(demo, "class:dual -status:invalid"))
    assert summary["sources"]["notice"] == len(names(demo, "source:notice")) > 0


def test_summary_follows_the_selection(demo):
    positions = parse_query("path:drivers").matches(demo)
    summary = summarize(demo, positions)
    assert summary["files"] == len(positions)
    assert summary["statuses"]["invalid"] == 4
    assert summary["statuses"]["untagged"] == 2  # with notices: drivers/gpu/amd/amd_demo.c, drivers/staging/oldboard.c
    assert "LT100" not in summary["rules"] and summary["rules"]["LT600"] == 2
    top = summary["directories"][0]
    assert top == {"path": "drivers/misc", "files": len(names(demo, "path:drivers/misc")),
                   "problems": 5, "with_findings": 6}  # 4 invalid, twotags.c (LT105), lowercase.c (LT106)
    assert summarize(demo, iter(positions)) == summary  # any iterable of positions


def test_summary_respects_the_rule_filter(demo):
    ignore_missing = FindingFilter(ignore={"LT100"})
    summary = summarize(demo, None, ignore_missing)
    warnings = sum(f.severity == "warning" and f.rule != "LT100" for fs in demo.findings.values() for f in fs)
    assert "LT100" not in summary["rules"] and summary["findings"]["warning"] == warnings
    assert all(d["problems"] or d["with_findings"] for d in summary["directories"])
    assert "kernel" not in {d["path"] for d in summary["directories"]}


def test_a_license_is_counted_once_whatever_the_spelling(demo):
    """Every Valid-License-Identifier of one LICENSES/ file is one license: GPL-2.0, GPL-2.0-only and
    GPL-2.0-or-later (from tags, notices or the COPYING default) all count under GPL-2.0, with the spellings
    listed under it."""
    summary = summarize(demo, None, FindingFilter())
    catalog = demo.catalog
    gpl = catalog.license("GPL-2.0")

    def ids(record):
        if record.effective is None or record.status == "invalid":
            return ()
        return demo.ctx.effective_licenses(record.effective[0])

    spelled_in_tree = {i for r in demo for i in ids(r) if catalog.license(i) is gpl}
    assert len(spelled_in_tree) > 1  # the demo writes GPL-2.0 several ways
    assert not spelled_in_tree - {"GPL-2.0"} & set(summary["licenses"])  # no spelling counted as its own license
    counted = [r for r in demo if any(catalog.license(i) is gpl for i in ids(r))]
    assert summary["licenses"]["GPL-2.0"] == len(counted)
    assert set(summary["license_spellings"]["GPL-2.0"]) == spelled_in_tree
    for spelling, n in summary["license_spellings"]["GPL-2.0"].items():
        assert n == sum(1 for r in counted if spelling in ids(r))
    # The filter the summary row uses shows exactly the files it counts.
    assert len(names(demo, "license:GPL-2.0 -status:invalid")) == summary["licenses"]["GPL-2.0"]
