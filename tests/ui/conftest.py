"""UI tests: the notice rule index (``tui.core.notices.index``) is loaded once for the session, into a
cache directory of its own, before the first app starts: built on a first run, it takes seconds, which
the first test's wait for the app to settle would otherwise pay."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def notice_rules_loaded(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tui.core.notices import index

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("notice-rules")))
        try:
            index.get_index()
        except FileNotFoundError:  # the rule data is not installed: the tests say so where they need it
            pass
