"""The /imports/ page: upload, preview with errors, download errors, apply, progress, the list."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.exchange import PRODUCT_COLUMNS
from catalog.models import Product
from imports.models import Import
from imports.tests.support import csv_bytes, product_line, xlsx_file
from imports.tests.test_bad_files import BAD_FILES

pytestmark = pytest.mark.django_db
PAGE = "/imports/"


def post_file(client, content: bytes, kind: str = "products", name: str = "catalogue.csv", **fields):
    return client.post(PAGE, {"kind": kind, "file": SimpleUploadedFile(name, content), **fields})


def test_staff_are_refused_and_anonymous_sent_to_login(staff_web, client):
    assert staff_web.get(PAGE).status_code == 403
    staff_web.logout()
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_upload_preview_download_errors_apply_and_the_list(admin_web, django_capture_on_commit_callbacks):
    content = csv_bytes(PRODUCT_COLUMNS, [product_line("P-1"), product_line("P-2", price="abc"), product_line("P-3")])
    page = admin_web.get(PAGE)
    assert page.status_code == 200
    assert b'<label for="id_file">' in page.content and b'enctype="multipart/form-data"' in page.content

    response = post_file(admin_web, content)  # the validation job waits for the commit, not run here
    job = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    validating = admin_web.get(response["Location"])
    assert b'http-equiv="refresh"' in validating.content and b"<progress" in validating.content

    with django_capture_on_commit_callbacks(execute=True):
        post_file(admin_web, content)
    job = Import.objects.order_by("-pk").first()
    preview = admin_web.get(f"/imports/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in preview
    assert "A price such as 12.50 is required" in preview and "Download errors (CSV)" in preview
    assert "Apply the 2 valid rows, skipping the invalid" in preview
    errors = admin_web.get(f"/imports/{job.pk}/errors.csv")
    assert b"".join(errors.streaming_content).decode().splitlines()[1].startswith("2,P-2,")
    invalid_only = admin_web.get(f"/imports/{job.pk}/?status=invalid").content.decode()
    assert "P-2" in invalid_only and "P-1" not in invalid_only

    refused = admin_web.post(f"/imports/{job.pk}/apply/", follow=True)
    assert "invalid" in refused.content.decode() and not Product.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        admin_web.post(f"/imports/{job.pk}/apply/", {"skip_invalid": "true"})
    assert set(Product.objects.values_list("sku", flat=True)) == {"P-1", "P-3"}
    done = admin_web.get(f"/imports/{job.pk}/")
    assert "2 created, 0 updated, 0 counted" in done.content.decode()
    listed = admin_web.get(PAGE).content.decode()
    assert "admin@example.com" in listed and "2 created, 0 updated, 0 counted" in listed
    again = admin_web.post(f"/imports/{job.pk}/apply/", {"skip_invalid": "true"}, follow=True)
    assert "applied already" in again.content.decode() and Product.objects.count() == 2


def test_an_xlsx_upload_through_the_page(admin_web, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_file(admin_web, xlsx_file(PRODUCT_COLUMNS, [product_line("XP-1")]), name="catalogue.xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        admin_web.post(f"/imports/{Import.objects.get().pk}/apply/")
    assert Product.objects.filter(sku="XP-1").exists()


@pytest.mark.parametrize("name", ["latin-1", "missing column", "empty", "formula xlsx", "binary garbage"])
def test_a_bad_file_shows_a_clear_message_and_writes_nothing(admin_web, name):
    content, expected = BAD_FILES[name]
    response = post_file(admin_web, content)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Nothing was saved" in text and expected in text
    assert Import.objects.count() == 0


def test_50_mb_of_garbage_through_the_page(admin_web):
    response = post_file(admin_web, b"\x8f" * (50 * 1024 * 1024), kind="stock")
    assert response.status_code == 413 and "larger than 20 MB" in response.content.decode()
    assert Import.objects.count() == 0
