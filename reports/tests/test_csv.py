"""``?format=csv``: every row, unpaginated, streamed, with the JSON rows' columns."""

import csv
import io
from decimal import Decimal

import pytest

from reports import selectors
from reports.tests.factories import ProductFactory
from stock.services import record_movement

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def _header(response) -> list[str]:
    return next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def thirty(admin_user):
    products = [ProductFactory(min_quantity=20, unit_price=Decimal("1.25")) for _ in range(30)]
    for product in products:
        record_movement(product=product, change_type="IN", quantity=8, user=admin_user)
        record_movement(product=product, change_type="OUT", quantity=3, user=admin_user)
    return products


def test_stock_csv_has_every_row_and_the_json_columns(admin_client, thirty, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = admin_client.get("/api/v1/reports/stock", {"format": "csv", "page_size": 2})
        rows = _csv(response)
    assert len(rows) == 30  # not the 25 of a page, nor the 2 asked for
    assert list(rows[0]) == selectors.STOCK_COLUMNS.names
    json_row = admin_client.get("/api/v1/reports/stock").json()["results"][0]
    assert rows[0] == {
        key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in json_row.items()
    }
    assert rows[0]["on_hand"] == "5" and rows[0]["stock_value"] == "6.25" and rows[0]["is_active"] == "true"


def test_stock_csv_respects_filters_and_sort(admin_client, thirty):
    rows = _csv(admin_client.get("/api/v1/reports/stock", {"format": "csv", "search": thirty[3].sku}))
    assert [row["sku"] for row in rows] == [thirty[3].sku]
    rows = _csv(admin_client.get("/api/v1/reports/stock", {"format": "csv", "sort_by": "sku", "sort_order": "desc"}))
    assert [row["sku"] for row in rows] == sorted((p.sku for p in thirty), reverse=True)


def test_low_stock_csv(admin_client, thirty):
    response = admin_client.get("/api/v1/reports/low-stock", {"format": "csv"})
    rows = _csv(response)
    assert len(rows) == 30
    assert list(rows[0]) == selectors.LOW_STOCK_COLUMNS.names
    assert rows[0]["shortfall"] == "15" and rows[0]["days_of_cover"] == "50.0"


def test_low_stock_csv_null_is_empty(admin_client):
    ProductFactory(min_quantity=1)
    rows = _csv(admin_client.get("/api/v1/reports/low-stock", {"format": "csv"}))
    assert rows[0]["days_of_cover"] == ""


def test_movement_csvs(admin_client, thirty):
    by_day = _csv(admin_client.get("/api/v1/reports/movements", {"format": "csv"}))
    assert len(by_day) == 30 and list(by_day[0]) == selectors.MOVEMENTS_BY_DAY_COLUMNS.names
    assert by_day[-1]["total_in"] == "240" and by_day[-1]["total_out"] == "90"
    by_product = _csv(admin_client.get("/api/v1/reports/movements", {"format": "csv", "group_by": "product"}))
    assert len(by_product) == 30 and list(by_product[0]) == selectors.MOVEMENTS_BY_PRODUCT_COLUMNS.names
    top = _csv(admin_client.get("/api/v1/reports/top-products", {"format": "csv", "limit": 12}))
    assert len(top) == 12 and list(top[0]) == selectors.TOP_PRODUCTS_COLUMNS.names
    assert {row["quantity"] for row in top} == {"3"}


def test_empty_csv_is_just_the_header(admin_client):
    response = admin_client.get("/api/v1/reports/top-products", {"format": "csv"})
    assert _header(response) == selectors.TOP_PRODUCTS_COLUMNS.names


def test_accept_header_selects_csv(admin_client, thirty):
    response = admin_client.get("/api/v1/reports/stock", HTTP_ACCEPT="text/csv")
    assert len(_csv(response)) == 30


def test_csv_errors_are_problem_json(admin_client, staff_client):
    response = admin_client.get("/api/v1/reports/top-products", {"format": "csv", "limit": 0})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"]["limit"]
    denied = staff_client.get("/api/v1/reports/stock", {"format": "csv"})
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"


FORMULA_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tx"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"report": "low-stock"},
        {"report": "movements", "group_by": "product"},
        {"report": "top-products", "direction": "in"},
        {"report": "top-products", "direction": "out"},
    ],
    ids=["stock", "low-stock", "movements-by-product", "top-in", "top-out"],
)
def test_every_report_csv_escapes_formula_names(admin_client, admin_user, params):
    from catalog.tests.factories import CategoryFactory

    category = CategoryFactory(name="=cmd|' /C calc'!A0")
    for index, name in enumerate(FORMULA_NAMES):
        product = ProductFactory(sku=f"-SKU-{index}", name=name, category=category, min_quantity=50)
        record_movement(product=product, change_type="IN", quantity=10, user=admin_user)
        record_movement(product=product, change_type="OUT", quantity=3, user=admin_user)
    params = dict(params)
    report = params.pop("report", "stock")
    rows = _csv(admin_client.get(f"/api/v1/reports/{report}", {"format": "csv", **params}))
    assert sorted(row["name"] for row in rows) == sorted("'" + name for name in FORMULA_NAMES)
    assert all(row["sku"].startswith("'-SKU-") for row in rows)
    if "category" in rows[0]:
        assert {row["category"] for row in rows} == {"'=cmd|' /C calc'!A0"}
    numbers = [value for row in rows for key, value in row.items() if key not in ("name", "sku", "category")]
    assert not any(value.startswith("'") for value in numbers)


def test_movements_by_day_csv_numbers_stay_numbers(admin_client, admin_user):
    record_movement(product=ProductFactory(name="-2"), change_type="IN", quantity=4, user=admin_user)
    rows = _csv(admin_client.get("/api/v1/reports/movements", {"format": "csv"}))
    assert rows[-1]["total_in"] == "4" and not any(value.startswith("'") for row in rows for value in row.values())
