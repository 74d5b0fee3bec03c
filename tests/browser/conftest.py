"""Browser tests: the real app on a real store, served by uvicorn, driven by Debian's Chromium.

They skip with the reason when /usr/bin/chromium (or Playwright) is missing; CI sets
PEELIAN_REQUIRE_BROWSER=1 so that a missing browser fails instead. Playwright never downloads a
browser here: it launches the system Chromium. On a failure the page is saved as a screenshot in
``test-artifacts/`` at the repository root.
"""

import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
import uvicorn

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser fixture skips (or, in CI, fails) with the reason
    expect = sync_playwright = None

from peelian import demo
from peelian.config import Settings
from peelian.db import make_engine, upgrade
from peelian.geo.boundaries import assign_events, load_boundaries
from peelian.governance import accounts
from peelian.ingest.pipeline import ingest
from peelian.ingest.police_uk import PoliceUkAdapter
from peelian.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "correct horse battery staple"
MONTHS = 3  # of the bundled sample: a little real data, a few thousand events


def _unavailable(reason: str) -> None:
    if os.environ.get("PEELIAN_REQUIRE_BROWSER"):
        pytest.fail(f"PEELIAN_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(f"browser test not run: {reason} (PEELIAN_REQUIRE_BROWSER=1 makes this a failure)")


@dataclass
class LiveApp:
    base_url: str
    engine: object
    totp: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def code(self, username: str) -> str:
        secret = self.totp.get(username)
        return pyotp.TOTP(secret).at(datetime.now(UTC)) if secret else ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build_store(root: Path):
    engine = make_engine(f"sqlite:///{root / 'browser.db'}")
    upgrade(engine, "EPSG:27700")
    crimes = root / "police_uk"  # the first months of the sample that ships with the package
    crimes.mkdir()
    for path in sorted(demo.CRIMES.glob("*.csv.gz"))[:MONTHS]:
        shutil.copy(path, crimes / path.name)
    report = ingest(engine, PoliceUkAdapter(), crimes, 50_000, 1 << 32)
    assert report.as_dict()["totals"]["inserted"] > 1000
    load_boundaries(engine, demo.LSOA, "lsoa11", "LSOA11CD", "LSOA11NM")
    assign_events(engine, "lsoa11")
    return engine


@contextmanager
def serve(engine, settings: Settings | None = None) -> Iterator[LiveApp]:
    """The real app on ``engine``, on 127.0.0.1 and a free port, in a background thread.

    ``settings`` replaces the defaults; over plain http it needs ``cookie_secure=False`` too."""
    accounts.create(engine, "analyst", "Ann Analyst", PASSWORD, ["analyst"], actor="test")
    _, secret = accounts.create(engine, "auditor", "Aud Itor", PASSWORD, ["auditor"], actor="test")
    assert secret, "auditors must be given a TOTP secret"
    app = create_app(engine, settings or Settings(cookie_secure=False))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="peelian-uvicorn", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start on {base}")
        time.sleep(0.05)
    yield LiveApp(base, engine, {"auditor": secret})
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Iterator[LiveApp]:
    """The real app on the bundled London sample, for the whole session."""
    with serve(_build_store(tmp_path_factory.mktemp("browser"))) as app:
        yield app


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    if sync_playwright is None:
        _unavailable("the playwright Python package is missing (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


class PageWatch:
    """Console errors, uncaught exceptions, failed requests and requests leaving 127.0.0.1."""

    def __init__(self, page) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("requestfailed", lambda request: self._failed(request, page.url))
        page.on("request", self._request)

    def _failed(self, request, on: str) -> None:
        self.failed.append(f"{request.method} {request.url}: {request.failure} (page {on})")

    def _console(self, message) -> None:
        # Chromium asks for /favicon.ico after the load, when it gets to it; whether its 404 is seen
        # depends on timing, so the console test checks the icon deterministically instead.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.console_errors.append(f"{message.text} @ {message.location.get('url', '')}")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "failed requests": self.failed,
            "requests leaving 127.0.0.1": self.foreign,
        }
        return {name: items for name, items in found.items() if items}

    def assert_clean(self) -> None:
        """Nothing went wrong at all, console errors (CSP refusals among them) included."""
        problems = self.problems()
        assert not problems, _describe(problems)

    def assert_no_failures(self) -> None:
        """No script crashed, no request failed and none left 127.0.0.1 (console not checked)."""
        problems = self.problems()
        problems.pop("console errors", None)
        assert not problems, _describe(problems)


def _describe(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}:\n  " + "\n  ".join(items) for name, items in problems.items())


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:120] + ".png"


@pytest.fixture
def page(browser, live_app, request):
    """A fresh browser context (no cookies) and its page, watched; a screenshot if the test fails."""
    context = browser.new_context(base_url=live_app.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    request.node.page_watch = PageWatch(page)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / _artifact_name(request.node.nodeid)), full_page=True)
        except Exception as exc:  # the screenshot is a help, never a second failure
            print(f"could not save a screenshot: {exc}")
    context.close()


@pytest.fixture
def watch(page, request) -> PageWatch:
    """What has gone wrong on ``page`` so far (``assert_clean``, ``assert_no_failures``)."""
    return request.node.page_watch


def sign_in(
    page, live_app: LiveApp, username: str, password: str = PASSWORD, code: str | None = None
) -> None:
    """Sign in through the form, as a person would (with the current TOTP code where one is needed).

    The app allows 10 sign-in attempts a minute from one address, and every test here signs in
    from 127.0.0.1 within seconds of the others: keep the module under that.
    """
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    code = code or live_app.code(username)
    if code:
        page.get_by_label("Authenticator code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    settle(page)


def settle(page) -> None:
    """Let a page's map finish loading, so that leaving the page aborts none of its requests."""
    if page.locator("#map").count():
        page.locator("#map[data-loaded]").wait_for(state="attached")
