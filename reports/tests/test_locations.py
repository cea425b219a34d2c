"""Reports at locations: ``location_id`` (with descendants) and transfers left out over all locations."""

import logging

import pytest

from accounts.tests.factories import UserFactory
from reports.tests.factories import ProductFactory
from stock import services as stock_services
from stock.models import MAIN_LOCATION_ID, TRANSIT_LOCATION_ID, Location, StockMovement
from stock.tests.factories import transfer

pytestmark = pytest.mark.django_db

REPORTS = ["stock", "low-stock", "movements", "top-products"]


def _location(admin, code, **fields):
    return stock_services.create_location(actor=admin, code=code, name=f"Location {code}", **fields)


@pytest.fixture
def mix():
    """One product moved around: bought at MAIN and at a bin of HALL, transferred MAIN -> OTHER (one kept, one
    reversed, one still in transit) and sold at OTHER.

    Over all locations: in 14 (purchases), out 1 (the sale), on hand 13 (1 of it in transit).
    MAIN: in 10 + 2 (the reversal) = 12, out 3 + 2 + 1 = 6, on hand 6. HALL (its bin): in 4. OTHER: in 3 + 2 = 5,
    out 1 + 2 (the reversal) = 3, on hand 2.
    """
    admin = UserFactory(role="admin")
    hall = _location(admin, "HALL", priority=5)
    hall_bin = _location(admin, "HALL-1", kind="bin", parent_id=hall.pk)
    other = _location(admin, "OTHER", priority=9)
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    product = ProductFactory(sku="MIX-1", min_quantity=5)

    stock_services.record_movement(product=product, change_type="IN", quantity=10, user=admin, location=main)
    stock_services.record_movement(product=product, change_type="IN", quantity=4, user=admin, location=hall_bin)
    transfer(product, 3, main.pk, other.pk, user=admin)
    stock_services.reverse_document(document=transfer(product, 2, main.pk, other.pk, user=admin), user=admin)
    transfer(product, 1, main.pk, other.pk, user=admin, via_transit=True)
    stock_services.record_movement(product=product, change_type="OUT", quantity=1, user=admin, location=other)
    return {"product": product, "main": main, "hall": hall, "bin": hall_bin, "other": other}


def _row(client, report, **params):
    response = client.get(f"/api/v1/reports/{report}", params)
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    return row


class TestStockReport:
    def test_over_all_locations_transfers_and_their_reversals_are_left_out(self, admin_client, mix):
        row = _row(admin_client, "stock")
        assert (row["total_in"], row["total_out"], row["on_hand"], row["reserved"]) == (14, 1, 13, 0)
        assert row["available"] == 12  # the unit in transit is not available

    @pytest.mark.parametrize(
        ("where", "figures"),
        [("main", (12, 6, 6, 6)), ("other", (5, 3, 2, 2)), ("hall", (4, 0, 4, 4)), ("bin", (4, 0, 4, 4))],
    )
    def test_at_a_location_and_its_descendants_transfers_count(self, admin_client, mix, where, figures):
        row = _row(admin_client, "stock", location_id=mix[where].pk)
        assert (row["total_in"], row["total_out"], row["on_hand"], row["available"]) == figures

    def test_at_transit(self, admin_client, mix):
        row = _row(admin_client, "stock", location_id=TRANSIT_LOCATION_ID)
        assert (row["total_in"], row["total_out"], row["on_hand"]) == (1, 0, 1)

    def test_a_location_where_the_product_never_was_shows_zeros(self, admin_client, mix):
        empty = _location(UserFactory(role="admin"), "EMPTY")
        row = _row(admin_client, "stock", location_id=empty.pk)
        assert (row["total_in"], row["total_out"], row["on_hand"], row["stock_value"]) == (0, 0, 0, "0.00")

    def test_sorting_by_the_totals_uses_the_reported_figures(self, admin_client, mix):
        other = ProductFactory(sku="PLAIN")
        stock_services.record_movement(product=other, change_type="IN", quantity=13, user=None)
        # MIX-1 has 16 in at its levels, 14 without the transfers: PLAIN's 13 sorts below it either way, so
        # compare with the location's figures too.
        skus = [r["sku"] for r in admin_client.get("/api/v1/reports/stock", {"sort_by": "total_in"}).json()["results"]]
        assert skus == ["PLAIN", "MIX-1"]
        at_main = admin_client.get(
            "/api/v1/reports/stock", {"sort_by": "total_out", "sort_order": "desc", "location_id": MAIN_LOCATION_ID}
        ).json()["results"]
        assert [(r["sku"], r["total_out"]) for r in at_main] == [("MIX-1", 6), ("PLAIN", 0)]

    def test_csv_takes_the_location_too(self, admin_client, mix):
        response = admin_client.get("/api/v1/reports/stock", {"format": "csv", "location_id": mix["other"].pk})
        assert response.status_code == 200
        header, row = b"".join(response.streaming_content).decode().splitlines()
        assert dict(zip(header.split(","), row.split(","), strict=True))["on_hand"] == "2"


class TestLowStockReport:
    def test_low_at_a_location_with_its_own_days_of_cover(self, admin_client, mix):
        assert admin_client.get("/api/v1/reports/low-stock").json()["count"] == 0  # 12 available > 5
        row = _row(admin_client, "low-stock", location_id=mix["other"].pk)
        # OTHER: 2 available; its OUTs of the last 30 days are the sale and the reversal's OUT (3).
        assert (row["available"], row["shortfall"], row["days_of_cover"]) == (2, 3, 20.0)

    def test_over_all_locations_days_of_cover_leave_transfers_out(self, admin_client, mix):
        product = mix["product"]
        product.min_quantity = 20
        product.save(update_fields=["min_quantity"])
        row = _row(admin_client, "low-stock")
        assert (row["available"], row["shortfall"]) == (12, 8)
        assert row["days_of_cover"] == 360.0  # 12 / (1 sale / 30 days), the transfers' OUTs not counted


class TestMovementReports:
    def test_by_product_over_all_locations_leaves_transfers_out(self, admin_client, mix):
        row = _row(admin_client, "movements", group_by="product")
        assert (row["total_in"], row["total_out"]) == (14, 1)
        assert StockMovement.objects.count() == 2 + 2 + 2 + 2 + 2 + 1  # the transfers are in the ledger

    @pytest.mark.parametrize(("where", "totals"), [("main", (12, 6)), ("other", (5, 3)), ("hall", (4, 0))])
    def test_by_product_at_a_location(self, admin_client, mix, where, totals):
        row = _row(admin_client, "movements", group_by="product", location_id=mix[where].pk)
        assert (row["total_in"], row["total_out"]) == totals

    def test_by_day(self, admin_client, mix):
        days = admin_client.get("/api/v1/reports/movements", {"page_size": 100}).json()["results"]
        assert (sum(d["total_in"] for d in days), sum(d["total_out"] for d in days)) == (14, 1)
        query = {"location_id": MAIN_LOCATION_ID, "page_size": 100}
        days = admin_client.get("/api/v1/reports/movements", query).json()["results"]
        assert (sum(d["total_in"] for d in days), sum(d["total_out"] for d in days)) == (12, 6)

    def test_top_products(self, admin_client, mix):
        assert _row(admin_client, "top-products")["quantity"] == 1
        assert _row(admin_client, "top-products", direction="in")["quantity"] == 14
        assert _row(admin_client, "top-products", location_id=MAIN_LOCATION_ID)["quantity"] == 6
        assert _row(admin_client, "top-products", direction="in", location_id=mix["other"].pk)["quantity"] == 5

    def test_a_location_with_no_movements_has_no_rows(self, admin_client, mix):
        empty = _location(UserFactory(role="admin"), "EMPTY")
        for report in ("top-products", "movements?group_by=product"):
            path, _, query = report.partition("?")
            params = dict([query.split("=")]) if query else {}
            body = admin_client.get(f"/api/v1/reports/{path}", {**params, "location_id": empty.pk}).json()
            assert body["count"] == 0


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "99999", "9" * 30])
def test_a_bad_or_unknown_location_is_a_400(admin_client, report, value):
    response = admin_client.get(f"/api/v1/reports/{report}", {"location_id": value})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == ["location_id"]


@pytest.mark.parametrize("report", REPORTS)
def test_reports_stay_admin_only_with_a_location(staff_client, report):
    assert staff_client.get(f"/api/v1/reports/{report}", {"location_id": MAIN_LOCATION_ID}).status_code == 403


def test_the_cache_keys_on_the_location(admin_client, mix, caplog):
    caplog.set_level(logging.DEBUG, logger="reports.cache")
    everywhere = _row(admin_client, "stock")
    at_other = _row(admin_client, "stock", location_id=mix["other"].pk)
    assert everywhere["on_hand"] == 13 and at_other["on_hand"] == 2
    assert _row(admin_client, "stock", location_id=mix["other"].pk)["on_hand"] == 2
    assert _row(admin_client, "stock")["on_hand"] == 13
    messages = [record.getMessage() for record in caplog.records]
    assert sum("report cache miss" in m for m in messages) == 2
    assert sum("report cache hit" in m for m in messages) == 2


class TestPages:
    def test_each_report_page_has_a_location_select_and_filters_by_it(self, admin_web, mix):
        client = admin_web
        for report in REPORTS:
            page = client.get(f"/reports/{report}/").content.decode()
            assert '<label for="f-location_id">Location</label>' in page, report
            assert f'<option value="{mix["other"].pk}">OTHER' in page
        page = client.get("/reports/stock/", {"location_id": mix["other"].pk}).content.decode()
        assert f'<option value="{mix["other"].pk}" selected>OTHER' in page

    def test_a_bad_location_on_a_page_is_a_400(self, admin_web):
        assert admin_web.get("/reports/movements/", {"location_id": "99999"}).status_code == 400
