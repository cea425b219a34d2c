"""An import's invalid rows as CSV (inventory_site.csv_export, the one CSV writer): the file's columns, the
row number and an ``error`` column. Unknown columns are ignored on upload, so the fixed file re-imports."""

from imports import selectors
from imports.models import Import
from inventory_site.csv_export import csv_response


def error_text(errors: dict) -> str:
    return "; ".join(f"{column}: {message}" for column, messages in errors.items() for message in messages)


def errors_csv(job: Import):
    columns = list(job.columns)
    rows = (
        [row.row_number, *(row.data.get(column, "") for column in columns), error_text(row.errors)]
        for row in selectors.invalid_rows(job).iterator(chunk_size=1000)
    )
    return csv_response(f"import-{job.pk}-errors.csv", ["row_number", *columns, "error"], rows)
