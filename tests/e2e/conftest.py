"""e2e fixtures: see browser_support.py.

Tests that drive Chromium are marked `browser`. scripts/test.sh runs them in the embedded
pass only: a page does not depend on the storage mode, and the scale-mode paths the pages
use (Redis fan-out to the chat and supervisor WebSockets, PostgreSQL locking) are covered
by the integration tests in both modes. `-m browser` runs them alone, in either mode.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import browser, live, open_page  # noqa: F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
