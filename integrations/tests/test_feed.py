"""The event feed: a cursor (after, next_after, last_sequence), types, limits, 410 past the retention, scopes,
what an API client sees (its locations, its own orders), and /readyz's outbox lag."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import clients
from integrations import feed, relay
from integrations.models import Event, EventType
from integrations.outbox import emit
from stock.models import Location, LocationKind
from stock.tests.factories import receive, stocked_product

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"


def stamp():
    relay.run_job()


def key_for(admin_user, scopes=("events:read",), location_ids=()):
    client = clients.create_client(actor=admin_user, name="ERP", scopes=list(scopes), location_ids=list(location_ids))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {clients.create_key(actor=admin_user, client=client)[1]}")
    return client, api


def test_the_feed_pages_by_cursor_in_ascending_sequence(admin_client, admin_user):
    product = stocked_product(0)
    for _ in range(5):
        receive(product, 1, user=admin_user)
    stamp()
    first = admin_client.get(f"{EVENTS}?limit=2&types=stock.changed").json()
    assert set(first) == {"results", "next_after", "last_sequence"}
    assert [e["sequence"] for e in first["results"]] == sorted(e["sequence"] for e in first["results"])
    assert len(first["results"]) == 2 and first["next_after"] == first["results"][-1]["sequence"]
    seen = [e["sequence"] for e in first["results"]]
    after = first["next_after"]
    while True:
        page = admin_client.get(f"{EVENTS}?after={after}&limit=2&types=stock.changed").json()
        seen += [e["sequence"] for e in page["results"]]
        if not page["results"]:
            break
        after = page["next_after"]
    assert len(seen) == 5 == len(set(seen)) and seen == sorted(seen)
    assert page["last_sequence"] == Event.objects.order_by("-sequence").first().sequence
    event = first["results"][0]
    assert set(event) == {"id", "sequence", "type", "occurred_at", "data"} and len(event["id"]) == 36


def test_an_event_committed_late_is_never_skipped(admin_client, admin_user):
    """A poller at the newest sequence sees an event whose transaction committed after its last read: the
    relay stamps it above everything already visible."""
    product = stocked_product(0)
    receive(product, 1, user=admin_user)
    stamp()
    cursor = admin_client.get(EVENTS).json()["next_after"]
    receive(product, 2, user=admin_user)  # committed later, stamped later
    stamp()
    late = admin_client.get(f"{EVENTS}?after={cursor}&types=stock.changed").json()["results"]
    assert [e["data"]["delta_on_hand"] for e in late] == [2]


@pytest.mark.parametrize(
    "query, field",
    [
        ("after=-1", "after"),
        ("after=x", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("types=nope", "types"),
    ],
)
def test_bad_parameters_are_400(admin_client, query, field):
    answer = admin_client.get(f"{EVENTS}?{query}")
    assert answer.status_code == 400 and field in answer.json()["errors"]


def test_after_below_the_oldest_kept_is_410(admin_client, admin_user, settings):
    product = stocked_product(0)
    for _ in range(3):
        receive(product, 1, user=admin_user)
    stamp()
    Event.objects.filter(sequence__lte=2).update(occurred_at=timezone.now() - timedelta(days=31))
    assert feed.purge() == 2
    gone = admin_client.get(f"{EVENTS}?after=0")
    assert gone.status_code == 410 and gone.json()["code"] == "events_expired"
    assert admin_client.get(f"{EVENTS}?after=2").status_code == 200


def test_staff_and_keys_without_events_read_are_refused(staff_client, admin_user):
    assert staff_client.get(EVENTS).status_code == 403
    _, api = key_for(admin_user, scopes=("stock:read",))
    answer = api.get(EVENTS)
    assert answer.status_code == 403 and answer.json()["code"] == "insufficient_scope"
    _, api = key_for(admin_user)
    assert api.get(EVENTS).status_code == 200


def test_a_client_sees_stock_events_at_its_locations_and_only_its_own_orders(admin_user):
    wh2 = Location.objects.create(code="WH2", name="Second", kind=LocationKind.WAREHOUSE, priority=3)
    bin2 = Location.objects.create(code="WH2-A", name="Bin", kind=LocationKind.BIN, parent=wh2, priority=4)
    client, api = key_for(admin_user, location_ids=[wh2.pk])
    product = stocked_product(0)
    receive(product, 1, user=admin_user)  # at MAIN: not visible
    receive(product, 2, user=admin_user, location=bin2)  # under WH2: visible
    emit(EventType.ORDER_CREATED, {"order_id": 1}, owner_id=client.user_id)
    emit(EventType.ORDER_CREATED, {"order_id": 2}, owner_id=admin_user.pk)
    stamp()
    results = api.get(EVENTS).json()["results"]
    stock = [e for e in results if e["type"] == "stock.changed"]
    assert [e["data"]["location_id"] for e in stock] == [bin2.pk]
    assert [e["data"]["order_id"] for e in results if e["type"] == "order.created"] == [1]


def test_readyz_shows_the_outbox_lag(client, admin_user, monkeypatch):
    monkeypatch.setattr(relay, "kick", lambda: None)
    receive(stocked_product(0), 1, user=admin_user)
    Event.objects.update(occurred_at=timezone.now() - timedelta(seconds=90))
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["outbox_lag"]["relay_seconds"] >= 90
    stamp()
    assert client.get("/readyz").json()["outbox_lag"]["relay_seconds"] == 0.0
