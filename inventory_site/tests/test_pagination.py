import pytest
from django.db import connection

from inventory_site.api.pagination import _EstimatingPaginator

pytestmark = pytest.mark.django_db


def test_small_tables_are_counted_exactly(admin_user, staff_user):
    from accounts.models import User

    assert _EstimatingPaginator(User.objects.all(), 10).count == 2


@pytest.mark.postgres
def test_unfiltered_large_table_uses_the_planner_estimate(admin_user, staff_user, monkeypatch):
    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
    monkeypatch.setattr(_EstimatingPaginator, "ESTIMATE_ABOVE", -1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'accounts_user'::regclass")
        estimate = cursor.fetchone()[0]
    assert _EstimatingPaginator(User.objects.all(), 10).count == estimate
    # filtered: always exact
    assert _EstimatingPaginator(User.objects.filter(role="staff"), 10).count == 1
