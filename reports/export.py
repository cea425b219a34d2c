"""CSV output: every row of a report, streamed with the same columns as the JSON rows."""

import csv
import json

from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer

from reports import tables


class CSVRenderer(BaseRenderer):
    """Declares ``format = "csv"`` so DRF accepts ``?format=csv``; report views stream the CSV themselves.

    Error bodies are switched back to JSON by the view, so ``render`` only serves as a fallback.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, default=str).encode()


class _Echo:
    """A write-only file whose ``write`` hands the line back, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _lines(name: str, parsed: dict, columns: list[str]):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in tables.rows(name, parsed):
        yield writer.writerow([csv_value(row[column]) for column in columns])


def csv_response(name: str, parsed: dict) -> StreamingHttpResponse:
    columns = tables.TABLES[name].columns(parsed)
    response = StreamingHttpResponse(_lines(name, parsed, columns), content_type="text/csv; charset=utf-8")
    filename = f"{name}-report-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
