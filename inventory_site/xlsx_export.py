"""Every XLSX this service writes: one sheet, a header row, text cells always stored as text.

openpyxl takes a string starting with ``=`` as a formula; here every string is written as a string cell, so a
product named ``=HYPERLINK(...)`` stays a name (the CSV writer escapes the same text with a leading ``'``).
Numbers stay numbers. The workbook is built in write-only mode (rows are not kept in memory).
"""

import io
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from inventory_site.api.renderers import XLSX_MEDIA_TYPE


def _cell(sheet, value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.00"
        return cell
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def xlsx_bytes(header: Iterable, rows: Iterable[Iterable], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.append([_cell(sheet, value) for value in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, header: Iterable, rows: Iterable[Iterable], *, title: str = "Sheet1") -> HttpResponse:
    response = HttpResponse(xlsx_bytes(header, rows, title=title), content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
