import pytest
from django.db import connection

from accounts.models import User
from inventory_site.api.pagination import _EstimatingPaginator

pytestmark = pytest.mark.django_db


def _set_planner_estimate(table: str, rows: int) -> None:
    """What autovacuum would write for a large table, on this test's two rows (rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = %s WHERE oid = %s::regclass", [rows, table])


def test_small_tables_are_counted_exactly(admin_user, staff_user):
    assert _EstimatingPaginator(User.objects.all(), 10).count == 2


@pytest.mark.postgres
def test_unfiltered_large_table_uses_the_planner_estimate(admin_user, staff_user, django_assert_num_queries):
    _set_planner_estimate("accounts_user", 250_000)
    with django_assert_num_queries(1) as captured:
        count = _EstimatingPaginator(User.objects.all(), 10).count
    assert count == 250_000  # two rows really: only the estimate says 250,000
    assert "reltuples" in captured.captured_queries[0]["sql"] and "COUNT(" not in captured.captured_queries[0]["sql"]


@pytest.mark.postgres
def test_filtered_or_small_tables_are_counted_exactly_on_postgresql(admin_user, staff_user):
    _set_planner_estimate("accounts_user", 250_000)
    assert _EstimatingPaginator(User.objects.filter(role="staff"), 10).count == 1  # filtered: always exact
    _set_planner_estimate("accounts_user", _EstimatingPaginator.ESTIMATE_ABOVE)  # not above the threshold
    assert _EstimatingPaginator(User.objects.all(), 10).count == 2
