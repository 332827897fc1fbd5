"""Real-browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live
server. One browser per test module, a fresh browser context (cookies, storage) per test.

The live server flushes the database after each test; joinedup/conftest.py builds the demo
region again (committed) before the next one, so every test starts from the same region."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from joinedup.browser_tests.accessibility import AXE_SCRIPT


class NewPage(Protocol):
    def __call__(self, *, javascript: bool = True) -> Page: ...


CHROMIUM_FALLBACK = Path("/usr/bin/chromium")
# Long enough for a slow shared CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000


def chromium_executable() -> str:
    """Debian's chromium. `make test` installs it first, so its absence is a failure: a skip
    would let the browser tests silently stop running."""
    found = shutil.which("chromium")
    if found:
        return found
    if CHROMIUM_FALLBACK.is_file() and os.access(CHROMIUM_FALLBACK, os.X_OK):
        return str(CHROMIUM_FALLBACK)
    pytest.fail(
        "The browser tests need Debian's Chromium, but no `chromium` is on PATH and "
        f"{CHROMIUM_FALLBACK} does not exist. Install it with `make browser` "
        "(apt-get install chromium).",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    if not AXE_SCRIPT.is_file():
        pytest.fail(
            f"axe-core is missing at {AXE_SCRIPT}: run `make setup` (npm ci).", pytrace=False
        )
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in this thread, so Django would
        # refuse the tests' own database reads as "async-unsafe". Nothing here is async: the
        # live server answers the browser in its own thread.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable)
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[NewPage]:
    """new_page() opens a page in a fresh context at the live server;
    new_page(javascript=False) opens one with JavaScript turned off."""
    contexts: list[BrowserContext] = []

    def opened(*, javascript: bool = True) -> Page:
        context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        if javascript:
            # axe-core goes in as an init script, not add_script_tag: the app's
            # Content-Security-Policy rightly refuses inline <script> tags, and bypassing the
            # policy would hide pages whose own scripts it breaks.
            context.add_init_script(path=AXE_SCRIPT)
        contexts.append(context)
        return context.new_page()

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page()
