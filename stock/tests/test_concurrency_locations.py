"""Stock per location under real concurrency: PostgreSQL only (SQLite serializes every write anyway).

Real threads, each with its own connection (closed at the end), going through the API where the contract speaks
of requests. Every test ends with ``reconcile_stock`` clean. A deadlock would be hidden behind a 503 (the API
answers every OperationalError so), so the tests also read PostgreSQL's own deadlock counter.
"""

import random
import threading
import time
from collections import Counter, defaultdict

import pytest
from django.db import connection

from stock.models import Document, StockLevel, StockMovement
from stock.services import create_document, create_location
from stock.tests.factories import stocked_product
from stock.tests.test_concurrency import assert_no_drift, run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MOVEMENTS, DOCUMENTS = "/api/v1/stock/movements", "/api/v1/stock/documents"
RETRYABLE = 503


def deadlocks() -> int:
    """Deadlocks PostgreSQL has detected in this database since its statistics began (updated on commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def two_warehouses(admin_user):
    north = create_location(actor=admin_user, code="NORTH", name="North", priority=1)
    south = create_location(actor=admin_user, code="SOUTH", name="South", priority=2)
    return north, south


def receive_at(product, location, quantity, user):
    create_document(
        kind="receipt", user=user, location_id=location.pk, lines=[{"product_id": product.pk, "quantity": quantity}]
    )


def level_at(product, location) -> StockLevel:
    return StockLevel.objects.get(product=product, location=location)


def test_last_units_at_two_locations_with_transfers_between_them(client_for, staff_user, admin_user):
    """12 clients issue single units at two locations (the other one when theirs is empty) while 6 clients
    transfer units back and forth. Every unit is issued exactly once, never more, and each location's issues
    equal what it had plus what came in less what went out."""
    north, south = two_warehouses(admin_user)
    product = stocked_product(0)
    start = {north.pk: 40, south.pk: 40}
    for location in (north, south):
        receive_at(product, location, start[location.pk], admin_user)
    before = deadlocks()
    transfers_done = threading.Event()
    transferrers = 6
    finished = Counter()
    lock = threading.Lock()

    def issuer(index):
        client = client_for(staff_user)
        mine, other = (north, south) if index % 2 else (south, north)
        issued, statuses = Counter(), Counter()
        while True:
            empty = 0
            for location in (mine, other):
                body = {"product_id": product.pk, "change_type": "OUT", "quantity": 1, "location_id": location.pk}
                response = client.post(MOVEMENTS, body, format="json")
                statuses[response.status_code] += 1
                if response.status_code == 201:
                    issued[location.pk] += 1
                    break
                assert response.status_code in (409, RETRYABLE), response.json()
                empty += response.status_code == 409
            if empty == 2:
                if transfers_done.is_set():  # both empty and nothing can arrive any more: every unit is out
                    return issued, statuses
                time.sleep(0.01)

    def transferrer(index):
        client = client_for(admin_user)
        rng = random.Random(index)
        moved, statuses = Counter(), Counter()
        try:
            for _ in range(12):
                source, destination = rng.choice([(north, south), (south, north)])
                quantity = rng.randint(1, 3)
                body = {
                    "kind": "transfer",
                    "source_location_id": source.pk,
                    "destination_location_id": destination.pk,
                    "lines": [{"product_id": product.pk, "quantity": quantity}],
                }
                response = client.post(DOCUMENTS, body, format="json")
                statuses[response.status_code] += 1
                assert response.status_code in (201, 409, RETRYABLE), response.json()
                if response.status_code == 201:
                    moved[source.pk] -= quantity
                    moved[destination.pk] += quantity
        finally:
            with lock:
                finished["transferrers"] += 1
                if finished["transferrers"] == transferrers:
                    transfers_done.set()
        return moved, statuses

    results = run_threads(12 + transferrers, lambda index: issuer(index) if index < 12 else transferrer(index))
    issued, moved, statuses = Counter(), Counter(), Counter()
    for index, (counts, seen) in enumerate(results):
        (issued if index < 12 else moved).update(counts)
        statuses.update(seen)
    assert sum(issued.values()) == 80  # exactly the units there were: none issued twice, none left behind
    assert statuses[201] > 80, statuses  # some transfers went through, or the test proved nothing about them
    for location in (north, south):
        level = level_at(product, location)
        assert (level.on_hand, level.reserved) == (0, 0)
        assert issued[location.pk] == start[location.pk] + moved[location.pk]
        issues = StockMovement.objects.filter(product=product, location=location, change_type="OUT", reason="sale")
        assert issues.count() == issued[location.pk]
        assert level.transfer_in - level.transfer_out == moved[location.pk]
    assert deadlocks() == before
    assert_no_drift()


def test_multi_line_documents_in_opposite_line_orders_never_deadlock(client_for, staff_user, admin_user):
    """Issues and transfers (direct and via transit) of many lines over the same products, half of them with
    their lines in ascending and half in descending product order, some creating level rows on the way: every
    answer is 201, 409 or a retryable 503, never a 500, and PostgreSQL detects no deadlock."""
    north, south = two_warehouses(admin_user)
    products = [stocked_product(0) for _ in range(8)]
    for product in products[:6]:  # the last two have no rows at SOUTH until a transfer creates them
        receive_at(product, north, 30, admin_user)
    for product in products[:4]:
        receive_at(product, south, 20, admin_user)
    ids = [product.pk for product in products]
    before = deadlocks()

    def work(index):
        rng = random.Random(index)
        client = client_for(staff_user if index % 2 else admin_user)
        outcomes = []
        for attempt in range(6):
            chosen = rng.sample(ids, rng.randint(3, 8))
            chosen.sort(reverse=(index + attempt) % 2 == 0)
            lines = [{"product_id": product_id, "quantity": rng.randint(1, 6)} for product_id in chosen]
            source, destination = (north, south) if rng.random() < 0.6 else (south, north)
            body = rng.choice(
                [
                    {"kind": "issue", "location_id": source.pk},
                    {"kind": "transfer", "source_location_id": source.pk, "destination_location_id": destination.pk},
                    {
                        "kind": "transfer",
                        "source_location_id": source.pk,
                        "destination_location_id": destination.pk,
                        "via_transit": True,
                    },
                ]
            )
            response = client.post(DOCUMENTS, {**body, "lines": lines}, format="json")
            answer = response.json()
            assert response.status_code in (201, 409, RETRYABLE), answer
            if response.status_code == 409:
                assert answer["code"] == "insufficient_stock", answer
                assert answer["lines"], answer
            outcomes.append((response.status_code, answer.get("id"), body, lines))
        return outcomes

    outcomes = [outcome for batch in run_threads(16, work) for outcome in batch]
    statuses = Counter(status for status, *_ in outcomes)
    assert statuses[201] > 0 and statuses[409] > 0, statuses  # contention really happened
    assert deadlocks() == before
    # The levels are exactly the documents that answered 201, applied in any order.
    expected = defaultdict(int)
    for product in products[:6]:
        expected[(product.pk, north.pk)] += 30
    for product in products[:4]:
        expected[(product.pk, south.pk)] += 20
    created = {answer_id for status, answer_id, *_ in outcomes if status == 201}
    assert Document.objects.filter(pk__in=created).count() == len(created)
    for status, _, body, lines in outcomes:
        if status != 201:
            continue
        # Via transit, the stock sits at TRANSIT (checked by reconcile against the open transfers).
        destination = None if body.get("via_transit") else body.get("destination_location_id")
        for line in lines:
            expected[(line["product_id"], body.get("location_id") or body["source_location_id"])] -= line["quantity"]
            if destination is not None:
                expected[(line["product_id"], destination)] += line["quantity"]
    for level in StockLevel.objects.filter(product_id__in=ids).exclude(location__kind="transit"):
        assert level.on_hand == expected[(level.product_id, level.location_id)] >= 0
    assert_no_drift()


def test_concurrent_reversals_of_one_document_reverse_it_once(client_for, admin_user):
    north, south = two_warehouses(admin_user)
    products = [stocked_product(0) for _ in range(3)]
    document = create_document(
        kind="receipt",
        user=admin_user,
        location_id=north.pk,
        lines=[{"product_id": product.pk, "quantity": 10} for product in products],
    )
    before = deadlocks()

    def work(index):
        response = client_for(admin_user).post(f"{DOCUMENTS}/{document.pk}/reverse", format="json")
        return response.status_code, response.json().get("code")

    results = Counter(run_threads(12, work))
    assert results[(201, None)] == 1, results
    assert set(results) <= {(201, None), (409, "already_reversed"), (RETRYABLE, "service_unavailable")}, results
    assert Document.objects.filter(reverses=document).count() == 1
    for product in products:
        assert level_at(product, north).on_hand == 0
    assert deadlocks() == before
    assert_no_drift()


def test_concurrent_reversals_of_one_movement_reverse_it_once(client_for, admin_user):
    """The same for ``POST stock/movements/{id}/reverse``, racing with the reversal of its document."""
    north, _ = two_warehouses(admin_user)
    product = stocked_product(0)
    single = stocked_product(0)
    document = create_document(
        kind="receipt", user=admin_user, location_id=north.pk, lines=[{"product_id": product.pk, "quantity": 10}]
    )
    receive_at(single, north, 10, admin_user)
    (in_document,) = document.movements.all()
    (alone,) = StockMovement.objects.filter(product=single)

    def work(index):
        client = client_for(admin_user)
        if index % 3 == 0:
            response = client.post(f"{DOCUMENTS}/{document.pk}/reverse", format="json")
        else:
            movement = in_document if index % 3 == 1 else alone
            response = client.post(f"{MOVEMENTS}/{movement.pk}/reverse", format="json")
        return index % 3 == 2, response.status_code, response.json().get("code")

    results = Counter(run_threads(12, work))
    for alone_too in (False, True):
        mine = {key[1:]: count for key, count in results.items() if key[0] is alone_too}
        assert mine.get((201, None)) == 1, results
        assert set(mine) <= {(201, None), (409, "already_reversed"), (RETRYABLE, "service_unavailable")}, results
    assert level_at(product, north).on_hand == 0
    assert level_at(single, north).on_hand == 0
    assert_no_drift()


def test_first_rows_at_a_location_created_by_a_document_and_a_movement_at_once(client_for, admin_user):
    """A two-line transfer creates the destination rows of both products while a single movement creates one
    of them: the rows are new each round, so each round races the creation of level rows, not only their locks."""
    north, south = two_warehouses(admin_user)
    before = deadlocks()
    statuses = Counter()
    for _ in range(15):
        first, second = stocked_product(0), stocked_product(0)
        for product in (first, second):
            receive_at(product, north, 10, admin_user)

        def work(index, first=first, second=second):
            client = client_for(admin_user)
            if index % 2:
                lines = [
                    {"product_id": p.pk, "quantity": 1}
                    for p in ((first, second) if index % 4 == 1 else (second, first))
                ]
                body = {"kind": "transfer", "source_location_id": north.pk, "destination_location_id": south.pk}
                return client.post(DOCUMENTS, {**body, "lines": lines}, format="json").status_code
            product = first if index % 4 == 0 else second
            body = {"product_id": product.pk, "change_type": "IN", "quantity": 1, "location_id": south.pk}
            return client.post(MOVEMENTS, body, format="json").status_code

        statuses.update(run_threads(8, work))
    assert set(statuses) <= {201, RETRYABLE} and statuses[201] > 0, statuses
    assert deadlocks() == before, statuses  # 23 in 15 rounds when a movement created its row under its lock
    assert_no_drift()
