"""Webhooks end to end against a real HTTP receiver on 127.0.0.1: the API, Standard Webhooks signatures checked
with the standardwebhooks verifier, retries and their backoff, no retry on a 4xx, Retry-After, no redirects,
redeliver, secret rotation overlap, per-endpoint order, disabling after 3 days (a fake clock)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from accounts import clients
from integrations import delivery, relay, webhooks
from integrations.models import DeliveryStatus, Event, EventType, Webhook, WebhookDelivery
from integrations.tests.receiver import Receiver
from stock import services
from stock.tests.factories import issue, receive, stocked_product

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhooks"
# A delivery's fields in the contract, written out (not imported from the serializer they check).
DELIVERY_KEYS = set(
    "id event_id event_type status attempts last_status_code last_error duration_ms next_attempt_at created_at".split()
)


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def deliver():
    """What the relay and the senders do after a commit (these tests hold one transaction: run them here)."""
    relay.run_job()
    return delivery.process_due()


def make_hook(admin_client, url, events=("stock.changed",), **fields):
    answer = admin_client.post(HOOKS, {"url": url, "events": list(events), **fields}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def verified(request, secret):
    headers = {name: request.headers[name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    return Verifier(secret).verify(request.body, headers)


def test_create_answers_the_secret_once_and_the_list_never(admin_client, receiver):
    hook = make_hook(admin_client, receiver.url)
    assert set(hook) == {"id", "url", "events", "location_ids", "is_active", "created_at", "disabled_reason", "secret"}
    assert hook["secret"].startswith("whsec_")
    listed = admin_client.get(HOOKS).json()["results"]
    assert listed[0]["id"] == hook["id"] and "secret" not in listed[0]
    assert "secret" not in admin_client.get(f"{HOOKS}/{hook['id']}").json()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "ftp://example.com/x", "events": ["stock.changed"]}, "url"),
        ({"url": "not a url", "events": ["stock.changed"]}, "url"),
        ({"url": "http://example.com/x", "events": []}, "events"),
        ({"url": "http://example.com/x", "events": ["stock.exploded"]}, "events"),
        ({"url": "http://example.com/x", "events": "stock.changed"}, "events"),
    ],
)
def test_bad_webhooks_are_400_on_their_field(admin_client, body, field):
    answer = admin_client.post(HOOKS, body, format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"], answer.json()
    assert not Webhook.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x", "http://169.254.1.1/"])
def test_private_targets_are_refused_unless_allowed(admin_client, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    answer = admin_client.post(HOOKS, {"url": url, "events": ["stock.changed"]}, format="json")
    assert answer.status_code == 400 and "url" in answer.json()["errors"]


def test_a_movement_is_delivered_signed_and_verifiable(admin_client, admin_user, receiver):
    hook = make_hook(admin_client, receiver.url)
    product = stocked_product(0)
    movement, _ = receive(product, 5, user=admin_user)
    assert deliver() == 1
    (request,) = receiver.requests
    payload = verified(request, hook["secret"])  # raises on a bad signature
    event = Event.objects.get(type=EventType.STOCK_CHANGED)
    assert request.headers["webhook-id"] == str(event.uuid)
    assert payload["id"] == str(event.uuid) and payload["sequence"] == event.sequence
    assert payload["type"] == "stock.changed" and payload["data"]["movement_ids"] == [movement.pk]
    assert set(payload) == {"id", "sequence", "type", "occurred_at", "data"}
    with pytest.raises(WebhookVerificationError):
        Verifier(webhooks.new_secret()).verify(request.body, dict(request.headers))  # another secret fails
    status = admin_client.get(f"{HOOKS}/{hook['id']}/deliveries").json()["results"][0]
    assert status["status"] == "succeeded" and status["attempts"] == 1 and status["last_status_code"] == 200
    assert set(status) == DELIVERY_KEYS


def test_only_the_types_asked_for_are_delivered(admin_client, admin_user, receiver):
    make_hook(admin_client, receiver.url, events=["stock.low"])
    product = stocked_product(0, min_quantity=3)
    receive(product, 5, user=admin_user)  # stock.changed (+ back in stock): not wanted
    issue(product, 3, user=admin_user)  # stock.low
    deliver()
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["stock.low"]


@pytest.mark.parametrize("code", [500, 503, 408, 429])
def test_a_retryable_answer_is_retried_with_the_same_id_until_it_succeeds(admin_client, admin_user, receiver, code):
    receiver.answers = [(code, {})]
    hook = make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and row.last_status_code == code
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < wait <= 60  # the first retry within a minute
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # the retry is due
    delivery.process_due()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SUCCEEDED and row.attempts == 2
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verified(second, hook["secret"])


@pytest.mark.parametrize("code", [400, 401, 404, 410, 302])
def test_another_4xx_or_a_redirect_fails_the_delivery_without_retry(admin_client, admin_user, receiver, code):
    receiver.answers = [(code, {"Location": "http://127.0.0.1:1/elsewhere"})]
    make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.last_status_code == code
    assert len(receiver.requests) == 1  # the redirect was not followed


def test_a_connection_error_is_retried(admin_client, admin_user, receiver):
    url = receiver.url
    receiver.stop()
    make_hook(admin_client, url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.PENDING and row.last_status_code is None and row.last_error
    receiver.start()  # on a new port: nothing to do here but keep the fixture's stop() happy


def test_retry_after_is_honoured_up_to_an_hour(admin_client, admin_user, receiver):
    receiver.answers = [(429, {"Retry-After": "120"}), (503, {"Retry-After": "86400"})]
    make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    row = WebhookDelivery.objects.get()
    assert 110 <= (row.next_attempt_at - timezone.now()).total_seconds() <= 120
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    delivery.process_due()
    row.refresh_from_db()
    assert 3500 <= (row.next_attempt_at - timezone.now()).total_seconds() <= 3600


def test_backoff_grows_and_is_capped():
    waits = [delivery.backoff(n).total_seconds() for n in range(1, 15)]
    assert 11 <= waits[0] <= 19 and waits[3] > waits[0]
    assert max(waits) <= 3600 * 1.25
    # Retries last at least 24 hours before giving up.
    assert delivery.GIVE_UP_AFTER >= timedelta(hours=24)


def test_an_endpoint_failing_for_three_days_is_disabled(admin_client, admin_user, receiver):
    receiver.default = (500, {})
    hook = make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    start = timezone.now()
    row = WebhookDelivery.objects.get()
    for hours in (1, 30, 60, 73):  # a fake clock: attempts an hour, a day and three days later
        now = start + timedelta(hours=hours)
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=now)
        for claimed, lease in delivery.claim(now=now):
            delivery.record(claimed, lease, delivery.send(claimed, now=now), now=now)
    webhook = Webhook.objects.get(pk=hook["id"])
    row.refresh_from_db()
    assert not webhook.is_active and "3 days" in webhook.disabled_reason
    assert row.status in (DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)
    assert admin_client.get(f"{HOOKS}/{hook['id']}").json()["disabled_reason"] == webhook.disabled_reason


def test_a_success_in_between_keeps_the_endpoint_on(admin_client, admin_user, receiver):
    receiver.answers = [(500, {})]
    hook = make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    later = timezone.now() + timedelta(days=2)
    WebhookDelivery.objects.update(next_attempt_at=later)
    for claimed, lease in delivery.claim(now=later):
        delivery.record(claimed, lease, delivery.send(claimed, now=later), now=later)
    webhook = Webhook.objects.get(pk=hook["id"])
    assert webhook.is_active and webhook.failing_since is None


def test_rotation_signs_with_both_secrets_for_a_day(admin_client, admin_user, receiver):
    hook = make_hook(admin_client, receiver.url)
    rotated = admin_client.post(f"{HOOKS}/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200 and set(rotated.json()) == {"secret"}
    new = rotated.json()["secret"]
    assert new != hook["secret"]
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    (request,) = receiver.requests
    verified(request, hook["secret"])  # a receiver still on the old secret accepts it
    verified(request, new)  # and one already on the new secret
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook.objects.update(previous_secret_until=timezone.now() - timedelta(seconds=1))  # the day is over
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    last = receiver.requests[-1]
    verified(last, new)
    with pytest.raises(WebhookVerificationError):
        verified(last, hook["secret"])


def test_ping_goes_only_to_its_endpoint_and_not_in_the_feed(admin_client, receiver):
    hook = make_hook(admin_client, receiver.url)
    other = Receiver().start()
    try:
        make_hook(admin_client, other.url)
        answer = admin_client.post(f"{HOOKS}/{hook['id']}/ping")
        assert answer.status_code == 202
        delivery.process_due()
        (request,) = receiver.requests
        assert json.loads(request.body)["type"] == "webhook.ping" and not other.requests
        verified(request, hook["secret"])
        assert admin_client.get("/api/v1/events").json()["results"] == []
    finally:
        other.stop()


def test_redeliver_sends_the_same_event_again(admin_client, admin_user, receiver):
    receiver.answers = [(400, {})]
    hook = make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    failed = admin_client.get(f"{HOOKS}/{hook['id']}/deliveries?status=failed").json()["results"]
    assert len(failed) == 1
    answer = admin_client.post(f"/api/v1/webhook-deliveries/{failed[0]['id']}/redeliver")
    assert answer.status_code == 202
    delivery.process_due()
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body
    assert admin_client.get(f"{HOOKS}/{hook['id']}/deliveries?status=succeeded").json()["count"] == 1
    assert admin_client.post("/api/v1/webhook-deliveries/999999/redeliver").status_code == 404


def test_deliveries_per_endpoint_arrive_in_sequence_order(admin_client, admin_user, receiver):
    make_hook(admin_client, receiver.url)
    product = stocked_product(0)
    for quantity in range(1, 8):
        receive(product, quantity, user=admin_user)
    deliver()
    sequences = [json.loads(r.body)["sequence"] for r in receiver.requests]
    assert sequences == sorted(sequences) and len(sequences) == 7


def test_delete_cancels_pending_deliveries(admin_client, admin_user, receiver):
    receiver.default = (500, {})
    hook = make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    assert admin_client.delete(f"{HOOKS}/{hook['id']}").status_code == 204
    assert not WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    assert admin_client.get(f"{HOOKS}/{hook['id']}").status_code == 404


def test_an_expired_lease_is_claimed_again(admin_client, admin_user, receiver):
    """A worker killed mid-delivery leaves its lease: once it expires the delivery is sent again, and the dead
    worker's late answer is not recorded over the new one."""
    make_hook(admin_client, receiver.url)
    receive(stocked_product(0), 1, user=admin_user)
    relay.run_job()
    ((claimed, dead_lease),) = delivery.claim()
    assert delivery.claim() == []  # leased: nobody else takes it
    later = timezone.now() + delivery.LEASE + timedelta(seconds=1)
    ((again, lease),) = delivery.claim(now=later)
    assert again.pk == claimed.pk and lease != dead_lease
    assert delivery.record(again, lease, delivery.send(again))
    assert not delivery.record(claimed, dead_lease, delivery.Outcome(500, "late", 1))
    again.refresh_from_db()
    assert again.status == DeliveryStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("keep_alive", "drop_idle", "connections"), [(True, False, 1), (False, False, 5), (True, True, 5)]
)
def test_a_batch_goes_over_one_kept_connection_and_a_dropped_one_is_reopened(
    admin_client, admin_user, keep_alive, drop_idle, connections
):
    """HTTP/1.1: one connection for the whole batch; HTTP/1.0, or a receiver closing idle connections without
    saying so: a connection each, every delivery received once and recorded."""
    running = Receiver(keep_alive=keep_alive, drop_idle=drop_idle).start()
    try:
        make_hook(admin_client, running.url)
        product = stocked_product(0)
        for _ in range(5):
            receive(product, 1, user=admin_user)
        assert deliver() == 5
        assert len(running.requests) == 5 and len({r.headers["webhook-id"] for r in running.requests}) == 5
        assert len(running.connections) == connections
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    finally:
        running.stop()


def test_a_batch_is_recorded_in_a_fixed_number_of_queries(admin_client, admin_user, django_assert_max_num_queries):
    running = Receiver(keep_alive=True).start()
    try:
        make_hook(admin_client, running.url)
        product = stocked_product(0)
        for _ in range(30):
            receive(product, 1, user=admin_user)
        relay.run_job()
        with django_assert_max_num_queries(14):  # 30 deliveries: claim 5, record 5, empty claim 3
            assert delivery.process_due() == 30
        assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 30
    finally:
        running.stop()


def test_the_address_connected_to_is_checked_too(admin_client, admin_user, receiver, settings, monkeypatch):
    """A name that resolved to a public address when checked but connects to a private one (DNS rebinding)."""
    make_hook(admin_client, receiver.url)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    monkeypatch.setattr(delivery, "check_target", lambda url: None)  # the resolution looked public
    receive(stocked_product(0), 1, user=admin_user)
    deliver()
    row = WebhookDelivery.objects.get()
    assert receiver.requests == [] and row.status == DeliveryStatus.PENDING and "non-public" in row.last_error


def test_update_and_validation_of_an_existing_webhook(admin_client, receiver):
    hook = make_hook(admin_client, receiver.url)
    changed = admin_client.patch(f"{HOOKS}/{hook['id']}", {"events": ["stock.low", "order.created"]}, format="json")
    assert changed.status_code == 200 and sorted(changed.json()["events"]) == ["order.created", "stock.low"]
    bad = admin_client.patch(f"{HOOKS}/{hook['id']}", {"events": ["nope"]}, format="json")
    assert bad.status_code == 400
    assert admin_client.get(f"{HOOKS}/999999").status_code == 404


def test_staff_cannot_manage_webhooks(staff_client):
    assert staff_client.get(HOOKS).status_code == 403
    assert staff_client.post(HOOKS, {"url": "http://example.com", "events": ["stock.changed"]}).status_code == 403


def test_item_errors_are_plain_messages(admin_client):
    answer = admin_client.post(HOOKS, {"url": "http://example.com/x", "events": ["stock.changed", 5]}, format="json")
    assert answer.status_code == 400
    assert all(isinstance(message, str) for message in answer.json()["errors"]["events"]), answer.json()
    answer = admin_client.post(
        HOOKS, {"url": "http://example.com/x", "events": ["stock.changed"], "location_ids": ["x"]}, format="json"
    )
    assert answer.status_code == 400 and answer.json()["errors"]["location_ids"][0].startswith("Item 0:")


def test_a_clients_webhook_stays_within_its_locations_and_delivers_only_what_it_sees(admin_user, receiver):
    wh2 = services.create_location(actor=admin_user, code="WH2", name="Second", kind="warehouse")
    client = clients.create_client(actor=admin_user, name="Shop", scopes=["webhooks:manage"], location_ids=[wh2.pk])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {clients.create_key(actor=admin_user, client=client)[1]}")
    main = services.default_location()
    outside = api.post(
        HOOKS, {"url": receiver.url, "events": ["stock.changed"], "location_ids": [main.pk]}, format="json"
    )
    assert outside.status_code == 400 and "location_ids" in outside.json()["errors"]
    hook = api.post(HOOKS, {"url": receiver.url, "events": ["stock.changed"]}, format="json")
    assert hook.status_code == 201 and hook.json()["location_ids"] == [wh2.pk]
    product = stocked_product(0)
    receive(product, 1, user=admin_user)  # at MAIN: not the client's
    receive(product, 2, user=admin_user, location=wh2)
    deliver()
    assert [json.loads(r.body)["data"]["location_id"] for r in receiver.requests] == [wh2.pk]


def test_the_relay_kicks_the_senders_only_when_it_made_deliveries(
    admin_client, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    """No new delivery, no sender job (a due retry is the sweep's); a new one is sent at once."""
    kicks = []
    monkeypatch.setattr(delivery, "kick", lambda: kicks.append("kick"))
    product = stocked_product(0)
    receive(product, 1, user=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert relay.run() >= 1
    assert kicks == []
    make_hook(admin_client, "https://hooks.example.com/in")
    kicks.clear()  # creating the webhook may kick the senders itself
    receive(product, 1, user=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert relay.run() >= 1
    assert kicks == ["kick"]
