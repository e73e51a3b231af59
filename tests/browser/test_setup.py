"""Without Chromium the browser tests skip with a reason; under CI they fail instead."""

from __future__ import annotations

import pytest

from tests.browser.sample import REQUIRE_ENV, unavailable


def test_a_missing_tool_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        unavailable("Chromium is not installed at /usr/bin/chromium")


def test_a_missing_tool_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="SALON_REQUIRE_BROWSER=1 says"):
        unavailable("Chromium is not installed at /usr/bin/chromium")
