"""Query plans stay cheap: a fixed number of queries per page whatever the row count, and current-stock reports
never read the ledger (only its watermark); date-range reports do, and only they."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.cache import watermark_sql
from reports.tests.factories import ProductFactory
from stock.services import record_movement

pytestmark = pytest.mark.django_db

LEDGER = '"stock_stockmovement"'
WATERMARK = watermark_sql()


@pytest.fixture
def thirty(admin_user):
    for _ in range(30):
        product = ProductFactory(min_quantity=50)
        record_movement(product=product, change_type="IN", quantity=10, user=admin_user)
        record_movement(product=product, change_type="OUT", quantity=1, user=admin_user)


# session, user, [categories for the filter], the locations of the location select, then per table read:
# watermark, count, page; the movements and top-products pages draw their chart from one more (watermark, rows),
# and rows without a status column look up the page's inactive products in one query.
@pytest.mark.parametrize(
    ("path", "params", "most"),
    [
        ("/reports/", {}, 9),
        ("/reports/stock/", {"page_size": 100}, 7),
        ("/reports/low-stock/", {"page_size": 100}, 7),
        ("/reports/movements/", {}, 7),
        ("/reports/movements/", {"group_by": "product", "page_size": 100}, 7),
        ("/reports/top-products/", {"limit": 100}, 9),
        ("/", {}, 9),  # the dashboard: today's totals, low stock (count, list), orders (counts, two lists), movements
    ],
)
def test_page_query_counts(admin_web, thirty, django_assert_max_num_queries, path, params, most):
    with django_assert_max_num_queries(most):
        assert admin_web.get(path, params).status_code == 200


@pytest.mark.parametrize(
    ("report", "params"),
    [("stock", {}), ("low-stock", {}), ("movements", {}), ("movements", {"group_by": "product"}), ("top-products", {})],
)
def test_csv_query_counts(admin_client, thirty, django_assert_max_num_queries, report, params):
    with django_assert_max_num_queries(2):  # user, every row (streamed in chunks: one query below 2,000 rows)
        response = admin_client.get(f"/api/v1/reports/{report}", {"format": "csv", **params})
        assert len(b"".join(response.streaming_content).splitlines()) > 1


def _ledger_reads(client, path, params) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return [query["sql"] for query in queries.captured_queries if LEDGER in query["sql"] and query["sql"] != WATERMARK]


def test_current_stock_reads_levels_not_the_ledger(admin_client, thirty):
    assert _ledger_reads(admin_client, "/api/v1/reports/stock", {"page_size": 100}) == []
    # Low stock reads the ledger only for days of cover: the OUTs of the cover window, per listed product.
    (page,) = [sql for sql in _ledger_reads(admin_client, "/api/v1/reports/low-stock", {"page_size": 100})]
    assert page.count(LEDGER) == 1 and '"created_at" >= ' in page and '"created_at" < ' in page
    assert '"stock_stocklevel"' in page


@pytest.mark.parametrize("params", [{}, {"group_by": "product"}])
def test_date_range_reports_read_the_ledger_in_their_range(admin_client, thirty, params):
    for sql in _ledger_reads(admin_client, "/api/v1/reports/movements", params):
        assert '"created_at" >= ' in sql and '"created_at" < ' in sql
