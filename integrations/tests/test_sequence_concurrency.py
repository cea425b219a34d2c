"""Sequences under concurrent writers on PostgreSQL: many threads write movements (each commit kicks the relay in
its own thread, so relays race too) while a poller follows the feed with its cursor. Every event gets a unique
sequence, each writer's events are stamped in its commit order, and the poller, asking only ``after`` its last
``next_after``, sees every event exactly once: none that committed late is ever skipped."""

import threading
import time

import pytest
from django.db import connection

from integrations import feed, relay
from integrations.models import Event, EventType
from stock.tests.factories import receive, stocked_product
from stock.tests.test_concurrency import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS, EACH = 12, 15


def test_sequences_follow_visibility_and_a_polling_cursor_misses_nothing(admin_user):
    products = [stocked_product(0) for _ in range(4)]
    relay.run_job()
    start_after = Event.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    done = threading.Event()
    seen: list[int] = []

    def poll():
        after = start_after
        try:
            while True:
                finished = done.is_set()
                page = feed.feed(user=admin_user, after=after, types=[EventType.STOCK_CHANGED], limit=50)
                seen.extend(event.sequence for event in page["results"])
                after = page["next_after"]
                if finished and not page["results"]:
                    return
                time.sleep(0.005)
        finally:
            connection.close()

    poller = threading.Thread(target=poll)
    poller.start()

    def write(index):
        own = []
        for step in range(EACH):
            movement, _ = receive(products[(index + step) % len(products)], 1, user=admin_user)
            own.append(movement.pk)
        return own

    written = run_threads(WRITERS, write)
    relay.run_job()  # what a last kick may have left to a sweep
    done.set()
    poller.join(timeout=60)
    assert not poller.is_alive()

    events = list(Event.objects.filter(type=EventType.STOCK_CHANGED, sequence__gt=start_after))
    assert len(events) == WRITERS * EACH and all(event.sequence is not None for event in events)
    assert len({event.sequence for event in events}) == len(events)  # unique
    by_movement = {event.data["movement_ids"][0]: event.sequence for event in events}
    for own in written:  # one writer's commits are ordered: so are their sequences
        sequences = [by_movement[pk] for pk in own]
        assert sequences == sorted(sequences)
    assert sorted(seen) == sorted(event.sequence for event in events)  # every event, once, by the cursor
    assert len(seen) == len(set(seen))
