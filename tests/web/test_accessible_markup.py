"""Accessibility in the markup itself (the browser test runs axe-core on the rendered pages): scrollable tables
are labelled regions a keyboard can reach, flash messages stay a list inside a status region, a skip link leads
to the main content, the login form puts the cursor on Password after a wrong password, the API docs declare
their language, and what the page walk leaves out is really not a page."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser.pages import NOT_PAGES, html_patterns
from tests.factories import stocked
from tests.web.conftest import form_token

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# The project's templates and every app's own (one level down: never .venv or node_modules).
TEMPLATES = sorted(path for folder in ROOT.glob("*/templates") for path in folder.rglob("*.html")) + sorted(
    (ROOT / "templates").rglob("*.html")
)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_scrollable_table_is_a_labelled_focusable_region(path):
    for tag in re.findall(r"<div[^>]*\btable-wrap\b[^>]*>", path.read_text()):
        assert 'role="region"' in tag and 'tabindex="0"' in tag and re.search(r'aria-label="[^"]+"', tag), tag


def test_messages_are_a_list_inside_a_status_region(staff_web):
    stocked(10, sku="MSG-1")
    page = staff_web.get("/stock/movements/new/")
    data = {"form_token": form_token(page), "product": "MSG-1", "change_type": "IN", "quantity": "2"}
    html = staff_web.post("/stock/movements/new/", data, follow=True).content.decode()
    region = re.search(r'<div class="messages" role="status">\s*<ul>\s*<li class="message success">([^<]*)</li>', html)
    assert region and "Recorded IN 2" in region.group(1)
    assert 'role="status"' not in staff_web.get("/").content.decode()  # no empty region without messages


def test_skip_link_leads_to_main(staff_web):
    html = staff_web.get("/").content.decode()
    assert re.search(r'<body>\s*<a class="skip-link" href="#main">Skip to content</a>', html)
    assert '<main class="content" id="main" tabindex="-1">' in html


def test_wrong_password_puts_the_cursor_on_password(client, staff_user):
    form = client.get("/login/").content.decode()
    assert re.search(r'<input[^>]*name="username"[^>]*autofocus', form)
    html = client.post("/login/", {"username": staff_user.email, "password": "not-the-password-1"}).content.decode()
    username = re.search(r'<input[^>]*name="username"[^>]*>', html).group(0)
    password = re.search(r'<input[^>]*name="password"[^>]*>', html).group(0)
    assert "autofocus" in password and "autofocus" not in username
    assert f'value="{staff_user.email}"' in username
    # An empty email: the cursor stays on Email.
    html = client.post("/login/", {"username": "", "password": "x"}).content.decode()
    assert re.search(r'<input[^>]*name="username"[^>]*autofocus', html)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_declare_their_language(client, path):
    html = client.get(path).content.decode()
    assert re.match(r'<!DOCTYPE html>\s*<html lang="en">', html), html[:200]


def test_what_the_page_walk_leaves_out_is_not_a_page(admin_web):
    names = {name for name, _route, _parameters in html_patterns()}
    assert set(NOT_PAGES) <= names, set(NOT_PAGES) - names
    for name, route, parameters in html_patterns():
        if name not in NOT_PAGES:
            continue
        kwargs = {parameter: 1 if parameter == "pk" else "ship" for parameter in parameters}
        response = admin_web.get(reverse(name, kwargs=kwargs or None))
        kind = response.headers.get("Content-Type", "")
        assert response.status_code in (302, 404, 405) or "json" in kind or "csv" in kind, (
            name,
            route,
            response.status_code,
        )
