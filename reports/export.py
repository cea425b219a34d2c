"""CSV output: every row of a report, streamed with the same columns as the JSON rows (inventory_site.csv_export)."""

from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from inventory_site.csv_export import csv_response as write_csv
from reports import tables


class CSVRenderer(JSONRenderer):
    """Declares ``format = "csv"`` so DRF accepts ``?format=csv``; report views stream the CSV themselves.

    The only bodies DRF renders with it are the exception handler's problems, and those stay JSON (the handler
    sets ``application/problem+json``).
    """

    media_type = "text/csv"
    format = "csv"


def csv_response(name: str, parsed: dict) -> StreamingHttpResponse:
    """Every row of report ``name`` with its columns' names as the header and their CSV cell types."""
    columns = tables.TABLES[name].columns(parsed)
    rows = ([column.csv_cell(row[column.name]) for column in columns] for row in tables.rows(name, parsed))
    return write_csv(f"{name}-report-{timezone.localdate().isoformat()}.csv", columns.names, rows)
