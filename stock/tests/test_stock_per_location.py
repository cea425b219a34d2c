"""Stock per location in the existing endpoints: movements, counts, history, levels, products, reversal."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from stock import services
from stock.models import MAIN_LOCATION_ID, TRANSIT_LOCATION_ID, Document, StockLevel, StockMovement
from stock.tests.factories import issue, receive, transfer
from stock.tests.support import LEVEL_KEYS, assert_problem, location

pytestmark = pytest.mark.django_db

MOVEMENTS = "/api/v1/stock/movements"
COUNTS = "/api/v1/stock/counts"
LEVELS = "/api/v1/stock/levels"
DOCUMENTS = "/api/v1/stock/documents"
STOCK_KEYS = {"on_hand", "reserved", "available", "in_transit", "last_restocked_at"}
LOCATION_STOCK_KEYS = {"on_hand", "reserved", "available"}


def product_url(product) -> str:
    return f"/api/v1/products/{product.pk}"


@pytest.fixture
def wh():
    return location("WH2", priority=5)


# --- movements and counts at a location ------------------------------------------------------------------------


def test_a_movement_at_a_location_answers_totals_and_the_location_figures(staff_client, wh):
    product = ProductFactory()
    receive(product, 10)
    response = staff_client.post(
        MOVEMENTS, {"product_id": product.pk, "change_type": "IN", "quantity": 4, "location_id": wh.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["location_id"] == wh.pk and body["document_id"] is None
    assert set(body["stock"]) == STOCK_KEYS and set(body["location_stock"]) == LOCATION_STOCK_KEYS
    assert (body["stock"]["on_hand"], body["stock"]["available"], body["stock"]["in_transit"]) == (14, 14, 0)
    assert body["location_stock"] == {"on_hand": 4, "reserved": 0, "available": 4}
    assert StockMovement.objects.get(pk=body["id"]).location_id == wh.pk


def test_a_movement_without_a_location_goes_to_the_default(staff_client, wh):
    product = ProductFactory()
    body = staff_client.post(
        MOVEMENTS, {"product_id": product.pk, "change_type": "IN", "quantity": 3}, format="json"
    ).json()
    assert body["location_id"] == MAIN_LOCATION_ID
    assert body["location_stock"] == {"on_hand": 3, "reserved": 0, "available": 3}
    explicit_null = staff_client.post(
        MOVEMENTS, {"product_id": product.pk, "change_type": "IN", "quantity": 1, "location_id": None}, format="json"
    )
    assert explicit_null.json()["location_id"] == MAIN_LOCATION_ID


def test_an_out_takes_only_from_its_location(staff_client, wh):
    product = ProductFactory()
    receive(product, 10)
    receive(product, 3, location=wh)
    services.allocate(lines=[(product.pk, 1)], reference="order:1", location_id=wh.pk)
    body = {"product_id": product.pk, "change_type": "OUT", "quantity": 3, "location_id": wh.pk}
    problem = assert_problem(staff_client.post(MOVEMENTS, body, format="json"), 409, "insufficient_stock")
    assert problem["available"] == 2  # that location's, not the product's 12
    assert StockMovement.objects.filter(change_type="OUT").count() == 0
    body["quantity"] = 2
    answer = staff_client.post(MOVEMENTS, body, format="json").json()
    assert answer["location_stock"] == {"on_hand": 1, "reserved": 1, "available": 0}
    assert (answer["stock"]["on_hand"], answer["stock"]["reserved"], answer["stock"]["available"]) == (11, 1, 10)


@pytest.mark.parametrize("location_id", [99999, "1", 1.0, True, 0, -1])
def test_a_bad_location_is_400(staff_client, location_id):
    product = ProductFactory()
    body = {"product_id": product.pk, "change_type": "IN", "quantity": 1, "location_id": location_id}
    assert_problem(staff_client.post(MOVEMENTS, body, format="json"), 400, "invalid", "location_id")
    count = {"product_id": product.pk, "counted_quantity": 1, "location_id": location_id}
    assert_problem(staff_client.post(COUNTS, count, format="json"), 400, "invalid", "location_id")
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize("reason", ["transfer", "reversal"])
@pytest.mark.parametrize("change_type", ["IN", "OUT"])
def test_only_the_services_set_transfer_or_reversal(staff_client, reason, change_type):
    product = ProductFactory()
    receive(product, 5)
    body = {"product_id": product.pk, "change_type": change_type, "quantity": 1, "reason": reason}
    assert_problem(staff_client.post(MOVEMENTS, body, format="json"), 400, "invalid", "reason")
    assert StockMovement.objects.count() == 1


def test_a_count_at_a_location_compares_with_that_location(staff_client, wh):
    product = ProductFactory()
    receive(product, 10)
    receive(product, 6, location=wh)
    response = staff_client.post(
        COUNTS, {"product_id": product.pk, "counted_quantity": 4, "location_id": wh.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["counted_quantity"], body["difference"]) == (4, -2)
    assert body["movement"]["location_id"] == wh.pk and body["movement"]["reason"] == "count"
    assert body["movement"]["change_type"] == "OUT" and body["movement"]["quantity"] == 2
    assert body["location_stock"] == {"on_hand": 4, "reserved": 0, "available": 4}
    assert body["stock"]["on_hand"] == 14
    equal = staff_client.post(
        COUNTS, {"product_id": product.pk, "counted_quantity": 10}, format="json"
    ).json()  # MAIN, the default
    assert (equal["difference"], equal["movement"]) == (0, None)
    assert equal["location_stock"]["on_hand"] == 10


def test_a_count_below_the_location_reserved_is_409(staff_client, wh):
    product = ProductFactory()
    receive(product, 10)
    receive(product, 6, location=wh)
    services.allocate(lines=[(product.pk, 5)], reference="order:1", location_id=wh.pk)
    body = {"product_id": product.pk, "counted_quantity": 4, "location_id": wh.pk}
    assert_problem(staff_client.post(COUNTS, body, format="json"), 409, "insufficient_stock")
    assert StockMovement.objects.count() == 2
    # MAIN has nothing reserved: a count of 0 there is fine.
    ok = staff_client.post(COUNTS, {"product_id": product.pk, "counted_quantity": 0}, format="json")
    assert ok.status_code == 201 and ok.json()["difference"] == -10


def test_a_transfer_in_does_not_change_last_restocked_at(staff_client, admin_user, wh):
    product = ProductFactory()
    receive(product, 10)
    restocked = staff_client.get(product_url(product)).json()["stock"]["last_restocked_at"]
    assert restocked is not None
    transfer(product, 4, MAIN_LOCATION_ID, wh.pk, user=admin_user)
    document = transfer(product, 2, MAIN_LOCATION_ID, wh.pk, user=admin_user, via_transit=True)
    services.receive_transfer(document=document, user=admin_user)
    stock = staff_client.get(product_url(product)).json()["stock"]
    assert stock["last_restocked_at"] == restocked
    assert StockLevel.objects.get(product=product, location=wh).last_restocked_at is None
    assert StockLevel.objects.get(product=product, location_id=TRANSIT_LOCATION_ID).last_restocked_at is None


# --- history ---------------------------------------------------------------------------------------------------


def test_history_rows_carry_location_and_document_and_filter_by_them(staff_client, admin_user, wh):
    zone = location("Z1", kind="zone", parent_id=wh.pk)
    product = ProductFactory()
    single, _ = receive(product, 10)
    at_zone, _ = receive(product, 2, location=zone)
    document = transfer(product, 3, MAIN_LOCATION_ID, wh.pk, user=admin_user)

    def ids(**params):
        response = staff_client.get(MOVEMENTS, params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    rows = {row["id"]: row for row in staff_client.get(MOVEMENTS).json()["results"]}
    assert (rows[single.pk]["location_id"], rows[single.pk]["document_id"]) == (MAIN_LOCATION_ID, None)
    assert rows[at_zone.pk]["location_id"] == zone.pk
    moved = sorted(document.movements.values_list("pk", flat=True))
    assert all(rows[pk]["document_id"] == document.pk for pk in moved)
    out, into = sorted(moved, key=lambda pk: rows[pk]["change_type"] != "OUT")
    assert (rows[out]["location_id"], rows[into]["location_id"]) == (MAIN_LOCATION_ID, wh.pk)
    assert ids(document_id=document.pk) == moved
    assert ids(location_id=zone.pk) == [at_zone.pk]
    assert ids(location_id=wh.pk) == sorted([at_zone.pk, into])  # with its sub-locations
    assert ids(location_id=MAIN_LOCATION_ID) == sorted([single.pk, out])
    assert ids(location_id=wh.pk, reason="transfer") == [into]
    assert ids(location_id=99999) == []
    assert ids(document_id=99999) == []


@pytest.mark.parametrize("params", [{"location_id": "x"}, {"document_id": "x"}, {"reason": "gift"}])
def test_bad_history_filters_are_400(staff_client, params):
    assert_problem(staff_client.get(MOVEMENTS, params), 400, "invalid")


# --- levels ----------------------------------------------------------------------------------------------------


def test_levels_keep_one_row_per_product_with_totals(staff_client, admin_user, wh):
    product = ProductFactory(min_quantity=2)
    receive(product, 10)
    receive(product, 5, location=wh)
    transfer(product, 3, MAIN_LOCATION_ID, wh.pk, user=admin_user, via_transit=True)
    services.allocate(lines=[(product.pk, 2)], reference="order:1", location_id=wh.pk)
    rows = staff_client.get(LEVELS, {"product_id": product.pk}).json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert LEVEL_KEYS <= set(row)
    assert (row["on_hand"], row["reserved"], row["available"], row["in_transit"]) == (15, 2, 10, 3)


def test_levels_at_a_location_show_its_figures_zeros_where_none(staff_client, wh):
    zone = location("Z1", kind="zone", parent_id=wh.pk)
    held, elsewhere = ProductFactory(), ProductFactory()
    receive(held, 4, location=wh)
    receive(held, 1, location=zone)
    receive(held, 20)
    receive(elsewhere, 7)
    rows = {row["product_id"]: row for row in staff_client.get(LEVELS, {"location_id": wh.pk}).json()["results"]}
    assert set(rows) == {held.pk, elsewhere.pk}
    assert (rows[held.pk]["on_hand"], rows[held.pk]["available"]) == (5, 5)  # WH2 and its zone
    assert (rows[elsewhere.pk]["on_hand"], rows[elsewhere.pk]["reserved"], rows[elsewhere.pk]["available"]) == (0, 0, 0)
    zone_rows = {row["product_id"]: row for row in staff_client.get(LEVELS, {"location_id": zone.pk}).json()["results"]}
    assert zone_rows[held.pk]["on_hand"] == 1
    low = staff_client.get(LEVELS, {"location_id": wh.pk, "low_stock": "true"}).json()["results"]
    assert [row["product_id"] for row in low] == [elsewhere.pk]


def test_levels_by_location(staff_client, admin_user, wh):
    product, other = ProductFactory(), ProductFactory()
    receive(product, 10)
    receive(product, 5, location=wh)
    receive(other, 1, location=wh)
    transfer(product, 3, MAIN_LOCATION_ID, wh.pk, user=admin_user, via_transit=True)
    services.ensure_level(other.pk, MAIN_LOCATION_ID)  # a row that never held stock: not listed
    response = staff_client.get(LEVELS, {"by_location": "true"})
    assert response.status_code == 200, response.content
    rows = {(row["product_id"], row["location_id"]): row for row in response.json()["results"]}
    assert set(rows) == {
        (product.pk, MAIN_LOCATION_ID),
        (product.pk, wh.pk),
        (product.pk, TRANSIT_LOCATION_ID),
        (other.pk, wh.pk),
    }
    main = rows[(product.pk, MAIN_LOCATION_ID)]
    assert (main["location_code"], main["on_hand"], main["available"], main["in_transit"]) == ("MAIN", 7, 7, 0)
    transit = rows[(product.pk, TRANSIT_LOCATION_ID)]
    assert (transit["location_code"], transit["on_hand"], transit["in_transit"]) == ("TRANSIT", 3, 3)
    assert rows[(other.pk, wh.pk)]["location_code"] == "WH2"
    only_wh = staff_client.get(LEVELS, {"by_location": "true", "location_id": wh.pk}).json()["results"]
    assert sorted(row["product_id"] for row in only_wh) == sorted([product.pk, other.pk])
    one = staff_client.get(LEVELS, {"by_location": "true", "product_id": other.pk}).json()["results"]
    assert [(row["product_id"], row["location_id"]) for row in one] == [(other.pk, wh.pk)]


def test_a_reserved_row_without_stock_on_hand_is_listed_by_location(staff_client, wh):
    product = ProductFactory()
    receive(product, 3, location=wh)
    services.allocate(lines=[(product.pk, 3)], reference="order:1", location_id=wh.pk)
    rows = staff_client.get(LEVELS, {"by_location": "true"}).json()["results"]
    assert [(row["location_id"], row["reserved"], row["available"]) for row in rows] == [(wh.pk, 3, 0)]


@pytest.mark.parametrize("params", [{"by_location": "maybe"}, {"location_id": "x"}, {"sort_by": "nope"}])
def test_bad_level_parameters_are_400(staff_client, params):
    assert_problem(staff_client.get(LEVELS, params), 400, "invalid")


# --- products --------------------------------------------------------------------------------------------------


def test_a_product_shows_its_stock_per_location(staff_client, admin_user, wh):
    shop = location("SHOP", priority=1)
    back = location("BACK", is_sellable=False)
    product = ProductFactory()
    receive(product, 10)
    receive(product, 6, location=wh)
    receive(product, 4, location=back)
    receive(product, 2, location=shop)
    transfer(product, 3, MAIN_LOCATION_ID, wh.pk, user=admin_user, via_transit=True)
    services.allocate(lines=[(product.pk, 2)], reference="order:1", location_id=wh.pk)
    services.update_location(actor=None, location=shop, is_active=False)
    stock = staff_client.get(product_url(product)).json()["stock"]
    # on hand everywhere (transit included); available over sellable, active locations only: MAIN 7 + WH2 4.
    assert (stock["on_hand"], stock["reserved"], stock["available"], stock["in_transit"]) == (22, 2, 11, 3)
    assert stock["available"] != stock["on_hand"] - stock["reserved"]
    locations = {row["location_id"]: row for row in stock["locations"]}
    assert set(locations) == {MAIN_LOCATION_ID, wh.pk, back.pk, shop.pk, TRANSIT_LOCATION_ID}
    assert {"location_id", "code", "on_hand", "reserved", "available"} <= set(locations[wh.pk])
    assert (locations[wh.pk]["code"], locations[wh.pk]["on_hand"], locations[wh.pk]["reserved"]) == ("WH2", 6, 2)
    assert locations[wh.pk]["available"] == 4
    assert locations[TRANSIT_LOCATION_ID]["on_hand"] == 3
    assert locations[back.pk]["on_hand"] == 4
    # The list shows the same totals (no per-location list there).
    listed = staff_client.get("/api/v1/products", {"search": product.sku}).json()["results"][0]["stock"]
    assert {key: listed[key] for key in STOCK_KEYS} == {key: stock[key] for key in STOCK_KEYS}


def test_a_product_that_never_moved_has_no_locations(staff_client):
    product = ProductFactory()
    stock = staff_client.get(product_url(product)).json()["stock"]
    assert stock["locations"] == [] and (stock["on_hand"], stock["available"], stock["in_transit"]) == (0, 0, 0)


# --- reversing a single movement -------------------------------------------------------------------------------


def reverse_url(movement) -> str:
    return f"{MOVEMENTS}/{movement if isinstance(movement, int) else movement.pk}/reverse"


def test_reversing_a_movement_writes_a_one_line_reversal_document(staff_client, staff_user, wh):
    product = ProductFactory()
    receive(product, 10, location=wh)
    movement, _ = issue(product, 4, location=wh, user=staff_user)
    response = staff_client.post(reverse_url(movement))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["reason"], body["location_id"]) == (
        "issue",
        "completed",
        "reversal",
        wh.pk,
    )
    assert body["reverses_movement_id"] == movement.pk and body["created_by"] == staff_user.pk
    assert len(body["lines"]) == 1 and body["lines"][0]["quantity"] == 4
    (undo,) = StockMovement.objects.filter(document_id=body["id"])
    assert (undo.change_type, undo.quantity, undo.reason, undo.location_id) == ("IN", 4, "reversal", wh.pk)
    assert body["lines"][0]["movement_ids"] == [undo.pk]
    assert StockLevel.objects.get(product=product, location=wh).on_hand == 10
    assert_problem(staff_client.post(reverse_url(movement)), 409, "already_reversed")
    assert_problem(staff_client.post(reverse_url(undo)), 409, "invalid_transition")  # a reversal is not reversed
    assert Document.objects.count() == 1


def test_reversing_a_movement_short_of_stock_is_409_and_writes_nothing(staff_client, staff_user):
    product = ProductFactory()
    movement, _ = receive(product, 5, user=staff_user)
    issue(product, 3)
    problem = assert_problem(staff_client.post(reverse_url(movement)), 409, "insufficient_stock")
    assert problem["lines"] == [{"index": 0, "product_id": product.pk, "requested": 5, "available": 2}]
    assert not Document.objects.exists() and StockMovement.objects.count() == 2


def test_staff_reverse_only_their_own_movements_admins_any(staff_client, admin_client, staff_user):
    product = ProductFactory()
    mine, _ = receive(product, 5, user=staff_user)
    colleague, _ = receive(product, 5, user=UserFactory(role="staff"))
    anonymous, _ = receive(product, 5)
    for movement in (colleague, anonymous):
        assert_problem(staff_client.post(reverse_url(movement)), 403, "permission_denied")
    assert staff_client.post(reverse_url(mine)).status_code == 201
    assert admin_client.post(reverse_url(colleague)).status_code == 201
    assert admin_client.post(reverse_url(anonymous)).status_code == 201
    assert StockLevel.objects.get(product=product).on_hand == 0
    assert_problem(staff_client.post(reverse_url(99999)), 404, "not_found")


def test_a_movement_of_a_document_follows_the_document(admin_client, admin_user, wh):
    product, other = ProductFactory(), ProductFactory()
    receipt = services.create_document(
        kind="receipt",
        user=admin_user,
        lines=[{"product_id": product.pk, "quantity": 5}, {"product_id": other.pk, "quantity": 5}],
    )
    first = receipt.movements.order_by("pk").first()
    assert admin_client.post(reverse_url(first)).json()["kind"] == "receipt"
    # Part of it is reversed: the whole may no longer be.
    assert_problem(admin_client.post(f"{DOCUMENTS}/{receipt.pk}/reverse"), 409, "already_reversed")
    second = receipt.movements.order_by("pk").last()
    assert admin_client.post(reverse_url(second)).status_code == 201
    # A reversed document's movements are not reversed again.
    count = services.create_document(
        kind="count", user=admin_user, lines=[{"product_id": other.pk, "counted_quantity": 2}]
    )
    admin_client.post(f"{DOCUMENTS}/{count.pk}/reverse")
    assert_problem(admin_client.post(reverse_url(count.movements.get())), 409, "already_reversed")
    # A transfer's movement is reversed with its transfer.
    receive(product, 5)
    moved = transfer(product, 2, MAIN_LOCATION_ID, wh.pk, user=admin_user)
    assert_problem(admin_client.post(reverse_url(moved.movements.first())), 409, "invalid_transition")


def test_reversing_a_movement_takes_an_idempotency_key(staff_client, staff_user):
    product = ProductFactory()
    movement, _ = receive(product, 5, user=staff_user)
    first = staff_client.post(reverse_url(movement), HTTP_IDEMPOTENCY_KEY="undo-1")
    again = staff_client.post(reverse_url(movement), HTTP_IDEMPOTENCY_KEY="undo-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Document.objects.count() == 1


# --- reads stay O(products), not O(ledger) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, params",
    [
        (LEVELS, {}),
        (LEVELS, {"location_id": "WH2"}),
        (LEVELS, {"by_location": "true"}),
        (MOVEMENTS, {"location_id": "WH2"}),
        ("/api/v1/products", {}),
    ],
)
def test_location_reads_take_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries, wh, url, params):
    params = {key: wh.pk if value == "WH2" else value for key, value in params.items()}

    def stock(count):
        for _ in range(count):
            product = ProductFactory()
            receive(product, 5)
            receive(product, 3, location=wh)

    stock(2)
    with django_assert_max_num_queries(20) as few:
        assert staff_client.get(url, params).status_code == 200
    stock(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get(url, params).status_code == 200


def test_a_product_detail_with_many_locations_takes_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    product = ProductFactory()
    for index in range(8):
        receive(product, 1, location=location(f"L{index}"))
    with django_assert_max_num_queries(8):
        body = staff_client.get(product_url(product)).json()
    assert len(body["stock"]["locations"]) == 8 and body["stock"]["on_hand"] == 8
