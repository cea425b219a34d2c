"""create_or_update_products: many products in a few statements, each under the single services' rules and audit."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from catalog import services
from catalog.exceptions import DuplicateSku
from catalog.models import Category, Product
from catalog.services import ProductWrite
from catalog.tests.factories import CategoryFactory, ProductFactory
from inventory_site.cache import stock_version
from inventory_site.exceptions import Invalid, NotFound

pytestmark = pytest.mark.django_db


def new(sku, category="Tools", **fields):
    return ProductWrite(
        fields={"sku": sku, "name": f"Product {sku}", "unit_price": Decimal("1.50"), **fields}, category=category
    )


def write(actor, rows):
    return services.create_or_update_products(actor=actor, rows=rows)


def test_creates_and_updates_with_the_single_services_audit(admin_user, django_capture_on_commit_callbacks):
    tools = CategoryFactory(name="Tools")
    kept = ProductFactory(sku="KEEP-1", name="Kept", category=tools, unit_price=Decimal("2.00"))
    moved = ProductFactory(sku="MOVE-1", name="Moved", category=tools, unit_price=Decimal("2.00"))
    before = stock_version()
    with django_capture_on_commit_callbacks(execute=True):
        rows = write(
            admin_user,
            [
                new(" NEW-1 ", category="tools", unit="box", min_quantity=4),
                new("NEW-2", category="Garden "),
                ProductWrite(
                    fields={"name": "Kept", "unit_price": Decimal("2.00")}, product_id=kept.pk, category="TOOLS"
                ),
                ProductWrite(fields={"unit_price": Decimal("3.25")}, product_id=moved.pk, category="Garden"),
            ],
        )
    assert [row.error for row in rows] == [None] * 4
    assert [row.changed for row in rows] == [True, True, False, True]
    created = Product.objects.get(sku="NEW-1")  # stripped, as create_product strips it
    garden = Category.objects.get(name="Garden")  # created once, for two rows
    assert (created.category, created.unit, created.min_quantity, created.unit_price) == (
        tools,
        "box",
        4,
        Decimal("1.50"),
    )
    assert Product.objects.get(sku="NEW-2").category == garden
    moved.refresh_from_db()
    assert (moved.category, moved.unit_price, moved.updated_at > kept.updated_at) == (garden, Decimal("3.25"), True)
    events = {(event.action, event.object_id): event.changes for event in AuditEvent.objects.all()}
    assert set(events) == {
        ("category.created", str(garden.pk)),
        ("product.created", str(created.pk)),
        ("product.created", str(rows[1].saved.pk)),
        ("product.updated", str(moved.pk)),
    }  # the unchanged product has no event, as with update_product
    assert events[("product.created", str(created.pk))]["sku"] == "NEW-1"
    assert events[("product.updated", str(moved.pk))] == {
        "category_id": [tools.pk, garden.pk],
        "unit_price": ["2.00", "3.25"],
    }
    assert AuditEvent.objects.filter(actor=admin_user).count() == 4
    assert stock_version() == before + 1  # reports refreshed once for the whole call


def test_a_refused_row_is_left_out_and_the_others_are_written(admin_user):
    tools = CategoryFactory(name="Tools")
    ProductFactory(sku="TAKEN-1", category=tools)
    gone = ProductFactory(sku="GONE-1", category=tools)
    gone_id = gone.pk
    gone.delete()
    rows = write(
        admin_user,
        [
            new("OK-1"),
            new("taken-1"),  # another product has it, in another case
            new("ok-1"),  # repeats row 1 in another case
            new("NEG-1", unit_price=Decimal("-1")),
            new("", name="No SKU"),
            new("X" * 65),
            new("CAT-1", category="C" * 101),
            ProductWrite(fields={"sku": "NOCAT-1", "name": "N", "unit_price": 1, "category_id": 10**9}),
            ProductWrite(fields={"name": "Gone"}, product_id=gone_id),
            ProductWrite(fields={"colour": "red"}, product_id=Product.objects.get(sku="TAKEN-1").pk),
        ],
    )
    errors = [row.error for row in rows]
    assert errors[0] is None
    assert isinstance(errors[1], DuplicateSku) and isinstance(errors[2], DuplicateSku)
    assert errors[3].errors == {"unit_price": ["Must be 0 or more."]}
    assert "sku" in errors[4].errors and "sku" in errors[5].errors
    assert isinstance(errors[6], Invalid) and "name" in errors[6].errors
    assert errors[7].errors == {"category_id": ["Unknown category."]}
    assert isinstance(errors[8], NotFound)
    assert errors[9].errors == {"colour": ["Unknown field."]}
    assert all(row.saved is None for row in rows[1:])
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["OK-1", "TAKEN-1"]
    assert not Category.objects.filter(name__startswith="CC").exists()
    assert list(AuditEvent.objects.values_list("action", "object_id")) == [("product.created", str(rows[0].saved.pk))]


def test_statements_do_not_grow_with_the_rows(admin_user):
    tools = CategoryFactory(name="Tools")
    existing = [ProductFactory(category=tools) for _ in range(30)]

    def statements(start, count):
        creates = [new(f"N-{start + n}", category=f"Cat {start + n}") for n in range(count)]
        updates = [
            ProductWrite(fields={"name": f"Renamed {start + n}"}, product_id=p.pk)
            for n, p in enumerate(existing[:count])
        ]
        with CaptureQueriesContext(connection) as queries:
            rows = write(admin_user, creates + updates)
        assert all(row.error is None and row.changed for row in rows)
        return len(queries)

    assert statements(0, 3) == statements(100, 30)
    assert Product.objects.count() == 30 + 33


def test_a_sku_taken_meanwhile_refuses_that_row_only(admin_user, monkeypatch):
    """A concurrent insert the pre-check could not see: the bulk INSERT breaks the unique constraint, and the rows go
    one by one in savepoints (as create_product does), the duplicate refused with duplicate_sku."""
    tools = CategoryFactory(name="Tools")
    ProductFactory(sku="RACE-1", category=tools)
    monkeypatch.setattr(services, "_skus_taken", lambda keys: set())
    monkeypatch.setattr(services, "_categories_by_key", lambda keys: {})  # "Tools" looks missing too
    rows = write(admin_user, [new("A-1"), new("race-1"), new("A-2")])
    assert [type(row.error) for row in rows] == [type(None), DuplicateSku, type(None)]
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["A-1", "A-2", "RACE-1"]
    assert set(Product.objects.values_list("category", flat=True)) == {tools.pk}
    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == ["product.created", "product.created"]


def test_a_sku_renamed_onto_a_taken_one_is_refused_alone(admin_user):
    tools = CategoryFactory(name="Tools")
    first, second = ProductFactory(sku="R-1", category=tools), ProductFactory(sku="R-2", category=tools)
    rows = write(
        admin_user,
        [
            ProductWrite(fields={"sku": "r-2"}, product_id=first.pk),
            ProductWrite(fields={"name": "Renamed"}, product_id=second.pk),
        ],
    )
    assert isinstance(rows[0].error, DuplicateSku) and rows[1].error is None
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.sku, second.name) == ("R-1", "Renamed")
    assert list(AuditEvent.objects.values_list("action", "object_id")) == [("product.updated", str(second.pk))]
