"""Tablet and narrow layouts, measured in Chromium over the demo's data: at 800 px no page scrolls sideways
(every page of the URL walk, as staff and admin); the history and product tables fit without scrolling, SKUs on
one line and the row actions in view; the low-stock report shows its decision columns at 1366 px; the
dashboard's mini-tables stay inside their cards; chart labels render at 11 px or more on a tablet; the movement
form fits a 320 px phone."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 800, "height": 1000}
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 320, "height": 640}

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# The rendered size of every chart label: its font size in the viewBox times the SVG's scale.
CHART_LABELS = """() => Array.from(document.querySelectorAll("svg.chart")).flatMap((svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return Array.from(svg.querySelectorAll("text")).map((text) =>
    [text.textContent, parseFloat(getComputedStyle(text).fontSize) * scale]);
})"""
# Cells whose text wraps onto a second line (a Range over the text has one client rect per line).
WRAPPED = """(selector) => Array.from(document.querySelectorAll(selector)).filter((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top)));
  return tops.size > 1;
}).map((cell) => cell.textContent.trim())"""
# How far an element sticks out of its container on the right (0 or less: inside).
STICKS_OUT = """([inner, outer]) => Array.from(document.querySelectorAll(outer)).flatMap((box) =>
  Array.from(box.querySelectorAll(inner)).map((element) =>
    element.getBoundingClientRect().right - box.getBoundingClientRect().right))"""


def open_page(chromium, live_server, state, viewport):
    context = chromium.new_context(base_url=live_server.url, viewport=viewport, storage_state=state)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_no_page_scrolls_sideways_on_a_tablet(chromium, live_server, demo, sessions):
    wide = []
    for role, state in sessions.items():
        context, page = open_page(chromium, live_server, state, TABLET)
        try:
            for url in ["/login/", *demo] if role == "staff" else demo:
                page.goto(url)
                overflow = page.evaluate(OVERFLOW)
                if overflow > 0:
                    wide.append(f"{role} {url}: {overflow} px wider than the viewport")
        finally:
            context.close()
    assert wide == []


def test_tablet_tables_charts_and_cards(chromium, live_server, demo, sessions):
    context, page = open_page(chromium, live_server, sessions["admin"], TABLET)
    try:
        for url, sku, actions in [("/stock/movements/", "td .sku", None), ("/products/", "td .sku", "td.row-actions")]:
            page.goto(url)
            wrap = page.locator(".table-wrap").first
            assert wrap.evaluate("(box) => box.scrollWidth - box.clientWidth") <= 0, f"{url}: the table scrolls"
            assert page.evaluate(WRAPPED, sku) == [], f"{url}: SKUs wrap"
            if actions:
                assert page.evaluate(WRAPPED, actions) == [], f"{url}: actions wrap"
                assert max(page.evaluate(STICKS_OUT, [actions, ".table-wrap"])) <= 0
        page.goto("/")
        assert max(page.evaluate(STICKS_OUT, ["table", ".card"])) <= 0, "a dashboard table leaves its card"
        charts = ["/reports/", "/reports/movements/", "/reports/top-products/", "/reports/top-products/?direction=in"]
        for url in charts:
            page.goto(url)
            labels = page.evaluate(CHART_LABELS)
            assert labels, url
            small = [(text, round(size, 1)) for text, size in labels if size < 11]
            assert small == [], f"{url}: chart labels under 11 px: {small[:5]}"
    finally:
        context.close()


def test_dashboard_cards_hold_their_tables_on_a_laptop(chromium, live_server, demo, sessions):
    context, page = open_page(chromium, live_server, sessions["admin"], {"width": 1280, "height": 900})
    try:
        page.goto("/")
        assert max(page.evaluate(STICKS_OUT, ["table", ".card"])) <= 0, "a dashboard table leaves its card"
        page.set_viewport_size(LAPTOP)
        page.goto("/reports/low-stock/")
        wrap = page.locator(".table-wrap").first.bounding_box()
        for name in ["Shortfall", "Suggested reorder", "Days of cover"]:
            header = page.get_by_role("columnheader", name=name).bounding_box()
            assert header and header["x"] + header["width"] <= min(wrap["x"] + wrap["width"], LAPTOP["width"]), name
    finally:
        context.close()


def test_the_movement_form_fits_a_phone(chromium, live_server, demo, sessions):
    context, page = open_page(chromium, live_server, sessions["staff"], PHONE)
    try:
        for url in ["/stock/movements/new/", "/stock/movements/new/?type=OUT", "/stock/counts/new/"]:
            page.goto(url)
            assert page.evaluate(OVERFLOW) <= 0, url
            outside = page.evaluate(
                "() => Array.from(document.querySelectorAll('form.entry-form input:not([type=hidden]), "
                "form.entry-form select, form.entry-form textarea, form.entry-form button'))"
                ".filter((e) => e.getBoundingClientRect().right > window.innerWidth).map((e) => e.name)"
            )
            assert outside == [], (url, outside)
    finally:
        context.close()
