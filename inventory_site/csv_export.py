"""Every CSV this service writes goes through here: streamed, one cell rule, spreadsheet formulas neutralised.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some also after a tab or a carriage
return) as a formula, so a product named ``=HYPERLINK(...)`` would run on the admin's machine. Text cells
starting with one of those get a leading ``'`` (the importer strips one before them, so exports re-import
unchanged). Numbers are written as plain numbers: a negative quantity stays ``-3``.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """One cell: ``None`` is empty, booleans ``true``/``false``, numbers unchanged, formula-like text escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A write-only file whose ``write`` hands the line back, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]):
    """The CSV text, a line at a time: no export is ever held in memory whole."""
    writer = csv.writer(_Echo())
    yield writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV download of ``rows`` (sequences of cell values, in ``header``'s order)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
