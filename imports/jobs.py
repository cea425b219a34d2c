"""The import jobs: RQ with Redis, in-process after commit on the embedded default (inventory_site.jobs)."""

from imports import services
from inventory_site.jobs import db_job


@db_job
def validate_import(import_id: int) -> None:
    services.validate_import(import_id)


@db_job
def apply_import(import_id: int) -> None:
    services.apply_import(import_id)
