"""An API client restricted to locations: its writes go to its first allowed location by default and are a 403
``location_forbidden`` elsewhere (a transfer needs both ends), its orders are allocated only there, and its reads
of movements, documents, levels and products show only those locations (with their sub-locations)."""

import pytest
from rest_framework.test import APIClient

from accounts import clients
from orders.services import process_pending_order
from stock import services
from stock.tests.factories import receive, stocked_product

pytestmark = pytest.mark.django_db

SCOPES = ["stock:read", "stock:write", "catalog:read", "orders:read", "orders:write"]


@pytest.fixture
def world(admin_user):
    wh2 = services.create_location(actor=admin_user, code="WH2", name="Second", kind="warehouse", priority=5)
    bay = services.create_location(
        actor=admin_user, code="WH2-B1", name="Bay", kind="bin", parent_id=wh2.pk, priority=10
    )
    product = stocked_product(10)  # at MAIN
    receive(product, 4, user=admin_user, location=bay)
    client = clients.create_client(actor=admin_user, name="Shop", scopes=SCOPES, location_ids=[wh2.pk])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {clients.create_key(actor=admin_user, client=client)[1]}")
    main = services.default_location()
    return {"api": api, "wh2": wh2, "bay": bay, "main": main, "product": product, "client": client}


def forbidden(answer):
    assert answer.status_code == 403, answer.content
    assert answer.json()["code"] == "location_forbidden"


def test_movements_and_counts_default_to_the_clients_location_and_refuse_others(world):
    api, product = world["api"], world["product"]
    moved = api.post(
        "/api/v1/stock/movements", {"product_id": product.pk, "change_type": "IN", "quantity": 2}, format="json"
    )
    assert moved.status_code == 201 and moved.json()["location_id"] == world["wh2"].pk
    at_bay = {"product_id": product.pk, "change_type": "OUT", "quantity": 1, "location_id": world["bay"].pk}
    assert api.post("/api/v1/stock/movements", at_bay, format="json").status_code == 201  # a sub-location
    at_main = {**at_bay, "location_id": world["main"].pk}
    forbidden(api.post("/api/v1/stock/movements", at_main, format="json"))
    counted = api.post("/api/v1/stock/counts", {"product_id": product.pk, "counted_quantity": 5}, format="json")
    assert counted.status_code == 201 and counted.json()["location_id"] == world["wh2"].pk
    forbidden(
        api.post(
            "/api/v1/stock/counts",
            {"product_id": product.pk, "counted_quantity": 5, "location_id": world["main"].pk},
            format="json",
        )
    )


def test_documents_need_every_location_they_name(world):
    api, product = world["api"], world["product"]
    lines = [{"product_id": product.pk, "quantity": 1}]
    receipt = api.post("/api/v1/stock/documents", {"kind": "receipt", "lines": lines}, format="json")
    assert receipt.status_code == 201 and receipt.json()["location_id"] == world["wh2"].pk
    forbidden(
        api.post(
            "/api/v1/stock/documents",
            {"kind": "receipt", "location_id": world["main"].pk, "lines": lines},
            format="json",
        )
    )
    transfer = {
        "kind": "transfer",
        "source_location_id": world["bay"].pk,
        "destination_location_id": world["main"].pk,
        "lines": lines,
    }
    forbidden(api.post("/api/v1/stock/documents", transfer, format="json"))
    inside = {**transfer, "destination_location_id": world["wh2"].pk}
    assert api.post("/api/v1/stock/documents", inside, format="json").status_code == 201


def test_reads_show_only_the_clients_locations(world, admin_client):
    api, product = world["api"], world["product"]
    movements = api.get("/api/v1/stock/movements").json()["results"]
    assert {m["location_id"] for m in movements} == {world["bay"].pk}
    assert len(admin_client.get("/api/v1/stock/movements").json()["results"]) == 2
    main_movement = admin_client.get(f"/api/v1/stock/movements?location_id={world['main'].pk}").json()["results"][0]
    assert api.get(f"/api/v1/stock/movements/{main_movement['id']}").status_code == 404
    level = api.get("/api/v1/stock/levels").json()["results"]
    assert [(row["product_id"], row["on_hand"]) for row in level if row["product_id"] == product.pk] == [
        (product.pk, 4)
    ]
    asked_main = api.get(f"/api/v1/stock/levels?location_id={world['main'].pk}").json()["results"]
    assert all(row["on_hand"] == 0 for row in asked_main)
    detail = api.get(f"/api/v1/products/{product.pk}").json()
    assert detail["stock"]["on_hand"] == 4
    assert [row["location_id"] for row in detail["stock"]["locations"]] == [world["bay"].pk]
    assert admin_client.get(f"/api/v1/products/{product.pk}").json()["stock"]["on_hand"] == 14


def test_documents_elsewhere_are_not_seen_or_touched(world, admin_user):
    api, product = world["api"], world["product"]
    elsewhere = services.create_document(
        kind="receipt", user=admin_user, lines=[{"product_id": product.pk, "quantity": 1}]
    )
    assert api.get(f"/api/v1/stock/documents/{elsewhere.pk}").status_code == 404
    assert elsewhere.pk not in [d["id"] for d in api.get("/api/v1/stock/documents").json()["results"]]
    assert api.post(f"/api/v1/stock/documents/{elsewhere.pk}/reverse").status_code == 404


def test_orders_are_allocated_only_at_the_clients_locations(world):
    api, product = world["api"], world["product"]
    order = {"customer_name": "Web", "items": [{"product_id": product.pk, "quantity": 3}]}
    placed = api.post("/api/v1/orders", order, format="json")
    assert placed.status_code == 202, placed.content
    process_pending_order(order_id=placed.json()["id"])
    body = api.get(f"/api/v1/orders/{placed.json()['id']}").json()
    assert body["status"] == "confirmed"
    assert body["items"][0]["allocations"] == [{"location_id": world["bay"].pk, "quantity": 3}]
    too_many = {"customer_name": "Web", "items": [{"product_id": product.pk, "quantity": 5}]}
    rejected = api.post("/api/v1/orders", too_many, format="json").json()["id"]
    process_pending_order(order_id=rejected)
    assert api.get(f"/api/v1/orders/{rejected}").json()["status"] == "rejected"  # MAIN's 10 are not its own
    forbidden(api.post("/api/v1/orders", {**order, "location_id": world["main"].pk}, format="json"))


def test_an_unrestricted_client_works_everywhere(world, admin_user):
    client = clients.create_client(actor=admin_user, name="ERP", scopes=SCOPES)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {clients.create_key(actor=admin_user, client=client)[1]}")
    moved = api.post(
        "/api/v1/stock/movements",
        {"product_id": world["product"].pk, "change_type": "IN", "quantity": 1},
        format="json",
    )
    assert moved.status_code == 201 and moved.json()["location_id"] == world["main"].pk
    assert api.get(f"/api/v1/products/{world['product'].pk}").json()["stock"]["on_hand"] == 15
