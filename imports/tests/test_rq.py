"""The import jobs through real RQ, on PostgreSQL and a private redis-server: upload -> the validation job on queue
``low`` -> apply -> the apply job; and jobs lost with Redis (restarted empty, or down when the request committed)
are enqueued again by the scheduler's sweep and run once."""

from io import StringIO

import pytest
import redis
from django.core.management import call_command

from audit.models import AuditEvent
from catalog.exchange import PRODUCT_COLUMNS
from catalog.models import Product
from imports.models import Import, ImportStatus
from imports.tests.support import URL, csv_bytes, product_line, upload
from orders.tests.support import RedisServer, assert_stock_consistent, work_burst

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROWS = 40


def waiting(server: RedisServer, queue: str = "low") -> list[str]:
    conn = redis.Redis.from_url(server.url, socket_connect_timeout=1)
    return [job_id.decode() for job_id in conn.lrange(f"rq:queue:{queue}", 0, -1)]


def tick() -> str:
    out = StringIO()
    call_command("requeue_orders", "--older-than", "0", stdout=out)
    return out.getvalue()


def content() -> bytes:
    return csv_bytes(PRODUCT_COLUMNS, [product_line(f"RQ-{n:03d}", category="Queued") for n in range(ROWS)])


def status(import_id: int) -> str:
    return Import.objects.get(pk=import_id).status


def test_validation_and_apply_run_as_rq_jobs_on_the_low_queue(private_redis, admin_client):
    response = upload(admin_client, "products", content())
    assert response.status_code == 201, response.content
    import_id = response.json()["id"]
    assert status(import_id) == ImportStatus.VALIDATING  # the request only enqueued the job
    assert waiting(private_redis) == [f"import-validate-{import_id}"]

    work_burst()
    assert status(import_id) == ImportStatus.READY and not Product.objects.filter(sku__startswith="RQ-").exists()

    assert admin_client.post(f"{URL}/{import_id}/apply").status_code == 202
    assert status(import_id) == ImportStatus.APPLYING
    assert waiting(private_redis) == [f"import-apply-{import_id}"]
    work_burst()
    job = Import.objects.get(pk=import_id)
    assert (job.status, job.count_applied, job.changed_create) == (ImportStatus.DONE, ROWS, ROWS)
    assert Product.objects.filter(sku__startswith="RQ-").count() == ROWS

    events = AuditEvent.objects.count()
    again = admin_client.post(f"{URL}/{import_id}/apply")
    assert again.status_code == 200 and not waiting(private_redis)  # done: nothing enqueued, nothing written
    assert (Product.objects.count(), AuditEvent.objects.count()) == (ROWS, events)


def test_jobs_lost_with_redis_are_enqueued_again_by_the_scheduler_and_run_once(private_redis, admin_client):
    response = upload(admin_client, "products", content())
    import_id = response.json()["id"]
    private_redis.stop()
    private_redis.start()  # back, empty: the validation job is gone
    work_burst()
    assert status(import_id) == ImportStatus.VALIDATING

    assert "re-enqueued 1 job(s)" in tick()
    assert "requeue_stuck_imports" not in tick()  # its job already waits: not enqueued twice
    assert waiting(private_redis) == [f"import-validate-{import_id}"]
    work_burst()
    assert status(import_id) == ImportStatus.READY

    private_redis.stop()  # down when the apply commits: the request still answers, the job is not enqueued
    assert admin_client.post(f"{URL}/{import_id}/apply").status_code == 202
    private_redis.start()
    assert status(import_id) == ImportStatus.APPLYING and not waiting(private_redis)

    tick()
    work_burst()
    assert status(import_id) == ImportStatus.DONE
    assert Product.objects.filter(sku__startswith="RQ-").count() == ROWS
    assert AuditEvent.objects.filter(action="product.created").count() == ROWS
    assert "requeue_stuck_imports" not in tick()
    assert not waiting(private_redis)
    assert_stock_consistent()
