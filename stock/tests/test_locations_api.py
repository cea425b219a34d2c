"""Locations through the API: CRUD, filters and every rule of the contract's "Locations" section."""

import pytest

from catalog.tests.factories import ProductFactory
from inventory_site.cache import stock_version
from stock import services
from stock.models import MAIN_LOCATION_ID, TRANSIT_LOCATION_ID, Location, StockLevel, StockMovement
from stock.tests.factories import receive, transfer
from stock.tests.support import assert_problem, location

pytestmark = pytest.mark.django_db

LOCATIONS = "/api/v1/locations"
MOVEMENTS = "/api/v1/stock/movements"
COUNTS = "/api/v1/stock/counts"
DOCUMENTS = "/api/v1/stock/documents"
# The contract's fields, written out (not imported from the code they check).
LOCATION_KEYS = {"id", "code", "name", "parent_id", "kind", "is_sellable", "priority", "is_default", "is_active"}


def detail(pk: int) -> str:
    return f"{LOCATIONS}/{pk}"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["results"])


# --- create, read, update, delete ------------------------------------------------------------------------------


def test_admin_creates_a_location_with_the_contract_fields(admin_client):
    response = admin_client.post(LOCATIONS, {"code": "WH2", "name": "Second warehouse", "priority": 5}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == LOCATION_KEYS
    assert body == {
        "id": body["id"],
        "code": "WH2",
        "name": "Second warehouse",
        "parent_id": None,
        "kind": "warehouse",
        "is_sellable": True,
        "priority": 5,
        "is_default": False,
        "is_active": True,
    }
    assert admin_client.get(detail(body["id"])).json() == body


def test_everyone_signed_in_reads_locations_admins_write(staff_client, api_client):
    wh = location("WH2")
    listed = staff_client.get(LOCATIONS)
    assert listed.status_code == 200
    assert {"count", "next", "previous", "results"} <= set(listed.json())
    assert codes(listed) == ["MAIN", "TRANSIT", "WH2"]
    assert staff_client.get(detail(wh.pk)).json()["code"] == "WH2"
    assert_problem(staff_client.post(LOCATIONS, {"code": "X", "name": "X"}, format="json"), 403, "permission_denied")
    assert_problem(staff_client.patch(detail(wh.pk), {"name": "Y"}, format="json"), 403, "permission_denied")
    assert_problem(staff_client.delete(detail(wh.pk)), 403, "permission_denied")
    assert api_client.get(LOCATIONS).status_code == 401
    assert Location.objects.get(pk=wh.pk).name == "Location WH2"


def test_patch_changes_fields_and_delete_removes_an_unused_location(admin_client):
    wh = location("WH2")
    response = admin_client.patch(detail(wh.pk), {"name": "Renamed", "priority": -3, "code": "wh-2"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["priority"], response.json()["code"]) == ("Renamed", -3, "wh-2")
    assert admin_client.delete(detail(wh.pk)).status_code == 204
    assert not Location.objects.filter(pk=wh.pk).exists()
    assert_problem(admin_client.get(detail(wh.pk)), 404, "not_found")
    assert_problem(admin_client.patch(detail(99999), {"name": "x"}, format="json"), 404, "not_found")
    assert_problem(admin_client.delete(detail(99999)), 404, "not_found")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "No code"}, "code"),
        ({"code": "X"}, "name"),
        ({"code": "", "name": "Blank"}, "code"),
        ({"code": "X", "name": "Y", "kind": "shelf"}, "kind"),
        ({"code": "X", "name": "Y", "parent_id": 99999}, "parent_id"),
        ({"code": "X", "name": "Y", "parent_id": "1"}, "parent_id"),
        ({"code": "X", "name": "Y", "priority": 1.5}, "priority"),
        ({"code": "X", "name": "Y", "priority": "1"}, "priority"),
        ({"code": "X", "name": "Y", "is_active": "yes"}, "is_active"),
        ({"code": "X", "name": "Y", "is_sellable": None}, "is_sellable"),
        ({"code": "X", "name": "Y", "unknown_field": 1}, None),
    ],
)
def test_bad_location_input_is_400(admin_client, body, field):
    response = admin_client.post(LOCATIONS, body, format="json")
    if field is None:  # unknown fields are ignored, as everywhere in the API
        assert response.status_code == 201
        return
    assert_problem(response, 400, "invalid", field)
    assert not Location.objects.filter(code="X").exists()


# --- code ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["main", "Main", "MAIN", " main "])
def test_code_is_unique_in_any_case(admin_client, code):
    body = assert_problem(
        admin_client.post(LOCATIONS, {"code": code, "name": "Again"}, format="json"), 409, "duplicate_code"
    )
    assert "code" in body["errors"]
    assert Location.objects.count() == 2


def test_renaming_a_code_onto_another_in_another_case_is_409(admin_client):
    wh = location("WH2")
    assert_problem(admin_client.patch(detail(wh.pk), {"code": "transit"}, format="json"), 409, "duplicate_code")
    assert Location.objects.get(pk=wh.pk).code == "WH2"
    # Its own code in another case is not a duplicate.
    assert admin_client.patch(detail(wh.pk), {"code": "wh2"}, format="json").json()["code"] == "wh2"


def test_code_is_at_most_32_characters(admin_client):
    assert admin_client.post(LOCATIONS, {"code": "C" * 32, "name": "Long"}, format="json").status_code == 201
    assert_problem(
        admin_client.post(LOCATIONS, {"code": "D" * 33, "name": "Too long"}, format="json"), 400, "invalid", "code"
    )
    wh = location("WH2")
    assert_problem(admin_client.patch(detail(wh.pk), {"code": "E" * 33}, format="json"), 400, "invalid", "code")


# --- the tree --------------------------------------------------------------------------------------------------


def test_parent_cycles_are_400(admin_client):
    wh = location("WH2")
    zone = location("Z1", kind="zone", parent_id=wh.pk)
    bin_ = location("B1", kind="bin", parent_id=zone.pk)
    assert_problem(admin_client.patch(detail(wh.pk), {"parent_id": wh.pk}, format="json"), 400, "invalid", "parent_id")
    assert_problem(
        admin_client.patch(detail(wh.pk), {"parent_id": bin_.pk}, format="json"), 400, "invalid", "parent_id"
    )
    assert_problem(
        admin_client.patch(detail(zone.pk), {"parent_id": bin_.pk}, format="json"), 400, "invalid", "parent_id"
    )
    assert Location.objects.get(pk=wh.pk).parent_id is None
    # Moving a branch elsewhere is fine, and so is taking it out of the tree.
    assert admin_client.patch(detail(bin_.pk), {"parent_id": wh.pk}, format="json").json()["parent_id"] == wh.pk
    assert admin_client.patch(detail(bin_.pk), {"parent_id": None}, format="json").json()["parent_id"] is None


def test_a_location_with_sub_locations_is_not_deleted(admin_client):
    wh = location("WH2")
    location("Z1", kind="zone", parent_id=wh.pk)
    assert_problem(admin_client.delete(detail(wh.pk)), 409, "location_in_use")
    assert Location.objects.filter(pk=wh.pk).exists()


# --- filters ---------------------------------------------------------------------------------------------------


@pytest.fixture
def tree():
    wh = location("WH2", name="North warehouse", priority=2)
    zone = location("Z1", kind="zone", parent_id=wh.pk, name="Cold zone")
    bin_ = location("B1", kind="bin", parent_id=zone.pk, is_sellable=False)
    old = location("OLD", is_active=False, name="Closed shop")
    return {"wh": wh, "zone": zone, "bin": bin_, "old": old}


def test_location_filters(staff_client, tree):
    assert codes(staff_client.get(LOCATIONS, {"kind": "zone"})) == ["Z1"]
    assert codes(staff_client.get(LOCATIONS, {"kind": "transit"})) == ["TRANSIT"]
    assert codes(staff_client.get(LOCATIONS, {"parent_id": tree["wh"].pk})) == ["Z1"]
    assert codes(staff_client.get(LOCATIONS, {"parent_id": tree["zone"].pk})) == ["B1"]
    assert codes(staff_client.get(LOCATIONS, {"is_active": "false"})) == ["OLD"]
    assert codes(staff_client.get(LOCATIONS, {"is_active": "true"})) == ["B1", "MAIN", "TRANSIT", "WH2", "Z1"]
    assert codes(staff_client.get(LOCATIONS, {"is_default": "true"})) == ["MAIN"]
    assert "MAIN" not in codes(staff_client.get(LOCATIONS, {"is_default": "false"}))
    assert codes(staff_client.get(LOCATIONS, {"search": "wh"})) == ["WH2"]  # code, any case
    assert codes(staff_client.get(LOCATIONS, {"search": "cold"})) == ["Z1"]  # name
    assert codes(staff_client.get(LOCATIONS, {"search": "NORTH", "is_active": "true", "kind": "warehouse"})) == ["WH2"]


@pytest.mark.parametrize(
    "params", [{"kind": "shelf"}, {"is_active": "maybe"}, {"is_default": "2"}, {"parent_id": "x"}, {"sort_by": "nope"}]
)
def test_bad_location_filters_are_400(staff_client, params):
    assert_problem(staff_client.get(LOCATIONS, params), 400, "invalid")


def test_locations_sort(staff_client, tree):
    rows = staff_client.get(LOCATIONS, {"sort_by": "code", "sort_order": "desc"}).json()["results"]
    assert [row["code"] for row in rows] == sorted((row["code"] for row in rows), reverse=True)


# --- transit and the default -----------------------------------------------------------------------------------


def test_a_transit_location_is_never_sellable(admin_client):
    assert_problem(
        admin_client.post(
            LOCATIONS, {"code": "T2", "name": "Truck", "kind": "transit", "is_sellable": True}, format="json"
        ),
        400,
        "invalid",
        "is_sellable",
    )
    created = admin_client.post(LOCATIONS, {"code": "T2", "name": "Truck", "kind": "transit"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["is_sellable"] is False  # not sellable unless asked, and never when asked
    assert_problem(
        admin_client.patch(detail(created.json()["id"]), {"is_sellable": True}, format="json"), 400, "invalid"
    )
    assert_problem(
        admin_client.patch(detail(TRANSIT_LOCATION_ID), {"is_sellable": True}, format="json"), 400, "invalid"
    )
    wh = location("WH2")
    assert_problem(admin_client.patch(detail(wh.pk), {"kind": "transit"}, format="json"), 400, "invalid")
    assert Location.objects.get(pk=wh.pk).kind == "warehouse"


def test_the_system_transit_location_stays_an_active_transit_location(admin_client):
    assert_problem(
        admin_client.patch(detail(TRANSIT_LOCATION_ID), {"kind": "warehouse"}, format="json"), 400, "invalid"
    )
    assert_problem(admin_client.patch(detail(TRANSIT_LOCATION_ID), {"is_active": False}, format="json"), 400, "invalid")
    assert_problem(admin_client.delete(detail(TRANSIT_LOCATION_ID)), 409, "location_in_use")


def test_patch_is_default_moves_the_flag(admin_client):
    wh = location("WH2")
    response = admin_client.patch(detail(wh.pk), {"is_default": True}, format="json")
    assert response.status_code == 200 and response.json()["is_default"] is True
    assert list(Location.objects.filter(is_default=True).values_list("pk", flat=True)) == [wh.pk]
    assert admin_client.get(detail(MAIN_LOCATION_ID)).json()["is_default"] is False
    # A movement without a location now goes to the new default.
    product = ProductFactory()
    moved = admin_client.post(MOVEMENTS, {"product_id": product.pk, "change_type": "IN", "quantity": 3}, format="json")
    assert moved.json()["location_id"] == wh.pk


def test_creating_a_default_location_moves_the_flag(admin_client):
    response = admin_client.post(LOCATIONS, {"code": "WH2", "name": "New default", "is_default": True}, format="json")
    assert response.status_code == 201 and response.json()["is_default"] is True
    assert Location.objects.filter(is_default=True).count() == 1


@pytest.mark.parametrize(
    "fields, patch",
    [
        ({"is_active": False}, {"is_default": True}),
        ({"is_sellable": False}, {"is_default": True}),
        ({}, {"is_default": True, "is_active": False}),
        ({}, {"is_default": True, "is_sellable": False}),
    ],
)
def test_the_default_must_be_active_and_sellable(admin_client, fields, patch):
    wh = location("WH2", **fields)
    assert_problem(admin_client.patch(detail(wh.pk), patch, format="json"), 400, "invalid", "is_default")
    assert Location.objects.get(is_default=True).pk == MAIN_LOCATION_ID


def test_there_is_always_exactly_one_default(admin_client):
    assert_problem(admin_client.patch(detail(MAIN_LOCATION_ID), {"is_default": False}, format="json"), 400, "invalid")
    assert_problem(admin_client.patch(detail(MAIN_LOCATION_ID), {"is_active": False}, format="json"), 400, "invalid")
    assert_problem(admin_client.patch(detail(MAIN_LOCATION_ID), {"is_sellable": False}, format="json"), 400, "invalid")
    assert_problem(admin_client.patch(detail(TRANSIT_LOCATION_ID), {"is_default": True}, format="json"), 400, "invalid")
    assert_problem(admin_client.delete(detail(MAIN_LOCATION_ID)), 409, "location_in_use")
    assert_problem(
        admin_client.post(LOCATIONS, {"code": "D", "name": "D", "is_default": True, "is_active": False}, format="json"),
        400,
        "invalid",
    )
    assert list(Location.objects.filter(is_default=True).values_list("pk", flat=True)) == [MAIN_LOCATION_ID]


# --- in use ----------------------------------------------------------------------------------------------------


def test_deleting_a_location_with_movements_is_409(admin_client):
    wh = location("WH2")
    product = ProductFactory()
    receive(product, 5, location=wh)
    services.record_movement(product=product, change_type="OUT", quantity=5, user=None, location=wh)
    assert_problem(admin_client.delete(detail(wh.pk)), 409, "location_in_use")
    assert Location.objects.filter(pk=wh.pk).exists()
    assert StockMovement.objects.filter(location=wh).count() == 2


def test_a_location_whose_only_rows_never_held_stock_is_deleted(admin_client):
    wh = location("WH2")
    services.ensure_level(ProductFactory().pk, wh.pk)
    assert admin_client.delete(detail(wh.pk)).status_code == 204
    assert not StockLevel.objects.filter(location_id=wh.pk).exists()


def test_deactivating_a_location_with_active_reservations_is_409(admin_client):
    wh = location("WH2")
    product = ProductFactory()
    receive(product, 5, location=wh)
    services.allocate(lines=[(product.pk, 2)], reference="order:1", location_id=wh.pk)
    assert_problem(admin_client.patch(detail(wh.pk), {"is_active": False}, format="json"), 409, "location_in_use")
    assert Location.objects.get(pk=wh.pk).is_active is True
    services.release(reference="order:1")
    assert admin_client.patch(detail(wh.pk), {"is_active": False}, format="json").json()["is_active"] is False


@pytest.mark.parametrize("end", ["source", "destination"])
def test_deactivating_either_end_of_an_open_transfer_is_409(admin_client, end):
    wh = location("WH2")
    product = ProductFactory()
    receive(product, 5)
    document = transfer(product, 2, MAIN_LOCATION_ID, wh.pk, user=admin_client.user, via_transit=True)
    if end == "source":
        location("WH0", is_default=True)  # MAIN may be deactivated once it is no longer the default
    target = MAIN_LOCATION_ID if end == "source" else wh.pk
    assert_problem(admin_client.patch(detail(target), {"is_active": False}, format="json"), 409, "location_in_use")
    services.receive_transfer(document=document, user=admin_client.user)
    assert admin_client.patch(detail(target), {"is_active": False}, format="json").json()["is_active"] is False


def test_a_location_with_stock_but_no_reservation_may_be_deactivated(admin_client):
    wh = location("WH2")
    product = ProductFactory()
    receive(product, 5, location=wh)
    assert admin_client.patch(detail(wh.pk), {"is_active": False}, format="json").status_code == 200
    assert admin_client.get(f"/api/v1/products/{product.pk}").json()["stock"]["available"] == 0


def test_an_inactive_location_takes_no_movement(admin_client):
    old = location("OLD")
    product = ProductFactory()
    receive(product, 5, location=old)
    admin_client.patch(detail(old.pk), {"is_active": False}, format="json")
    for body in (
        {"product_id": product.pk, "change_type": "IN", "quantity": 1, "location_id": old.pk},
        {"product_id": product.pk, "change_type": "OUT", "quantity": 1, "location_id": old.pk},
    ):
        assert_problem(admin_client.post(MOVEMENTS, body, format="json"), 400, "invalid", "location_id")
    count = {"product_id": product.pk, "counted_quantity": 1, "location_id": old.pk}
    assert_problem(admin_client.post(COUNTS, count, format="json"), 400, "invalid", "location_id")
    line = [{"product_id": product.pk, "quantity": 1}]
    for kind in ("receipt", "issue"):
        body = {"kind": kind, "location_id": old.pk, "lines": line}
        assert_problem(admin_client.post(DOCUMENTS, body, format="json"), 400, "invalid", "location_id")
    transfer = {"kind": "transfer", "source_location_id": old.pk, "destination_location_id": MAIN_LOCATION_ID}
    assert_problem(admin_client.post(DOCUMENTS, {**transfer, "lines": line}, format="json"), 400, "invalid")
    assert StockMovement.objects.filter(location=old).count() == 1


def test_only_transfers_move_stock_through_a_transit_location(admin_client):
    product = ProductFactory()
    receive(product, 5)
    truck = location("TRUCK", kind="transit")
    for where in (TRANSIT_LOCATION_ID, truck.pk):
        body = {"product_id": product.pk, "change_type": "IN", "quantity": 1, "location_id": where}
        assert_problem(admin_client.post(MOVEMENTS, body, format="json"), 400, "invalid", "location_id")
        count = {"product_id": product.pk, "counted_quantity": 0, "location_id": where}
        assert_problem(admin_client.post(COUNTS, count, format="json"), 400, "invalid", "location_id")
        for kind, line in (("receipt", "quantity"), ("issue", "quantity"), ("count", "counted_quantity")):
            body = {"kind": kind, "location_id": where, "lines": [{"product_id": product.pk, line: 1}]}
            assert_problem(admin_client.post(DOCUMENTS, body, format="json"), 400, "invalid", "location_id")
    assert not StockMovement.objects.filter(location__kind="transit").exists()
    # via_transit always goes through TRANSIT.
    wh = location("WH2")
    body = {
        "kind": "transfer",
        "source_location_id": MAIN_LOCATION_ID,
        "destination_location_id": wh.pk,
        "via_transit": True,
        "lines": [{"product_id": product.pk, "quantity": 2}],
    }
    response = admin_client.post(DOCUMENTS, body, format="json")
    assert response.status_code == 201, response.content
    assert set(StockMovement.objects.filter(location__kind="transit").values_list("location_id", flat=True)) == {
        TRANSIT_LOCATION_ID
    }


# --- figures and caches ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"is_sellable": False}, {"is_active": False}])
def test_changing_sellable_or_active_changes_available_and_invalidates_reports(
    admin_client, django_capture_on_commit_callbacks, change
):
    wh = location("WH2")
    product = ProductFactory()
    receive(product, 4, location=wh)
    receive(product, 6)
    assert admin_client.get(f"/api/v1/products/{product.pk}").json()["stock"]["available"] == 10
    report = admin_client.get("/api/v1/reports/stock", {"search": product.sku}).json()["results"]
    assert report[0]["available"] == 10
    before = stock_version()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.patch(detail(wh.pk), change, format="json").status_code == 200
    assert stock_version() > before
    stock = admin_client.get(f"/api/v1/products/{product.pk}").json()["stock"]
    assert (stock["on_hand"], stock["available"]) == (10, 6)
    report = admin_client.get("/api/v1/reports/stock", {"search": product.sku}).json()["results"]
    assert report[0]["available"] == 6  # not the cached 10


def test_a_change_that_leaves_the_figures_alone_keeps_the_cache(admin_client, django_capture_on_commit_callbacks):
    wh = location("WH2")
    before = stock_version()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.patch(detail(wh.pk), {"name": "Renamed", "priority": 9}, format="json")
    assert stock_version() == before


def test_location_changes_are_audited(admin_client, admin_user):
    from audit.models import AuditEvent

    response = admin_client.post(LOCATIONS, {"code": "WH2", "name": "Second"}, format="json")
    pk = response.json()["id"]
    admin_client.patch(detail(pk), {"name": "Renamed"}, format="json")
    admin_client.delete(detail(pk))
    actions = list(
        AuditEvent.objects.filter(object_type="location", object_id=str(pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["location.created", "location.updated", "location.deleted"]
    assert AuditEvent.objects.filter(object_type="location", actor_id=admin_user.pk).count() == 3
