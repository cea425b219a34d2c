"""Languages: English by default whatever the browser asks for, German once chosen with the picker (dates and
numbers too), the JSON API always English, and the German catalogue complete and compiled by the build."""

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

from orders.services import place_order
from tests.factories import ProductFactory, stocked

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """`make run` and `make test` compile the catalogue; a bare pytest run compiles it here if it is stale."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["de"], ignore_patterns=[".venv", "node_modules"], verbosity=0)
        trans_real._translations = {}  # a catalogue loaded before the .mo existed is forgotten
        trans_real._default = None
    yield


def choose(client, language: str, next_url: str = "/"):
    """The picker's POST (Django's set_language), as the form in templates/base.html sends it."""
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302 and response.url == next_url
    return response


def test_english_by_default_and_accept_language_alone_changes_nothing(client):
    for header in ({}, {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}):
        response = client.get("/login/", **header)
        html = response.content.decode()
        assert '<html lang="en">' in html and ">Log in</button>" in html and "Anmelden" not in html
        assert response.headers["Content-Language"] == "en"


def test_the_picker_works_without_javascript_and_names_each_language_in_itself(staff_web):
    html = staff_web.get("/").content.decode()
    form = re.search(r'<form class="language" method="post" action="/i18n/setlang/">.*?</form>', html, re.S)
    assert form and 'name="csrfmiddlewaretoken"' in form.group(0) and 'type="submit"' in form.group(0)
    assert '<option value="en" lang="en" selected>English</option>' in form.group(0)
    assert '<option value="de" lang="de">Deutsch</option>' in form.group(0)


def test_a_chosen_language_translates_the_pages_dates_and_numbers(staff_web, staff_user):
    ProductFactory(sku="DE-PRICE", name="Teurer Hammer", unit_price=Decimal("1234.50"))
    stocked(5, sku="DE-1", name="Kiste", user=staff_user)
    english = staff_web.get("/products/").content.decode()
    assert "1,234.50 EUR" in english and ">Products</h1>" in english
    choose(staff_web, "de", "/products/")
    german = staff_web.get("/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de">' in german and ">Artikel</h1>" in german and "Abmelden" in german
    assert "1.234,50 EUR" in german  # numbers follow the language
    dashboard = staff_web.get("/").content.decode()
    assert "Übersicht" in dashboard and "Wareneingang (IN)" in dashboard and "Dashboard</h1>" not in dashboard
    dated = staff_web.get("/stock/movements/").content.decode()
    assert re.search(r"<time datetime=\"[^\"]+\">\d\d\.\d\d\.\d{4} \d\d:\d\d UTC</time>", dated)  # dates too
    # A message written by a view, in the chosen language.
    page = staff_web.get("/stock/movements/new/").content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', page).group(1)
    data = {"form_token": token, "product": "DE-1", "change_type": "IN", "quantity": "2"}
    recorded = staff_web.post("/stock/movements/new/", data, follow=True).content.decode()
    assert "Erfasst: IN 2 × Kiste." in recorded and "hat jetzt 7 am Lager" in recorded
    choose(staff_web, "en")
    assert ">Dashboard</h1>" in staff_web.get("/").content.decode()


def test_the_json_api_is_never_translated(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    headers = {"HTTP_ACCEPT_LANGUAGE": "de"}
    missing = staff_client.post("/api/v1/stock/movements", {}, format="json", **headers)
    assert missing.status_code == 400, missing.content
    body = missing.content.decode()
    assert "This field is required." in body and "erforderlich" not in body
    assert missing.headers["Content-Language"] == "en"
    unknown = staff_client.get("/api/v1/products/999999", **headers)
    assert unknown.status_code == 404 and "Nicht" not in unknown.content.decode()
    anonymous = staff_client.__class__()
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    refused = anonymous.get("/api/v1/products", **headers)
    assert refused.status_code == 401 and "Authentication credentials were not provided." in refused.content.decode()


def test_an_unknown_language_choice_falls_back_to_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert '<html lang="en">' in client.get("/login/").content.decode()


def test_the_german_catalogue_is_complete():
    """Every message marked in the code has a German translation: no empty, no fuzzy entry."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is missing: apt-get install -y gettext"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"\d+ translated messages\.\s*", result.stderr), result.stderr
    with translation.override("de"):
        assert translation.gettext("Dashboard") == "Übersicht"


def test_the_build_compiles_the_translations():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^COMPILE_MESSAGES := .*manage\.py compilemessages", makefile, re.M)
    assert makefile.count("\t$(COMPILE_MESSAGES)") == 2  # make run's and make test's install steps
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gettext" in dockerfile and "manage.py compilemessages" in dockerfile
    assert "msgfmt" in (ROOT / ".ci" / "run").read_text()
    assert "*.mo" in (ROOT / ".gitignore").read_text().splitlines()


# --- domain errors and the admin, translated on the pages only ----------------------------------------------


def _issue_too_much(client, sku: str):
    """The movement form issuing more than is available: the service's InsufficientStock on the form."""
    page = client.get("/stock/movements/new/").content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', page).group(1)
    data = {"form_token": token, "product": sku, "change_type": "OUT", "quantity": "9"}
    return client.post("/stock/movements/new/", data)


def test_a_domain_error_on_a_page_is_in_the_chosen_language(staff_web, staff_user):
    stocked(5, sku="DE-SHORT", name="Kiste", user=staff_user)
    english = _issue_too_much(staff_web, "DE-SHORT")
    assert english.status_code == 400
    assert "Only 5 available." in english.content.decode() and "verfügbar." not in english.content.decode()
    choose(staff_web, "de", "/stock/movements/new/")
    german = _issue_too_much(staff_web, "DE-SHORT").content.decode()
    assert "Nur 5 verfügbar." in german and "Only 5 available." not in german


def test_the_same_domain_error_on_the_api_stays_english(staff_client, staff_user):
    product = stocked(5, sku="DE-API", name="Kiste", user=staff_user)
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    movement = {"product_id": product.pk, "change_type": "OUT", "quantity": 9}
    refused = staff_client.post("/api/v1/stock/movements", movement, format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["code"] == "insufficient_stock" and body["title"] == "Insufficient stock"
    assert body["detail"] == "Only 5 available." and body["available"] == 5
    assert type(refused.data["detail"]) is str and type(refused.data["title"]) is str  # rendered, not lazy
    assert refused.headers["Content-Language"] == "en"


def test_the_admin_is_in_the_chosen_language(admin_web, admin_user):
    product = stocked(5, sku="DE-ADMIN", name="Kiste", user=admin_user)
    place_order(user=admin_user, customer_name="Acme", items=[{"product_id": product.pk, "quantity": 1}])
    english = admin_web.get("/admin/orders/order/").content.decode()
    assert ">Ship the selected orders</option>" in english
    choose(admin_web, "de", "/admin/")
    orders = admin_web.get("/admin/orders/order/").content.decode()
    assert ">Ausgewählte Aufträge versenden</option>" in orders and "Ship the selected orders" not in orders
    products = admin_web.get("/admin/catalog/product/").content.decode()
    assert ">Meldebestand</a>" in products and ">Verfügbar</a>" in products  # display columns' headers
    assert "Knapp (verfügbar &lt;= Meldebestand)" in products  # a list filter's choice
    action = {"action": "deactivate", "_selected_action": [product.pk]}
    done = admin_web.post("/admin/catalog/product/", action, follow=True).content.decode()
    assert "1 product deaktiviert." in done  # an action's message


def test_every_message_of_the_code_has_its_german_translation(tmp_path):
    """makemessages over a copy of the code: a text marked in the code (template, view, service error, admin)
    but missing from the German catalogue, or fuzzy there, fails here with its msgid."""
    ignored = shutil.ignore_patterns(".git", ".venv", "node_modules", "staticfiles", "__pycache__", "*.mo")
    copy = tmp_path / "code"
    shutil.copytree(ROOT, copy, ignore=ignored)
    command = [sys.executable, "manage.py", "makemessages", "-l", "de", "-v0"]
    command += ["--ignore=.venv", "--ignore=node_modules", "--ignore=staticfiles"]
    environment = {**os.environ, "DJANGO_SECRET_KEY": "build-only"}
    result = subprocess.run(command, cwd=copy, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    missing = _untranslated((copy / PO.relative_to(ROOT)).read_text(encoding="utf-8"))
    assert not missing, f"no German translation in {PO.relative_to(ROOT)} for: {missing}"


def _untranslated(po: str) -> list[str]:
    """The msgids of ``po`` whose msgstr is empty or marked fuzzy (the header left out)."""
    missing = []
    for entry in po.split("\n\n"):
        texts: dict[str, list[str]] = {}
        key = None
        for line in entry.splitlines():
            if match := re.match(r'(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line):
                key = match.group(1)
                texts.setdefault(key, []).append(match.group(2))
            elif line.startswith('"') and key:
                texts[key].append(line[1:-1])
        msgid = "".join(texts.get("msgid", []))
        if not msgid or entry.lstrip().startswith("#~"):
            continue
        translations = ["".join(parts) for name, parts in texts.items() if name.startswith("msgstr")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in entry.splitlines())
        if fuzzy or not all(translations):
            missing.append(msgid)
    return missing
