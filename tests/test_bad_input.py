"""Bad input is a 400 (a form error on a page), never a 500: every date and text parameter of every endpoint and
page, found by walking the URL patterns, filter sets, OpenAPI schema and the pages' GET forms; deep JSON bodies.

Runs on SQLite and on PostgreSQL (which refuses NUL characters and where date overflows surface differently).
"""

import re
from functools import cache

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters import CharFilter

from inventory_site.params import MAX_TEXT_LENGTH
from tests.factories import stocked
from tests.web.conftest import form_token

pytestmark = pytest.mark.django_db

DATE_PARAMS = ("start_date", "end_date")
BAD_DATES = [
    "9999-12-31",
    "2024-02-30",
    "2023-13-01",
    "0001-01-01",
    "0000-01-01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-02-30T10:00:00",
    "2024-01-01\x00",
    "yesterday",
    "9" * 5000,
]
BAD_TEXT = ["\x00", "a\x00b", "x" * (MAX_TEXT_LENGTH + 1), "ü" * 5000]
ODD_VALUES = ["\x00", "-1", "0", "1e309", "true", "[]", "%", "'; --", "9" * 400]
PROBLEM = "application/problem+json"


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


@cache
def _schema_paths() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


@cache
def api_list_endpoints() -> dict[str, dict[str, str]]:
    """Every GET API path without path parameters -> {query parameter: "date" | "text" | "other"}."""
    endpoints: dict[str, dict[str, str]] = {}
    for route, callback in _walk(get_resolver()):
        view = getattr(callback, "cls", None)
        if not route.startswith("api/v1/") or "(?P<" in route or view is None or not hasattr(view, "get"):
            continue
        path = "/" + route.replace("^", "").replace("$", "").replace("/?", "")
        params: dict[str, str] = {}
        filterset = getattr(view, "filterset_class", None)
        for name, field in (filterset.base_filters.items() if filterset else []):
            params[name] = "text" if isinstance(field, CharFilter) else "other"
        for parameter in _schema_paths().get(path, {}).get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and parameter["name"] not in params:
                text = schema.get("type") == "string" and "enum" not in schema
                params[parameter["name"]] = "text" if text else "other"
        for name in DATE_PARAMS:
            if name in params:
                params[name] = "date"
        endpoints[path] = params
    return endpoints


def _cases(kind: str):
    endpoints = sorted(api_list_endpoints().items())
    return [(path, name) for path, params in endpoints for name, found in params.items() if found == kind]


def _assert_problem_400(response, name):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "invalid" and name in body["errors"], body


def test_the_walk_finds_the_endpoints_the_issue_names():
    found = {path: params for path, params in api_list_endpoints().items()}
    for path in ("/api/v1/orders", "/api/v1/stock/movements", "/api/v1/audit/events", "/api/v1/audit/login-attempts"):
        assert found[path]["start_date"] == found[path]["end_date"] == "date", path
    assert found["/api/v1/products"]["search"] == "text"
    assert found["/api/v1/reports/stock"]["search"] == "text"
    assert found["/api/v1/audit/events"]["action"] == "text"


@pytest.mark.parametrize(("path", "name"), _cases("date"))
@pytest.mark.parametrize("value", BAD_DATES, ids=lambda v: v[:30].encode("unicode_escape").decode())
def test_bad_dates_are_400_on_every_endpoint(admin_client, path, name, value):
    _assert_problem_400(admin_client.get(path, {name: value}), name)


@pytest.mark.parametrize(("path", "name"), _cases("text"))
@pytest.mark.parametrize("value", BAD_TEXT, ids=["nul", "inner-nul", "too-long", "huge"])
def test_nul_and_absurd_text_are_400_on_every_endpoint(admin_client, path, name, value):
    _assert_problem_400(admin_client.get(path, {name: value}), name)


@pytest.mark.parametrize("path", sorted(api_list_endpoints()))
def test_no_parameter_of_any_endpoint_gives_a_500(admin_client, path):
    stocked(3, sku="BAD-1")
    for name in api_list_endpoints()[path]:
        for value in [*ODD_VALUES, *BAD_DATES[:4]]:
            response = admin_client.get(path, {name: value})
            assert response.status_code < 500, (path, name, value[:20], response.status_code)


def test_good_dates_and_text_still_work(admin_client):
    assert admin_client.get("/api/v1/orders", {"start_date": "2024-02-29", "end_date": "9998-12-31"}).status_code == 200
    assert admin_client.get("/api/v1/stock/movements", {"end_date": "2026-03-01T10:00:00+01:00"}).status_code == 200
    assert admin_client.get("/api/v1/products", {"search": "ü" * MAX_TEXT_LENGTH}).status_code == 200
    response = admin_client.get("/api/v1/orders", {"start_date": "2026-03-02", "end_date": "2026-03-01"})
    _assert_problem_400(response, "end_date")


# --- HTML pages: every field of their GET filter forms ---------------------------------------------
PAGES = [
    "/stock/movements/",
    "/products/",
    "/orders/",
    "/reports/stock/",
    "/reports/low-stock/",
    "/reports/movements/",
    "/reports/top-products/",
]


def _filter_names(html: str) -> list[str]:
    forms = re.findall(r'<form[^>]*method="get"[^>]*>(.*?)</form>', html, flags=re.S)
    assert forms, "the page has a filter form"
    return sorted({name for form in forms for name in re.findall(r'name="([^"]+)"', form)})


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_bad_filters_with_a_form_error(admin_web, url):
    stocked(2, sku="PAGE-1")
    names = _filter_names(admin_web.get(url).content.decode())
    for name in names:
        for value in [*BAD_TEXT, *BAD_DATES, *ODD_VALUES]:
            response = admin_web.get(url, {name: value})
            assert response.status_code in (200, 400), (url, name, value[:20], response.status_code)
    for name in set(names) & set(DATE_PARAMS):
        for value in ("9999-12-31", "2024-02-30", "2023-13-01", "0001-01-01"):
            response = admin_web.get(url, {name: value})
            assert response.status_code == 400, (url, name, value)
            assert re.search(r'class="(field-error|errors)"', response.content.decode()), (url, name, value)


def test_history_page_end_date_9999_is_a_form_error(staff_web):
    response = staff_web.get("/stock/movements/", {"end_date": "9999-12-31"})
    assert response.status_code == 400
    assert "out of range" in response.context["form"].errors["end_date"][0]


@pytest.mark.parametrize("url", ["/products/", "/orders/", "/stock/movements/"])
def test_pages_answer_nul_in_text_with_a_form_error(admin_web, url):
    field = "product" if url == "/stock/movements/" else "search"
    response = admin_web.get(url, {field: "a\x00"})
    assert response.status_code == 400 and response.context["form"].errors[field]


@pytest.mark.parametrize("q", ["\x00", "abc\x00", "x" * (MAX_TEXT_LENGTH + 1)], ids=["nul", "inner-nul", "too-long"])
def test_product_lookup_refuses_nul_and_absurd_text(staff_web, q):
    _assert_problem_400(staff_web.get("/products/lookup/", {"q": q}), "q")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/stock/movements/new/", "product"),
        ("/stock/counts/new/", "product"),
        ("/orders/new/", "items-0-product"),
    ],
)
def test_entry_forms_answer_nul_in_the_product_with_a_form_error(staff_web, url, field):
    data = {"form_token": form_token(staff_web.get(url)), "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0"}
    response = staff_web.post(url, {**data, field: "SKU\x00", "quantity": "1", "items-0-quantity": "1"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


# --- Deep JSON: a 400 from the parser on every JSON endpoint, anonymous or not ------------------------
DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 50 + "1" + "}" * 50


def _body_operations():
    for path, operations in sorted(_schema_paths().items()):
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):  # multipart-only: no JSON
                yield method, re.sub(r"\{[^}]+\}", "999999", path)


def test_an_anonymous_deeply_nested_login_is_a_400(api_client):
    response = api_client.post("/api/v1/auth/token", DEEP, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "invalid" and "nested" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), list(_body_operations()))
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["1000-arrays", "50-objects"])
def test_deep_json_is_a_400_on_every_json_endpoint(api_client, admin_client, method, path, body):
    anonymous = getattr(api_client, method)(path, body, content_type="application/json")
    assert anonymous.status_code in (400, 401), anonymous.status_code
    response = getattr(admin_client, method)(path, body, content_type="application/json")
    if "999999" in path:
        assert response.status_code in (400, 404), response.status_code
    else:
        assert response.status_code == 400, response.content[:300]
        assert response["Content-Type"].startswith(PROBLEM)


def test_ordinary_nesting_still_parses(admin_client):
    product = stocked(5, sku="DEEP-OK")
    body = {"customer_name": "Ann", "items": [{"product_id": product.pk, "quantity": 1}]}
    assert admin_client.post("/api/v1/orders", body, format="json").status_code == 202
