"""Low-stock emails are read from the outbox (the crossing's ``stock.low`` event) and sent once, even when the
relay's run or the email's job is lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from integrations import relay
from integrations.models import Event, EventType
from stock.jobs import send_low_stock_alert
from stock.models import LowStockAlert
from stock.services import record_movement, requeue_low_stock_alerts
from stock.tests.factories import stocked_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _jobs_in_process(settings):
    settings.JOBS_IN_PROCESS = True
    settings.STOCK_ALERT_EMAILS = ["buyer@example.com"]


def test_a_crossing_records_an_alert_and_emails_it_once(admin_user, django_capture_on_commit_callbacks):
    product = stocked_product(10, min_quantity=5)
    with django_capture_on_commit_callbacks(execute=True):
        record_movement(product=product, change_type="OUT", quantity=4, user=admin_user)  # 6 left: not low
    assert not LowStockAlert.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        record_movement(product=product, change_type="OUT", quantity=2, user=admin_user)  # 4 <= 5
    alert = LowStockAlert.objects.get()
    assert (alert.product_id, alert.available, alert.min_quantity) == (product.pk, 4, 5)
    assert alert.sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["buyer@example.com"]
    assert product.sku in mail.outbox[0].subject and "4 available" in mail.outbox[0].body

    send_low_stock_alert(alert.pk)  # a duplicate job
    assert requeue_low_stock_alerts(older_than=timedelta(0)) == 0  # nothing unsent
    assert len(mail.outbox) == 1


def test_a_crossing_whose_relay_and_job_were_lost_is_emailed_by_the_scheduler_once(admin_user, settings):
    product = stocked_product(10, min_quantity=5)
    # No on-commit hook runs inside this test's transaction: the relay's kick and the job are lost, as with
    # Redis down at commit time. The crossing's event is in the outbox, unstamped; no alert row exists yet.
    record_movement(product=product, change_type="OUT", quantity=6, user=admin_user)
    event = Event.objects.get(type=EventType.STOCK_LOW)
    assert event.sequence is None and not LowStockAlert.objects.exists()

    assert requeue_low_stock_alerts(older_than=timedelta(hours=1)) == 0
    assert mail.outbox == []
    call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115 - a tick
    alert = LowStockAlert.objects.get()
    assert (alert.event_id, alert.available, alert.min_quantity) == (event.pk, 4, 5)
    assert alert.sent_at is not None and len(mail.outbox) == 1
    call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1 and LowStockAlert.objects.count() == 1


def test_each_committed_crossing_makes_one_alert_and_a_rolled_back_one_none(admin_user):
    product = stocked_product(10, min_quantity=5)
    with pytest.raises(RuntimeError), transaction.atomic():
        record_movement(product=product, change_type="OUT", quantity=6, user=admin_user)
        raise RuntimeError("after the movement")
    record_movement(product=product, change_type="OUT", quantity=6, user=admin_user)  # 4: low
    record_movement(product=product, change_type="IN", quantity=6, user=admin_user)  # back in stock
    record_movement(product=product, change_type="OUT", quantity=9, user=admin_user)  # 1: low again
    assert relay.run() > 0 and relay.run() == 0  # a second run has nothing to stamp, so makes nothing
    alerts = list(LowStockAlert.objects.order_by("id").values_list("available", "event__type"))
    assert alerts == [(4, "stock.low"), (1, "stock.low")]


def test_a_failing_reader_rolls_the_relay_back_and_loses_nothing(admin_user, monkeypatch):
    product = stocked_product(10, min_quantity=5)
    record_movement(product=product, change_type="OUT", quantity=6, user=admin_user)

    def broken(events):
        raise RuntimeError("the alerts' table is unreachable")

    monkeypatch.setattr(relay, "_consumers", lambda: [broken])
    with pytest.raises(RuntimeError):
        relay.run()
    assert Event.objects.filter(sequence__isnull=False).count() == 0 and not LowStockAlert.objects.exists()
    monkeypatch.undo()
    assert relay.run() > 0 and LowStockAlert.objects.count() == 1


def test_without_recipients_an_alert_is_closed_without_an_email(admin_user, settings):
    settings.STOCK_ALERT_EMAILS = []
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    product = stocked_product(10, min_quantity=5)
    record_movement(product=product, change_type="OUT", quantity=6, user=admin_user)  # its job is lost
    relay.run()
    assert requeue_low_stock_alerts(older_than=timedelta(0)) == 1
    assert mail.outbox == [] and LowStockAlert.objects.get().sent_at is not None  # not retried for ever


def test_admin_lists_alerts_read_only(admin_web, admin_user):
    product = stocked_product(10, min_quantity=5)
    record_movement(product=product, change_type="OUT", quantity=6, user=admin_user)
    relay.run()
    page = admin_web.get("/admin/stock/lowstockalert/?sent_at__isempty=1")
    assert page.status_code == 200 and product.sku.encode() in page.content
    assert admin_web.get("/admin/stock/lowstockalert/add/").status_code == 403
