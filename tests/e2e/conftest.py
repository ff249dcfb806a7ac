"""Fixtures for the browser tier: the real app (one per module) driven by Debian's chromium through
Playwright's sync API, axe-core injected from .cache/axe (`make axe`), screenshots in tests/artifacts/."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))
import gnist_testapp as g
from gnist_testapp import seed_dirs  # noqa: F401 - shared session fixture

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]


@pytest.fixture(scope="module")
def app(seed_dirs, tmp_path_factory):
    running = g.launch_app(seed_dirs, tmp_path_factory.mktemp("e2e-app") / "data")
    yield running
    running.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian's chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `make axe` (axe-core from npm).")
    return AXE_JS


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Browsing:
    """Fresh browser contexts (no cookies, no local storage) that record every request."""

    def __init__(self, browser, app) -> None:
        self.browser = browser
        self.app = app
        self.contexts = []
        self.requests: list[str] = []

    def page(self, locale: str = "nb-NO", context=None):
        if context is None:
            context = self.browser.new_context(locale=locale, viewport={"width": 1280, "height": 1000})
            context.set_default_timeout(30_000)
            self.contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        return page

    def foreign_requests(self) -> list[str]:
        origin = urlsplit(self.app.url)[:2]
        return [url for url in self.requests
                if not url.startswith(("data:", "blob:")) and urlsplit(url)[:2] != origin]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, app):
    session = Browsing(browser, app)
    yield session
    session.close()
