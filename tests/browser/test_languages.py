"""The language picker in a real browser: a German browser still gets English; choosing Deutsch (a plain form
post) turns the pages German, the texts the page's script writes included, and it stays for the session."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP
from tests.browser.test_accessibility import axe_violations
from tests.factories import stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_german_translates_the_pages(chromium, live_server, staff_user, password):
    stocked(5, sku="SPR-1", name="Kiste", user=staff_user)
    # A German browser (Accept-Language: de-DE): the pages stay English until the user chooses.
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_label("Email").fill(staff_user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

        page.get_by_label("Language").select_option("de")
        page.get_by_role("button", name="Change").click()
        expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "de")
        assert axe_violations(page) == []

        page.goto("/stock/movements/new/")
        heading = page.locator("#movement-heading")
        expect(heading).to_have_text("Wareneingang (IN)")
        page.locator("#id_change_type").select_option("OUT")  # the script's heading, in German too
        expect(heading).to_have_text("Warenausgang (OUT)")
        page.locator("#id_product").fill("NO-SUCH-CODE")
        page.locator("#id_product").press("Enter")
        expect(page.get_by_text(re.compile("Kein Artikel mit der Artikelnummer"))).to_be_visible(timeout=15_000)

        page.get_by_role("link", name="Verlauf").first.click()  # the choice stays while the session lasts
        expect(page.get_by_role("heading", name="Bestandsverlauf")).to_be_visible()
        page.get_by_label("Sprache").select_option("en")
        page.get_by_role("button", name="Wechseln").click()
        expect(page.get_by_role("heading", name="Stock history")).to_be_visible()
    finally:
        context.close()
