"""CSV output: every row of a report, streamed with the same columns as the JSON rows (inventory_site.csv_export)."""

import json

from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer

from inventory_site.csv_export import csv_response as write_csv
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


def csv_response(name: str, parsed: dict) -> StreamingHttpResponse:
    columns = tables.TABLES[name].columns(parsed)
    rows = ([row[column] for column in columns] for row in tables.rows(name, parsed))
    return write_csv(f"{name}-report-{timezone.localdate().isoformat()}.csv", columns, rows)
