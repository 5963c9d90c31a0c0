"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Pages run in a real browser with the real Content Security Policy, so a blocked inline script
or a broken static path fails here. Every test can save screenshots under
`test-artifacts/screenshots/`, which CI keeps.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from passports.services.organisations import person_create
from tests.conftest import Actor

# Playwright's synchronous API runs an event loop in this thread; the ORM calls that the
# fixtures make between page actions are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "a-long-test-password"
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    """Debian's Chromium, or the one CHROMIUM names; never a browser Playwright downloads."""
    named = os.environ.get("CHROMIUM")
    return named or shutil.which("chromium") or shutil.which("chromium-browser")


def launch_chromium(playwright, *extra_args: str):
    """Starts headless Chromium, skipping (or failing under REQUIRE_BROWSER) when it is missing."""
    path = chromium_path()
    if path is None:
        message = "needs Chromium (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message + " (REQUIRE_BROWSER is set)")
        pytest.skip(message)
    return playwright.chromium.launch(
        executable_path=path, headless=True, args=["--no-sandbox", *extra_args]
    )


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_instance):
    browser = launch_chromium(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def new_page(chromium, live_server) -> Iterator[Callable]:
    """Opens pages on the live server: `new_page(user=None, locale="en-GB", phone=False)`.

    With a user, the page carries that user's session cookie, as after signing in."""
    contexts = []

    def open_page(user=None, locale: str = "en-GB", phone: bool = False, browser=None):
        context = (browser or chromium).new_context(
            base_url=live_server.url,
            locale=locale,
            viewport=PHONE if phone else {"width": 1280, "height": 900},
            accept_downloads=True,
        )
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"]
            context.add_cookies(
                [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def person() -> Callable:
    """Creates a person who signs in for the actor's organisation: `person(actor, "name")`."""

    def create(actor: Actor, username: str | None = None):
        name = username or f"{actor.organisation.kind}-{str(actor.organisation.id)[:6]}"
        return person_create(organisation=actor.organisation, username=name, password=PASSWORD)

    return create


@pytest.fixture
def screenshot(request) -> Callable:
    """Saves a full-page screenshot as `test-artifacts/screenshots/<test>-<label>.png`."""

    def save(page, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
