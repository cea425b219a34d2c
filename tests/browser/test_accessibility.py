"""axe-core on every page (WCAG 2.2 AA and axe's best practices): no serious or critical violation, as staff and
as admin, in the light and the dark colour scheme; and the keyboard paths axe cannot judge (skip link, focus
ring, the login form after a wrong password).

axe-core comes from the npm registry (package.json, pinned by package-lock.json; `make test` runs `npm ci`) and
is injected from node_modules with Playwright's add_script_tag(path=...): the context bypasses the page's CSP for
that one inline script. The pages come from the URL patterns (tests/browser/pages.py) over the demo's data.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, logged_in_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# In the dark scheme only colours differ from the light one: its run needs only the rules about colour.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
RUN_AXE = """async ([type, values]) => {
  const result = await axe.run(document, {runOnly: {type, values}, resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ` + v.nodes.slice(0, 3).map((n) => n.target.join(" ")
      + (n.failureSummary ? " [" + n.failureSummary.replace(/\\s+/g, " ").slice(0, 160) + "]" : "")).join(" | "));
}"""


def axe_violations(page, *, colours_only=False) -> list[str]:
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)"
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, ["rule", COLOUR_RULES] if colours_only else ["tag", AXE_TAGS])


def audit_pages(chromium, live_server, urls, *, state=None, scheme="light", viewport=DESKTOP) -> list[str]:
    """axe-core on each page once: a redirect to a page already audited (/login/ when signed in) and every 403
    after the first (a staff user on the reports) are the same page again."""
    context = chromium.new_context(
        base_url=live_server.url, viewport=viewport, color_scheme=scheme, bypass_csp=True, storage_state=state
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    found, seen = [], set()
    try:
        for url in urls:
            response = page.goto(url)
            assert response is not None and "text/html" in response.headers.get("content-type", ""), url
            same = response.status if response.status == 403 else page.url
            if same in seen:
                continue
            seen.add(same)
            found += [f"{url}: {violation}" for violation in axe_violations(page, colours_only=scheme == "dark")]
    finally:
        context.close()
    return found


def test_every_page_has_no_serious_violation(chromium, live_server, demo, sessions):
    found = []
    for scheme in ("light", "dark"):
        # Signed out: the login page and a page that does not exist (the login error: the keyboard test below).
        found += audit_pages(chromium, live_server, ["/login/", "/no-such-page/"], scheme=scheme)
        for role, state in sessions.items():
            # In the dark scheme only the colours change (so only the colour rules run): staff's own pages (the
            # dashboard, the 403 page), and every page as an admin, who sees them all.
            urls = demo if scheme == "light" or role == "admin" else ["/", "/reports/"]
            pages = audit_pages(chromium, live_server, urls, state=state, scheme=scheme)
            found += [f"{scheme} {role} {line}" for line in pages]
    assert found == [], "axe-core found serious or critical violations:\n" + "\n".join(found)


def audit_login_error(chromium, live_server, email, *, scheme) -> list[str]:
    """The login form re-shown after a wrong password: its alert, and the cursor on Password."""
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("wrong-password-2026")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("incorrect")
        expect(page.get_by_label("Password")).to_be_focused()
        expect(page.get_by_label("Email")).to_have_value(email)
        return [f"/login/ after a wrong password: {violation}" for violation in axe_violations(page)]
    finally:
        context.close()


# The focus ring's width and its contrast against what is behind the element (the ring sits 2 px outside it).
RING = """(element) => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((c) => c / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let behind = element.parentElement;
  while (behind && (rgb(getComputedStyle(behind).backgroundColor)[3] === 0)) { behind = behind.parentElement; }
  const back = behind ? rgb(getComputedStyle(behind).backgroundColor) : [255, 255, 255];
  const style = getComputedStyle(element);
  const [a, b] = [luminance(rgb(style.outlineColor)), luminance(back)].sort((x, y) => y - x);
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth), contrast: (a + 0.05) / (b + 0.05)};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_skip_link_focus_ring_and_login_error(chromium, live_server, staff_user, password, scheme):
    assert audit_login_error(chromium, live_server, staff_user.email, scheme=scheme) == []
    state = logged_in_state(chromium, live_server, staff_user, password)
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, color_scheme=scheme, storage_state=state)
    page = context.new_page()
    try:
        page.goto("/")  # a page that puts the cursor nowhere by itself
        # The scheme is the system's (prefers-color-scheme): a dark page in dark mode, a light one otherwise.
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(13, 17, 23)" if scheme == "dark" else "rgb(245, 247, 249)"), background
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        # Each kind of thing a keyboard lands on: a top-bar link, a field, a button, a tile, a link in a card.
        rings = []
        page.goto("/stock/movements/new/")
        for locator in [
            page.locator(".topbar nav a").first,
            page.get_by_label("Quantity"),
            page.locator("form.entry-form button[type=submit]").first,
        ]:
            locator.focus()
            rings.append(locator.evaluate(RING))
        page.goto("/")
        for locator in [page.locator(".tile.primary"), page.locator("main a").last]:
            locator.focus()
            rings.append(locator.evaluate(RING))
        for ring in rings:
            assert ring["style"] == "solid" and ring["width"] >= 2 and ring["contrast"] >= 3, rings
    finally:
        context.close()
