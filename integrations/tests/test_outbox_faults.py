"""Faults of the outbox, with real RQ and a private redis-server: an event committed while Redis is down is
stamped and delivered once it returns (the scheduler's sweep), and a worker killed mid-delivery leaves a lease
that expires, after which the delivery is sent again."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations import delivery, webhooks
from integrations.models import DeliveryStatus, Event, WebhookDelivery
from integrations.tests.receiver import Receiver
from orders.tests.support import work_burst
from stock.tests.factories import receive, stocked_product

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def outbox_redis(private_redis, settings):
    settings.OUTBOX_INLINE = False  # the relay and the senders go through RQ, as in production
    return private_redis


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def test_an_event_committed_while_redis_is_down_is_delivered_after_it_returns(outbox_redis, receiver, admin_user):
    hook = webhooks.create_webhook(user=admin_user, url=receiver.url, events=["stock.changed"])
    product = stocked_product(0)
    work_burst()
    outbox_redis.stop()
    movement, _ = receive(product, 3, user=admin_user)  # committed; the relay's job could not be enqueued
    event = Event.objects.get(data__movement_ids=[movement.pk])
    assert event.sequence is None and not receiver.requests

    outbox_redis.start()  # back, empty
    work_burst()
    assert not [r for r in receiver.requests if json.loads(r.body)["id"] == str(event.uuid)]
    call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115 - a tick
    work_burst()  # the sweep stamped the event and enqueued the senders' job: it delivers
    delivered = [json.loads(r.body) for r in receiver.requests]
    assert str(event.uuid) in [body["id"] for body in delivered]
    assert WebhookDelivery.objects.get(webhook=hook, event=event).status == DeliveryStatus.SUCCEEDED


def test_a_crossing_committed_while_redis_is_down_is_emailed_once_from_the_outbox(outbox_redis, admin_user, settings):
    """The low-stock email reads the outbox: with the relay's kick lost, no alert exists until the scheduler's
    sweep stamps the crossing's event; then it is emailed once."""
    from django.core import mail

    from stock.models import LowStockAlert
    from stock.services import record_movement

    settings.STOCK_ALERT_EMAILS = ["buyer@example.com"]
    product = stocked_product(10, min_quantity=5)
    work_burst()
    outbox_redis.stop()
    record_movement(product=product, change_type="OUT", quantity=6, user=admin_user)  # 4: low; kick lost
    assert Event.objects.get(type="stock.low").sequence is None and not LowStockAlert.objects.exists()

    outbox_redis.start()  # back, empty
    for _ in range(2):  # scheduler ticks, each followed by a worker run
        call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115
        work_burst()
    assert [message.to for message in mail.outbox] == [["buyer@example.com"]]
    assert LowStockAlert.objects.get().sent_at is not None


def test_a_delivery_whose_worker_died_is_sent_again_once_its_lease_expires(outbox_redis, receiver, admin_user):
    webhooks.create_webhook(user=admin_user, url=receiver.url, events=["stock.changed"])
    receive(stocked_product(0), 1, user=admin_user)
    work_burst("high")  # the relay's job: it stamps the event and enqueues the senders' job (not run yet)
    ((claimed, _lease),) = delivery.claim()  # a worker took it, then was killed before recording anything
    call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115
    work_burst()
    assert not receiver.requests  # still leased: nobody sends it twice at once
    WebhookDelivery.objects.filter(pk=claimed.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115
    work_burst()
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(pk=claimed.pk).status == DeliveryStatus.SUCCEEDED
