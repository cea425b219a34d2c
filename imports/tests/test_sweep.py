"""The scheduler's sweep (SCHEDULER_SWEEPS): an import whose job was lost is validated or applied by the next tick,
and a job run again writes nothing twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from catalog.exchange import PRODUCT_COLUMNS
from catalog.models import Product
from imports import services
from imports.models import Import, ImportRow, ImportStatus, RowStatus
from imports.tests.support import URL, csv_bytes, product_line, upload
from inventory_site.exceptions import Invalid
from orders.management.commands.requeue_orders import Command as RequeueCommand

pytestmark = pytest.mark.django_db

ROWS = 30


def tick() -> str:
    out = StringIO()
    call_command("requeue_orders", "--older-than", "0", stdout=out)
    return out.getvalue()


def lost_upload(client, capture) -> Import:
    """An upload whose validation job never ran (Redis down at commit, or restarted empty)."""
    content = csv_bytes(PRODUCT_COLUMNS, [product_line(f"SW-{n:03d}", category="Swept") for n in range(ROWS)])
    with capture(execute=False):
        response = upload(client, "products", content)
    assert response.status_code == 201, response.content
    return Import.objects.get(pk=response.json()["id"])


def test_a_lost_validation_then_a_lost_apply_are_run_by_the_next_ticks(
    admin_client, django_capture_on_commit_callbacks
):
    job = lost_upload(admin_client, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.VALIDATING

    assert "requeue_stuck_imports: re-enqueued 1 job(s)" in tick()  # in-process here: the job ran in the tick
    job.refresh_from_db()
    assert job.status == ImportStatus.READY and job.count_create == ROWS
    assert not Product.objects.exists()  # validation writes nothing else

    with django_capture_on_commit_callbacks(execute=False):  # the apply's job is lost too
        assert admin_client.post(f"{URL}/{job.pk}/apply").status_code == 202
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLYING and not Product.objects.exists()

    assert "re-enqueued 1 job(s)" in tick()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.changed_create == ROWS
    assert Product.objects.filter(sku__startswith="SW-").count() == ROWS
    events = AuditEvent.objects.count()

    assert "requeue_stuck_imports" not in tick()  # done: nothing to sweep
    services.apply_import(job.pk)  # and the job run once more writes nothing
    assert (Product.objects.count(), AuditEvent.objects.count()) == (ROWS, events)


def test_an_apply_cut_off_mid_way_resumes_with_the_rows_left(
    admin_client, django_capture_on_commit_callbacks, monkeypatch
):
    job = lost_upload(admin_client, django_capture_on_commit_callbacks)
    services.validate_import(job.pk)
    with django_capture_on_commit_callbacks(execute=False):
        services.request_apply(actor=job.created_by, job=Import.objects.get(pk=job.pk))
    Import.objects.filter(pk=job.pk).update(touched_at=timezone.now() - timedelta(hours=1))
    with monkeypatch.context() as patched:
        patched.setitem(services.CHUNK_ROWS, "products", 10)
        assert services._apply_chunk(job.pk, {})  # one chunk committed, then the worker died
    assert Product.objects.count() == 10
    assert services.requeue_stuck_imports(older_than=timedelta(minutes=5)) == 0  # the chunk was a sign of life

    tick()
    job.refresh_from_db()
    assert (job.status, job.count_applied, job.changed_create) == (ImportStatus.DONE, ROWS, ROWS)
    assert Product.objects.count() == ROWS  # the first chunk's rows were not applied again
    assert AuditEvent.objects.filter(action="product.created").count() == ROWS
    assert ImportRow.objects.filter(job=job, status=RowStatus.APPLIED).count() == ROWS


def test_a_job_showing_signs_of_life_is_left_alone(admin_client, django_capture_on_commit_callbacks):
    job = lost_upload(admin_client, django_capture_on_commit_callbacks)
    assert services.requeue_stuck_imports(older_than=timedelta(minutes=5)) == 0
    Import.objects.filter(pk=job.pk).update(touched_at=timezone.now() - timedelta(minutes=6))
    assert services.requeue_stuck_imports(older_than=timedelta(minutes=5)) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.READY


def broken_sweep(*, older_than):
    raise Invalid("boom")


def test_a_failing_sweep_is_logged_and_the_others_still_run(admin_client, django_capture_on_commit_callbacks, settings):
    settings.SCHEDULER_SWEEPS = ["imports.tests.test_sweep.broken_sweep", *settings.SCHEDULER_SWEEPS]
    job = lost_upload(admin_client, django_capture_on_commit_callbacks)
    tick()
    job.refresh_from_db()
    assert job.status == ImportStatus.READY


def test_the_scheduler_loop_runs_the_sweeps_each_tick(admin_client, django_capture_on_commit_callbacks):
    job = lost_upload(admin_client, django_capture_on_commit_callbacks)
    out = StringIO()
    RequeueCommand(stdout=out)._tick(timedelta(0))
    job.refresh_from_db()
    assert job.status == ImportStatus.READY
    assert "imports.services.requeue_stuck_imports: re-enqueued 1 job(s)." in out.getvalue()
