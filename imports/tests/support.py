"""Files and calls the import tests share."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from catalog.exchange import PRODUCT_COLUMNS

URL = "/api/v1/imports"


def csv_bytes(header, rows, *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def product_line(sku, name="Widget", category="Tools", price="9.99", **extra) -> list:
    values = {"sku": sku, "name": name, "category": category, "unit": "pcs", "unit_price": price}
    values.update({"min_quantity": 0, "reorder_quantity": 0, "description": "", "is_active": "true"}, **extra)
    return [values[column] for column in PRODUCT_COLUMNS]


def upload(client, kind: str, content: bytes, name: str = "file.csv", **fields):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content), **fields}
    return client.post(URL, data, format="multipart")


def run_upload(client, capture, kind, content, name="file.csv", **fields):
    """Upload and let the validation job run (after commit, in-process); the import as the API shows it."""
    with capture(execute=True):
        response = upload(client, kind, content, name, **fields)
    assert response.status_code == 201, response.content
    return client.get(f"{URL}/{response.json()['id']}").json()


def apply(client, capture, import_id, *, skip_invalid: bool = False):
    query = "?skip_invalid=true" if skip_invalid else ""
    with capture(execute=True):
        return client.post(f"{URL}/{import_id}/apply{query}")


def rows(client, import_id, status=""):
    query = f"?status={status}&page_size=100" if status else "?page_size=100"
    return client.get(f"{URL}/{import_id}/rows{query}").json()["results"]
