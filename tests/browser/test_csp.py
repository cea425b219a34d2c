"""The Content-Security-Policy holds in a real browser: /docs, /redoc and the app pages render with no
violation reported (the page's securitypolicyviolation events and the console), and nothing remote loads."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collected from the first script on every page, before any of the page's own code runs.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} (${where})`);
});
"""
# ReDoc's sidebar shows a logo from cdn.redoc.ly: the CSP refuses it (nothing remote). Removing that request
# altogether is the "no request to another host" item of the deploy section; until then this one refusal is
# expected and every other violation fails the test.
REDOC_REMOTE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
def watched(page, live_server):
    """The page, with every CSP violation and every request to another origin recorded."""
    page.add_init_script(COLLECT_VIOLATIONS)
    console: list[str] = []
    remote: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith((live_server.url, "data:", "blob:")) else remote.append(request.url)
        ),
    )

    def violations() -> list[str]:
        reported = page.evaluate("window.__cspViolations || []")
        logged = [text for text in console if "Content Security Policy" in text or "Content-Security-Policy" in text]
        return [entry for entry in reported + logged if REDOC_REMOTE_LOGO not in entry]

    page.violations = violations
    page.remote_requests = remote
    return page


def settle(page):
    page.wait_for_load_state("networkidle")


def test_swagger_ui_renders_under_the_policy(watched):
    response = watched.goto("/docs")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("Inventory service API")
    expect(watched.locator(".opblock").first).to_be_visible()
    watched.locator(".opblock-summary").first.click()  # expand an operation: more of the UI runs
    settle(watched)
    assert watched.violations() == []
    assert watched.remote_requests == []


def test_redoc_renders_under_the_policy(watched):
    response = watched.goto("/redoc")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "worker-src 'self' blob:" in policy
    # ReDoc renders the whole schema in the page before its first heading: slow on a busy machine.
    expect(watched.locator("h1").first).to_contain_text("Inventory service API", timeout=30_000)
    expect(watched.get_by_role("menuitem").first).to_be_visible()
    watched.get_by_placeholder("Search...").fill("orders")  # the search runs in ReDoc's worker
    settle(watched)
    assert watched.violations() == []


def test_app_pages_have_no_violation(watched, login, staff_user):
    stocked(5, sku="CSP-1", name="Policy crate")
    watched.goto("/login/")
    expect(watched.get_by_label("Email")).to_be_visible()
    login(staff_user)
    settle(watched)
    watched.goto("/stock/movements/new/")
    product = watched.get_by_label("Product")
    product.fill("CSP-1")
    product.press("Enter")
    expect(watched.locator('#product-stock [data-stock="on_hand"]')).to_have_text("5")
    watched.goto("/orders/new/")
    watched.get_by_role("button", name=re.compile("Add line", re.I)).click()
    settle(watched)
    watched.goto("/stock/documents/new/?kind=receipt")
    watched.locator("#id_lines-0-product").fill("CSP-1")
    watched.locator("#id_lines-0-product").press("Enter")
    watched.locator("#id_lines-0-quantity").fill("1")
    watched.locator("#id_lines-0-quantity").press("Enter")
    expect(watched.locator("[data-line]")).to_have_count(2)
    for path in ("/stock/documents/", "/locations/"):
        watched.goto(path)
        settle(watched)
    assert watched.violations() == []
    assert watched.remote_requests == []


def test_admin_pages_have_no_violation(watched, login, admin_user):
    login(admin_user)
    watched.goto("/admin/accounts/user/")
    expect(watched.locator("#result_list")).to_be_visible()
    watched.goto(f"/admin/accounts/user/{admin_user.pk}/change/")
    settle(watched)
    assert watched.violations() == []
