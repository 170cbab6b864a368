"""e2e fixtures: see browser_support.py."""

from tests.e2e.browser_support import browser, live, open_page  # noqa: F401
