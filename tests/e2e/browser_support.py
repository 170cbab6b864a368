"""The e2e harness: kefu served by uvicorn on a free port, and the system Chromium.

- `live`: a real server (uvicorn in a thread, the mode's database and event bus) with
  helpers to create users with web logins and to sign a browser page in.
- `open_page(lang=...)`: a new browser context and page; every request it makes is
  recorded, and the test fails if any goes to a host other than the server, or if the page
  throws a JavaScript error.
- `shot(page, name)`: a screenshot into the run's folder (KEFU_SCREENSHOT_DIR, default
  build/screenshots, then the mode: embedded/ or scale/), which scripts/test.sh prints.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import uvicorn

from kefu.bootstrap import Container, build
from kefu.config import Settings
from kefu.domain.clock import SystemClock
from kefu.services.setup import prepare
from kefu.services.users import create_user
from kefu.web.app import create_app

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
MODE = os.environ.get("KEFU_TEST_MODE", "embedded")
SHOTS = Path(os.environ.get("KEFU_SCREENSHOT_DIR", ROOT / "build" / "screenshots")) / MODE
PASSWORD = "e2e-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    url: str
    container: Container
    logins: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return urlparse(self.url).netloc

    def user(self, role: str, name: str, login: str, **kw: Any) -> str:
        """A user with a web login (password PASSWORD); returns its API token."""
        _, token = create_user(self.container.ctx, role, name, login=login, password=PASSWORD, **kw)
        self.logins[login] = token
        return token

    def sign_in(self, page: Any, login: str, password: str = PASSWORD) -> None:
        page.goto(f"{self.url}/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", password)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_load_state("load")
        assert "/login" not in page.url, f"sign-in as {login} failed: {page.url}"


def serve(container: Container) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the e2e server stopped while starting"
        assert time.monotonic() < deadline, "the e2e server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def live(settings: Settings) -> Iterator[Live]:
    container = build(settings, clock=SystemClock())
    prepare(container.ctx)
    try:
        for url in serve(container):
            yield Live(url, container)
    finally:
        container.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Chromium at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            yield b
        finally:
            b.close()


@dataclass
class Recorder:
    """What a page asked for, and what went wrong in it."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self, host: str) -> list[str]:
        bad = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.netloc != host:
                bad.append(url)
        return bad


@pytest.fixture
def open_page(browser: Any, live: Live) -> Iterator[Callable[..., Any]]:
    contexts: list[tuple[Any, Recorder]] = []

    def factory(lang: str = "zh-CN", *, width: int = 1280, height: int = 860) -> Any:
        ctx = browser.new_context(
            locale=lang, viewport={"width": width, "height": height}, ignore_https_errors=False
        )
        recorder = Recorder()
        ctx.on("request", lambda req: recorder.requests.append(req.url))
        ctx.on("weberror", lambda err: recorder.errors.append(str(err.error)))
        page = ctx.new_page()
        page.on("pageerror", lambda exc: recorder.errors.append(str(exc)))
        page.on("websocket", lambda ws: recorder.requests.append(ws.url))
        page.set_default_timeout(15_000)
        contexts.append((ctx, recorder))
        page.kefu_recorder = recorder
        return page

    yield factory
    problems: list[str] = []
    for ctx, recorder in contexts:
        ctx.close()
        foreign = recorder.foreign(live.host)
        if foreign:
            problems.append(f"requests to other hosts: {foreign[:5]}")
        if recorder.errors:
            problems.append(f"JavaScript errors: {recorder.errors[:5]}")
    assert not problems, "; ".join(problems)


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as <name>.png in the run's screenshot folder."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
