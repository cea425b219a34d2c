"""A report page through the API comes from the cache already encoded: the same bytes DRF's renderer makes of it,
and a warm page encodes nothing but its envelope."""

import json

import pytest
from django.db import transaction
from rest_framework.renderers import JSONRenderer

from reports.tests.factories import ProductFactory
from stock.services import record_movement

pytestmark = pytest.mark.django_db

PAGES = [
    "/api/v1/reports/stock",
    "/api/v1/reports/stock?page_size=2",
    "/api/v1/reports/stock?page=2&page_size=2",
    "/api/v1/reports/stock?page=last&page_size=2&sort_by=name&sort_order=desc",
    "/api/v1/reports/low-stock",
    "/api/v1/reports/movements?group_by=product",
    "/api/v1/reports/movements?group_by=day",
    "/api/v1/reports/top-products",
]


@pytest.fixture
def stocked(admin_user):
    products = [ProductFactory(name=name, min_quantity=4) for name in ("Bolt ü", "Nut \u2028", "Washer", "Screw")]
    with transaction.atomic():
        for quantity, product in enumerate(products, start=2):
            record_movement(product=product, change_type="IN", quantity=quantity, user=admin_user)
        record_movement(product=products[1], change_type="OUT", quantity=1, user=admin_user, reason="sale")
    return products


@pytest.mark.parametrize("path", PAGES)
def test_the_bytes_drf_would_render_cold_and_warm(admin_client, stocked, path):
    # The indented answer is DRF's own rendering of the page (no cached bytes): the reference.
    reference = admin_client.get(path, HTTP_ACCEPT="application/json; indent=2")
    assert reference.status_code == 200
    expected = JSONRenderer().render(reference.json())
    for accept in (None, "application/json", "*/*", None):  # the first computes, the rest are warm
        response = admin_client.get(path, **({"HTTP_ACCEPT": accept} if accept else {}))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.content == expected
    assert json.loads(expected)["results"], "a page with rows"


def test_a_warm_page_encodes_only_its_envelope(admin_client, stocked, monkeypatch):
    path = "/api/v1/reports/stock?page_size=3"
    first = admin_client.get(path).content
    rendered = []
    original = JSONRenderer.render

    def counting(self, data, *args, **kwargs):
        rendered.append(data)
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(JSONRenderer, "render", counting)
    assert admin_client.get(path).content == first
    assert [set(data) for data in rendered] == [{"count", "next", "previous"}]


def test_a_page_past_the_last_is_still_a_404(admin_client, stocked):
    response = admin_client.get("/api/v1/reports/stock?page=9&page_size=2")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_the_encoded_page_follows_a_movement(admin_client, admin_user, stocked, django_capture_on_commit_callbacks):
    product = stocked[0]
    path = f"/api/v1/reports/stock?search={product.sku}"
    assert admin_client.get(path).json()["results"][0]["on_hand"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        record_movement(product=product, change_type="IN", quantity=5, user=admin_user)
    assert admin_client.get(path).json()["results"][0]["on_hand"] == 7
