"""Files that cannot be read as a table: a clear 400 (413 when too large) and nothing stored."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from catalog.exchange import PRODUCT_COLUMNS
from imports import services
from imports.models import Import, ImportRow
from imports.tests.support import URL, csv_bytes, product_line, upload, xlsx_file

pytestmark = pytest.mark.django_db


def formula_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(PRODUCT_COLUMNS))
    sheet.append(product_line("F-1", name='=HYPERLINK("http://example.com", "x")'))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_of(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


BAD_FILES = {
    "latin-1": (csv_bytes(PRODUCT_COLUMNS, [product_line("É-1", name="Crème brûlée")], encoding="latin-1"), "UTF-8"),
    "utf-16": (csv_bytes(PRODUCT_COLUMNS, [product_line("U-1")], encoding="utf-16"), "UTF-8"),
    "missing column": (csv_bytes(("sku", "name", "category"), [["A", "B", "C"]]), "unit_price"),
    "empty": (b"", "empty"),
    "blank lines": (b"\xef\xbb\xbf\r\n\r\n", "empty"),
    "header only": (csv_bytes(PRODUCT_COLUMNS, []), "no data rows"),
    "repeated column": (b"sku,name,category,unit_price,sku\nA,B,C,1,A\n", "twice"),
    "nul bytes": (b"sku,name,category,unit_price\nA,B\x00,C,1\n", "NUL"),
    "binary garbage": (bytes(range(256)) * 40, "UTF-8"),
    "formula xlsx": (formula_workbook(), "formulas (cell B2"),
    "broken xlsx": (xlsx_file(PRODUCT_COLUMNS, [product_line("B-1")])[:300], "XLSX"),
    "zip that is no workbook": (zip_of("hello.txt", b"hi"), "XLSX"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_is_a_400_naming_the_problem_and_nothing_is_stored(admin_client, name):
    content, expected = BAD_FILES[name]
    response = upload(admin_client, "products", content)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid" and expected in body["errors"]["file"][0], body
    assert Import.objects.count() == 0 and ImportRow.objects.count() == 0


def test_50_mb_of_garbage_is_a_413_and_nothing_is_stored(admin_client):
    response = upload(admin_client, "stock", b"\x8f" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert Import.objects.count() == 0


def test_the_size_limit_is_20_mb():
    with pytest.raises(services.FileTooLarge):
        services.check_size(20 * 1024 * 1024 + 1)
    services.check_size(20 * 1024 * 1024)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "nope"}, "kind"),
        ({"kind": "products", "location_id": "1"}, "location_id"),
        ({"kind": "stock"}, "file"),
    ],
)
def test_bad_fields_are_400(admin_client, data, field):
    if field != "file":
        data = {**data, "file": SimpleUploadedFile("a.csv", csv_bytes(PRODUCT_COLUMNS, [product_line("A")]))}
    response = admin_client.post(URL, data, format="multipart")
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert Import.objects.count() == 0


def test_json_is_415(admin_client):
    response = admin_client.post(URL, {"kind": "products"}, format="json")
    assert response.status_code == 415


def test_staff_and_anonymous_are_refused(staff_client, api_client, admin_client):
    content = csv_bytes(PRODUCT_COLUMNS, [product_line("S-1")])
    assert upload(staff_client, "products", content).status_code == 403
    assert staff_client.get(URL).status_code == 403
    job = upload(admin_client, "products", content).json()
    for path in ("", "/rows", "/errors.csv"):
        assert staff_client.get(f"{URL}/{job['id']}{path}").status_code == 403
    assert staff_client.post(f"{URL}/{job['id']}/apply").status_code == 403
    assert upload(api_client, "products", content).status_code == 401
    assert Import.objects.count() == 1
