"""Catalogue imports through the API: validate without writing, preview, errors.csv, apply, re-apply."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from catalog.exchange import PRODUCT_COLUMNS
from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from imports.models import Import
from imports.tests.support import URL, apply, csv_bytes, product_line, rows, run_upload, upload, xlsx_file

pytestmark = pytest.mark.django_db

BAD_ROWS = {10: "unit_price", 20: "name", 30: "sku", 40: "min_quantity"}


def big_file(existing_sku: str) -> bytes:
    lines = []
    for number in range(1, 2001):
        line = product_line(f"IMP-{number:05d}", name=f"Imported {number}", category=f"Cat {number % 7}")
        if number == 1:
            line = product_line(existing_sku, name="Renamed by import", category="Tools", price="12.50")
        elif number == 10:
            line[PRODUCT_COLUMNS.index("unit_price")] = "12,5x"
        elif number == 20:
            line[PRODUCT_COLUMNS.index("name")] = "  "
        elif number == 30:
            line[0] = "imp-00005"  # row 5's SKU in another case
        elif number == 40:
            line[PRODUCT_COLUMNS.index("min_quantity")] = "-1"
        lines.append(line)
    return csv_bytes(PRODUCT_COLUMNS, lines)


def test_a_2000_row_file_with_bad_rows_validates_then_applies_only_the_valid_rows(
    admin_client, django_capture_on_commit_callbacks
):
    existing = ProductFactory(sku="OLD-1", name="Old name", category=CategoryFactory(name="tools"))
    products_before, events_before = Product.objects.count(), AuditEvent.objects.count()

    body = run_upload(admin_client, django_capture_on_commit_callbacks, "products", big_file("old-1"))

    assert body["status"] == "ready"
    assert body["counts"] == {
        "rows": 2000,
        "valid": 1996,
        "invalid": 4,
        "create": 1995,
        "update": 1,
        "unchanged": 0,
        "count": 0,
        "conflict": 0,
        "applied": 0,
    }
    assert Product.objects.count() == products_before  # validation wrote nothing in the catalogue
    assert AuditEvent.objects.filter(action__startswith="product.").count() == 0
    invalid = rows(admin_client, body["id"], "invalid")
    assert {row["row_number"]: list(row["errors"]) for row in invalid} == {n: [c] for n, c in BAD_ROWS.items()}
    assert "row 5" in invalid[2]["errors"]["sku"][0]
    assert invalid[0]["data"]["unit_price"] == "12,5x" and invalid[0]["action"] == ""

    errors = admin_client.get(f"{URL}/{body['id']}/errors.csv")
    assert errors.status_code == 200 and errors["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(errors.streaming_content).decode())))
    assert table[0] == ["row_number", *PRODUCT_COLUMNS, "error"]
    assert [line[0] for line in table[1:]] == ["10", "20", "30", "40"]
    assert table[1][-1].startswith("unit_price: ")

    refused = apply(admin_client, django_capture_on_commit_callbacks, body["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "import_has_errors"
    assert refused["Content-Type"] == "application/problem+json"
    assert Product.objects.count() == products_before

    applied = apply(admin_client, django_capture_on_commit_callbacks, body["id"], skip_invalid=True)
    assert applied.status_code == 202, applied.content
    done = admin_client.get(f"{URL}/{body['id']}").json()
    assert done["status"] == "done" and done["skip_invalid"] is True
    assert done["counts"]["applied"] == 1996 and done["counts"]["conflict"] == 0
    assert done["changed"] == {"created": 1995, "updated": 1, "counted": 0}
    assert Product.objects.count() == products_before + 1995
    assert not Product.objects.filter(sku__in=["IMP-00010", "IMP-00020", "IMP-00040"]).exists()
    existing.refresh_from_db()
    assert (existing.name, existing.unit_price, existing.category.name) == (
        "Renamed by import",
        Decimal("12.50"),
        "tools",
    )
    assert Category.objects.filter(name__startswith="Cat ").count() == 7  # each missing category created once
    assert AuditEvent.objects.filter(action="product.created").count() == 1995

    # Applying again answers 200 and writes nothing.
    events = AuditEvent.objects.count()
    again = apply(admin_client, django_capture_on_commit_callbacks, body["id"], skip_invalid=True)
    assert again.status_code == 200 and again.json()["status"] == "done"
    assert Product.objects.count() == products_before + 1995 and AuditEvent.objects.count() == events
    assert events > events_before


def test_an_xlsx_file_imports_like_a_csv(admin_client, django_capture_on_commit_callbacks):
    content = xlsx_file(PRODUCT_COLUMNS, [product_line("X-1", price=4.5), product_line("X-2", min_quantity=3)])
    body = run_upload(admin_client, django_capture_on_commit_callbacks, "products", content, "catalogue.xlsx")
    assert body["status"] == "ready" and body["counts"]["create"] == 2 and body["file_format"] == "xlsx"
    assert apply(admin_client, django_capture_on_commit_callbacks, body["id"]).status_code == 202
    assert Product.objects.get(sku="X-1").unit_price == Decimal("4.50")
    assert Product.objects.get(sku="X-2").min_quantity == 3


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_re_imports_with_every_row_unchanged(admin_client, django_capture_on_commit_callbacks, file_format):
    tricky = ["=HYPERLINK(1)", "+plus", "-minus", "@at", "\ttab", "plain, with comma", 'quote "q"']
    for index, name in enumerate(tricky):
        ProductFactory(
            sku=f"{'-' if index == 2 else ''}RT-{index}", name=name.strip(), description=name, unit_price="0.10"
        )
    ProductFactory(sku="RT-off", is_active=False, min_quantity=5, reorder_quantity=10, unit="kg")
    exported = admin_client.get(f"/api/v1/products?format={file_format}")
    assert exported.status_code == 200, exported.content
    content = b"".join(exported.streaming_content) if exported.streaming else exported.content
    if file_format == "csv":
        assert b"'=HYPERLINK(1)" in content and b"'-minus" in content  # neutralised in the CSV
    body = run_upload(admin_client, django_capture_on_commit_callbacks, "products", content, f"export.{file_format}")
    assert body["counts"]["rows"] == Product.objects.count() == 8
    assert body["counts"]["unchanged"] == 8, rows(admin_client, body["id"])
    product_events = AuditEvent.objects.filter(action__startswith="product.").count()
    assert apply(admin_client, django_capture_on_commit_callbacks, body["id"]).status_code == 202
    assert AuditEvent.objects.filter(action__startswith="product.").count() == product_events  # nothing written
    assert Product.objects.get(sku="RT-0").name == "=HYPERLINK(1)"


def test_rows_filter_and_bad_status(admin_client, django_capture_on_commit_callbacks):
    content = csv_bytes(PRODUCT_COLUMNS, [product_line("A-1"), product_line("A-2", price="-1")])
    body = run_upload(admin_client, django_capture_on_commit_callbacks, "products", content)
    assert [row["row_number"] for row in rows(admin_client, body["id"], "valid")] == [1]
    assert admin_client.get(f"{URL}/{body['id']}/rows?status=nope").status_code == 400
    assert admin_client.get(f"{URL}/999999").status_code == 404


def test_apply_while_validating_is_a_409_and_a_concurrent_category_is_reused(admin_client):
    response = upload(admin_client, "products", csv_bytes(PRODUCT_COLUMNS, [product_line("V-1")]))
    assert response.json()["status"] == "validating"  # the job runs after commit, which this test never does
    refused = admin_client.post(f"{URL}/{response.json()['id']}/apply")
    assert refused.status_code == 409 and refused.json()["code"] == "import_not_ready"


def test_idempotency_key_fingerprints_the_file(admin_client):
    first_file = csv_bytes(PRODUCT_COLUMNS, [product_line("K-1")])
    headers = {"HTTP_IDEMPOTENCY_KEY": "upload-1"}
    first = admin_client.post(URL, {"kind": "products", "file": _file(first_file)}, format="multipart", **headers)
    replay = admin_client.post(URL, {"kind": "products", "file": _file(first_file)}, format="multipart", **headers)
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == first.json()["id"]
    other = csv_bytes(PRODUCT_COLUMNS, [product_line("K-2")])
    reused = admin_client.post(URL, {"kind": "products", "file": _file(other)}, format="multipart", **headers)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    assert Import.objects.count() == 1


def _file(content: bytes):
    return SimpleUploadedFile("same-name.csv", content)


def test_list_is_newest_first_with_who_created(admin_client, admin_user, django_capture_on_commit_callbacks):
    for sku in ("L-1", "L-2"):
        run_upload(
            admin_client,
            django_capture_on_commit_callbacks,
            "products",
            csv_bytes(PRODUCT_COLUMNS, [product_line(sku)]),
        )
    listed = admin_client.get(URL).json()
    assert listed["count"] == 2
    assert listed["results"][0]["id"] > listed["results"][1]["id"]
    assert listed["results"][0]["created_by"] == admin_user.pk
