"""Playwright (sync API) against pytest-django's live server, in Debian's headless Chromium.

A failing test leaves a full-page screenshot in the temporary folder (its path is printed).
"""

import os
import re
import tempfile

import pytest

from tests.browser.pages import load_demo_data, page_urls

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 900}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, request):
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-120:]
        path = os.path.join(tempfile.gettempdir(), f"browser-failure-{name}.png")
        try:
            page.screenshot(path=path, full_page=True)
            print(f"\nscreenshot of the failure: {path}")
        except Exception as error:  # noqa: BLE001 - the test's own failure matters more
            print(f"\nno screenshot: {error}")
    context.close()


@pytest.fixture
def login(page, password):
    """Log in through the real form, as a person would."""

    def log_in(user):
        page.goto("/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/$"))
        return page

    return log_in


def logged_in_state(chromium, live_server, user, password) -> dict:
    """A session cookie for ``user``, logged in once through the real form, for the contexts that follow."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def demo(admin_user, staff_user):
    """The demo's data behind every page; the URLs of the pages to visit."""
    load_demo_data(admin_user, staff_user)
    urls, missing = page_urls()
    assert not missing, f"add a sample for these patterns to tests/browser/pages.py: {missing}"
    return urls


@pytest.fixture
def sessions(chromium, live_server, admin_user, staff_user, password):
    """A logged-in browser state by role ("staff", "admin")."""
    return {user.role: logged_in_state(chromium, live_server, user, password) for user in (staff_user, admin_user)}
