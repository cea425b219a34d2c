"""Each report's column table (``reports.selectors``) is the one source of its columns.

The API's rows, its OpenAPI schema, the CSV header, the HTML table and the sort fields of all three must equal the
table, in order: a column list written anywhere else would drift from it and fail here.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Product
from reports import columns, selectors
from reports.tests.factories import CategoryFactory, ProductFactory, backdated_movement
from stock.services import reserve

pytestmark = pytest.mark.django_db

# (report, parameters, the columns of its rows, the whole table behind its schema)
SHAPES = [
    ("stock", {}, selectors.STOCK_COLUMNS, selectors.STOCK_COLUMNS),
    ("low-stock", {}, selectors.LOW_STOCK_COLUMNS, selectors.LOW_STOCK_COLUMNS),
    ("movements", {"group_by": "day"}, selectors.MOVEMENTS_BY_DAY_COLUMNS, selectors.MOVEMENTS_COLUMNS),
    ("movements", {"group_by": "product"}, selectors.MOVEMENTS_BY_PRODUCT_COLUMNS, selectors.MOVEMENTS_COLUMNS),
    ("top-products", {}, selectors.TOP_PRODUCTS_COLUMNS, selectors.TOP_PRODUCTS_COLUMNS),
]
SHAPE_IDS = ["stock", "low-stock", "movements-by-day", "movements-by-product", "top-products"]
SCHEMA_TYPES = {
    columns.TEXT: {"type": "string"},
    columns.INTEGER: {"type": "integer"},
    columns.DECIMAL: {"type": "string", "format": "decimal"},
    columns.BOOLEAN: {"type": "boolean"},
    columns.DATE: {"type": "string", "format": "date"},
    columns.FLOAT: {"type": "number", "format": "double"},
}
SORTS = [
    (report, params, name, order)
    for report, params, table, _ in SHAPES
    for name in table.sort_fields()
    for order in ("asc", "desc")
]


@pytest.fixture
def figures(admin_user):
    """Four low-stock products whose figures all differ, with movements on different days of the last week."""
    now = timezone.now()
    # Letters only, one case: the same order under every database collation.
    for index, (name, category) in enumerate(
        [("Drill", "Beta"), ("Anvil", "Delta"), ("Chisel", "Alpha"), ("Bolt", "Gamma")]
    ):
        product = ProductFactory(
            sku=f"SKU{'DBCA'[index]}",
            name=name,
            category=CategoryFactory(name=category),
            unit_price=Decimal(f"{7 - index}.{index}5"),
            min_quantity=100 + 7 * index,
            reorder_quantity=5 * index,
        )
        backdated_movement(product, "IN", 20 + 3 * index, now - timedelta(days=index + 1, hours=1))
        backdated_movement(product, "OUT", 1 + 2 * (3 - index), now - timedelta(days=2 * index + 1))
        if index:
            reserve(lines=[(product.pk, index)], reference=f"order:{index}")
        if index == 2:  # deactivated after its history: an inactive product takes no movements
            Product.objects.filter(pk=product.pk).update(is_active=False)


def _csv_header(response) -> list[str]:
    assert response.status_code == 200
    return next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _html_headers(html: str) -> list[tuple[str, bool]]:
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", html).group(1)
    return [(label, bool(num)) for num, label in re.findall(r'<th scope="col"( class="num")?>([^<]*)</th>', head)]


def _html_sort_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select id="f-sort_by" name="sort_by">(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select)


def _schema(admin_client) -> dict:
    return admin_client.get("/api/schema/", {"format": "json"}).json()


@pytest.mark.parametrize(("report", "params", "table", "whole"), SHAPES, ids=SHAPE_IDS)
def test_every_door_shows_the_column_table(admin_client, admin_web, figures, report, params, table, whole):
    names = [column.name for column in table]
    body = admin_client.get(f"/api/v1/reports/{report}", params).json()
    assert body["results"] and all(list(row) == names for row in body["results"])

    assert _csv_header(admin_client.get(f"/api/v1/reports/{report}", {**params, "format": "csv"})) == names

    html = admin_web.get(f"/reports/{report}/", params).content.decode()
    assert _html_headers(html) == [(column.label, column.type in columns.NUMERIC) for column in table]

    schema = _schema(admin_client)
    row_schema = schema["components"]["schemas"][report.title().replace("-", "") + "ReportRow"]
    assert list(row_schema["properties"]) == [column.name for column in whole]
    for column in whole:
        documented = row_schema["properties"][column.name]
        assert {key: documented[key] for key in SCHEMA_TYPES[column.type]} == SCHEMA_TYPES[column.type], column
        assert documented.get("nullable", False) is column.nullable
    assert sorted(row_schema["required"]) == sorted(column.name for column in whole if not column.group_by)
    parameters = schema["paths"][f"/api/v1/reports/{report}"]["get"]["parameters"]
    sort_by = next(parameter for parameter in parameters if parameter["name"] == "sort_by")
    assert sort_by["schema"]["enum"] == sorted(whole.sort_fields())


def _key(row: dict, name: str):
    value = row[name]
    return Decimal(value) if name in ("unit_price", "stock_value") else value


@pytest.mark.parametrize(("report", "params", "name", "order"), SORTS, ids=[f"{r}-{p}-{n}-{o}" for r, p, n, o in SORTS])
def test_sort_by_every_sortable_column(admin_client, admin_web, figures, report, params, name, order):
    query = {**params, "sort_by": name, "sort_order": order, "page_size": 100}
    response = admin_client.get(f"/api/v1/reports/{report}", query)
    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    assert len(rows) == response.json()["count"] > 1
    table = next(table for r, p, table, _ in SHAPES if (r, p) == (report, params))
    if name in table.names:
        tie = "day" if "day" in table.names else "product_id"
        assert rows == sorted(rows, key=lambda row: (_key(row, name), row[tie]), reverse=order == "desc")
    page = admin_web.get(f"/reports/{report}/", query)
    assert page.status_code == 200
    if report != "top-products":  # that page has no sort field: its chart and table show the most first
        assert _html_sort_options(page.content.decode()) == [
            (field, table.label(field)) for field in table.sort_fields()
        ]


@pytest.mark.parametrize(("report", "params", "table", "whole"), SHAPES, ids=SHAPE_IDS)
def test_an_unsortable_field_is_a_400_naming_the_sortable_columns(admin_client, report, params, table, whole):
    response = admin_client.get(f"/api/v1/reports/{report}", {**params, "sort_by": "colour"})
    assert response.status_code == 400
    assert response.json()["errors"]["sort_by"] == [
        f"Unknown sort field. Choose one of: {', '.join(sorted(table.sort_fields()))}."
    ]
    for column in table:
        if column.sort is None:
            assert admin_client.get(f"/api/v1/reports/{report}", {**params, "sort_by": column.name}).status_code == 400
