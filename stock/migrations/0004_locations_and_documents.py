"""Locations and stock documents.

Additive, with no drift and no ledger row updated:
- creates the locations ``MAIN`` (id 1: warehouse, sellable, priority 0, the default) and ``TRANSIT`` (id 2);
- adds ``location`` to movements and reservations with ``MAIN``'s id as the column default (PostgreSQL adds a
  column with a constant default without rewriting rows, and the append-only trigger only refuses UPDATE and
  DELETE), so every existing movement and reservation is on ``MAIN``; the reservation key widens to
  (reference, product, location);
- re-keys the levels by their own id with a unique (product, location): the levels are copied onto ``MAIN``
  into a new table, which then takes the old one's name;
- creates documents and their lines, and ``document`` on movements (empty for every existing one).
An order's reservations are its allocations, so every confirmed order keeps its one allocation per item at
``MAIN``.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import tree_queries.fields
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models

MAIN, TRANSIT = 1, 2


def create_main_and_transit(apps, schema_editor):
    Location = apps.get_model("stock", "Location")
    Location.objects.create(
        id=MAIN, code="MAIN", name="Main warehouse", kind="warehouse", is_sellable=True, priority=0, is_default=True
    )
    Location.objects.create(
        id=TRANSIT, code="TRANSIT", name="In transit", kind="transit", is_sellable=False, priority=1000
    )
    # The ids were given: move the id sequence past them (PostgreSQL; SQLite needs nothing).
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [Location]):
        schema_editor.execute(sql)


def copy_levels_to_main(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO stock_locationlevel "
        "(product_id, location_id, total_in, total_out, reserved, transfer_in, transfer_out, last_restocked_at) "
        f"SELECT product_id, {MAIN}, total_in, total_out, reserved, 0, 0, last_restocked_at FROM stock_stocklevel"
    )


def copy_levels_back(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO stock_stocklevel (product_id, total_in, total_out, reserved, last_restocked_at) "
        "SELECT product_id, SUM(total_in), SUM(total_out), SUM(reserved), MAX(last_restocked_at) "
        "FROM stock_locationlevel GROUP BY product_id"
    )


LEVEL_CHECKS = [
    models.UniqueConstraint(fields=("product", "location"), name="stocklevel_product_location_unique"),
    models.CheckConstraint(condition=models.Q(("total_in__gte", 0)), name="stocklevel_total_in_gte_0"),
    models.CheckConstraint(condition=models.Q(("total_out__gte", 0)), name="stocklevel_total_out_gte_0"),
    models.CheckConstraint(condition=models.Q(("total_out__lte", models.F("total_in"))), name="stocklevel_out_lte_in"),
    models.CheckConstraint(condition=models.Q(("reserved__gte", 0)), name="stocklevel_reserved_gte_0"),
    models.CheckConstraint(
        condition=models.Q(
            (
                "reserved__lte",
                django.db.models.expressions.CombinedExpression(models.F("total_in"), "-", models.F("total_out")),
            )
        ),
        name="stocklevel_reserved_lte_on_hand",
    ),
    models.CheckConstraint(
        condition=models.Q(("transfer_in__gte", 0), ("transfer_in__lte", models.F("total_in"))),
        name="stocklevel_transfer_in_valid",
    ),
    models.CheckConstraint(
        condition=models.Q(("transfer_out__gte", 0), ("transfer_out__lte", models.F("total_out"))),
        name="stocklevel_transfer_out_valid",
    ),
]
REASONS = [
    ("purchase", "Purchase"),
    ("return", "Return"),
    ("sale", "Sale"),
    ("damage", "Damage"),
    ("adjustment", "Adjustment"),
    ("count", "Count"),
    ("transfer", "Transfer"),
    ("reversal", "Reversal"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("stock", "0003_low_stock_alert"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Location",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=32)),
                ("name", models.CharField(max_length=200)),
                (
                    "kind",
                    models.CharField(
                        choices=[("warehouse", "Warehouse"), ("zone", "Zone"), ("bin", "Bin"), ("transit", "Transit")],
                        default="warehouse",
                        max_length=10,
                    ),
                ),
                ("is_sellable", models.BooleanField(default=True)),
                ("priority", models.IntegerField(default=0, help_text="Lower first when orders choose a location.")),
                ("is_default", models.BooleanField(default=False)),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "parent",
                    tree_queries.fields.TreeNodeForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="stock.location",
                        verbose_name="parent",
                    ),
                ),
            ],
            options={
                "ordering": ["priority", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("code"), name="location_code_ci_unique"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)), fields=("is_default",), name="location_one_default"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "transit"), _negated=True), ("is_sellable", False), _connector="OR"
                        ),
                        name="location_transit_not_sellable",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("is_default", False), models.Q(("is_active", True), ("is_sellable", True)), _connector="OR"
                        ),
                        name="location_default_active_sellable",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_main_and_transit, migrations.RunPython.noop),
        migrations.AddField(
            model_name="stockmovement",
            name="location",
            field=models.ForeignKey(
                default=MAIN, on_delete=django.db.models.deletion.PROTECT, related_name="movements", to="stock.location"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="reason",
            field=models.CharField(choices=REASONS, max_length=16),
        ),
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(fields=["location", "created_at"], name="movement_location_created"),
        ),
        migrations.AddField(
            model_name="reservation",
            name="location",
            field=models.ForeignKey(
                default=MAIN,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reservations",
                to="stock.location",
            ),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(model_name="reservation", name="reservation_reference_product_unique"),
        migrations.AddConstraint(
            model_name="reservation",
            constraint=models.UniqueConstraint(
                fields=("reference", "product", "location"), name="reservation_reference_product_location_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="reservation",
            index=models.Index(fields=["reference"], name="reservation_reference"),
        ),
        migrations.CreateModel(
            name="LocationLevel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("total_in", models.BigIntegerField(default=0)),
                ("total_out", models.BigIntegerField(default=0)),
                ("reserved", models.BigIntegerField(default=0)),
                ("transfer_in", models.BigIntegerField(default=0)),
                ("transfer_out", models.BigIntegerField(default=0)),
                ("last_restocked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="stock_levels", to="stock.location"
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="stock_levels", to="catalog.product"
                    ),
                ),
            ],
            options={"constraints": LEVEL_CHECKS},
        ),
        migrations.RunPython(copy_levels_to_main, copy_levels_back),
        migrations.DeleteModel(name="StockLevel"),
        migrations.RenameModel(old_name="LocationLevel", new_name="StockLevel"),
        migrations.CreateModel(
            name="Document",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("receipt", "Receipt"),
                            ("issue", "Issue"),
                            ("transfer", "Transfer"),
                            ("count", "Count"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("completed", "Completed"), ("in_transit", "In transit"), ("cancelled", "Cancelled")],
                        default="completed",
                        max_length=12,
                    ),
                ),
                ("reference", models.CharField(blank=True, max_length=100)),
                ("note", models.TextField(blank=True)),
                ("reason", models.CharField(blank=True, choices=REASONS, max_length=16)),
                ("via_transit", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="stock_documents",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "destination_location",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="stock.location",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="stock.location",
                    ),
                ),
                (
                    "reverses",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reversed_by",
                        to="stock.document",
                    ),
                ),
                (
                    "source_location",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="stock.location",
                    ),
                ),
                (
                    "supplier",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.supplier",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["created_at"], name="document_created"),
                    models.Index(fields=["kind", "status"], name="document_kind_status"),
                ],
            },
        ),
        migrations.CreateModel(
            name="DocumentLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField()),
                ("quantity", models.PositiveIntegerField(blank=True, null=True)),
                ("counted_quantity", models.PositiveIntegerField(blank=True, null=True)),
                ("difference", models.BigIntegerField(blank=True, null=True)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="lines", to="stock.document"
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="document_lines",
                        to="catalog.product",
                    ),
                ),
            ],
            options={
                "ordering": ["document", "position"],
                "constraints": [
                    models.UniqueConstraint(fields=("document", "product"), name="document_line_product_unique"),
                    models.UniqueConstraint(fields=("document", "position"), name="document_line_position_unique"),
                ],
            },
        ),
        migrations.AddField(
            model_name="document",
            name="reverses_movement",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversed_by",
                to="stock.stockmovement",
            ),
        ),
        migrations.AddField(
            model_name="stockmovement",
            name="document",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="movements",
                to="stock.document",
            ),
        ),
    ]
