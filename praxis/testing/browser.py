"""Pytest fixtures for browser tests: the system Chromium driven by Playwright.

Enable with ``pytest_plugins = ["praxis.testing.browser"]`` in the top-level conftest.

    @pytest.mark.browser
    def test_login(page, live_server):
        page.goto("/accounts/login/")          # relative to live_server.url
        ...

``page`` brings ``live_server`` and ``transactional_db`` with it, and its context's
``base_url`` is the live server's URL. A failing test leaves a screenshot in
``test-artifacts/[<run>/]screenshots/<test>/``. Playwright's browsers are never downloaded: the
Chromium at ``$PRAXIS_TEST_CHROMIUM`` (default ``/usr/bin/chromium``) is used; when it
is missing the tests are skipped, or fail when ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from praxis.testing.artifacts import screenshot_path

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

# Playwright's sync API runs an asyncio event loop in the test thread, which makes
# Django refuse ORM calls from tests ("SynchronousOnlyOperation").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 10_000
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


def chromium_executable() -> str:
    return os.environ.get("PRAXIS_TEST_CHROMIUM", "/usr/bin/chromium")


def _screenshot_path(item: pytest.Item) -> Path:
    # Per run and per test (praxis/testing/artifacts.py), so parallel workers and runs never collide.
    return screenshot_path("failure", test_id=item.nodeid)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    # Keep each phase's report on the item so fixtures can see whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Anything using the browser fixtures is a browser test: `-m "not browser"` skips it.
    for item in items:
        if {"page", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    if not os.path.isfile(executable) or not os.access(executable, os.X_OK):
        message = f"Chromium not found at {executable} (set PRAXIS_TEST_CHROMIUM or apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield browser
        finally:
            browser.close()


def watch_csp(context: Any) -> list[str]:
    """The Content-Security-Policy violations Chromium reports on any page of `context`, as they come:
    every browser test runs under the real policy (SPEC §11), and an inline script, an injected style or
    an eval that the policy blocks is a broken page, so `page` fails the test that met one."""
    violations: list[str] = []

    def listen(page: Any) -> None:
        page.on("console", lambda message: violations.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text else None)

    context.on("page", listen)
    return violations


@pytest.fixture
def page(
    browser: Browser, live_server: Any, transactional_db: None, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    violations = watch_csp(context)
    try:
        page = context.new_page()
        yield page
        node = request.node
        passed = not any(getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))
        if passed and violations:
            pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)
        if any(getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call")):
            path = _screenshot_path(node)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # the page may be gone; the failure itself matters more
                print(f"could not save screenshot {path}: {exc}")
            else:
                print(f"screenshot saved: {path}")
    finally:
        context.close()
