"""The hot path of ``POST stock/movements`` agrees with the reference everywhere it applies.

- The hand-read body (stock/api/quick.py) is exactly what ``MovementCreateSerializer`` validates, or None.
- The guarded statement (stock/services/guarded.py, PostgreSQL) writes the same movement, level, answer and
  ``stock.changed`` event as the ORM service, and hands every case it does not take (unknown, inactive, short,
  a reorder-point crossing, a missing row, an inactive or transit location) to it, having written nothing.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Role, User
from integrations.models import Event, EventType
from inventory_site import limits
from stock import services
from stock.api import quick
from stock.models import Location, StockLevel, StockMovement
from stock.serializers import MovementCreateSerializer, movement_representation
from stock.services import guarded
from stock.tests.factories import stocked_product

pytestmark = pytest.mark.django_db

texts = st.one_of(st.text(max_size=12), st.sampled_from(["", " x", "x ", "ok", "a\x00b", "é", "x" * 101]))
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 5),
    st.sampled_from([limits.MAX_ID, limits.MAX_ID + 1, limits.MAX_QUANTITY, limits.MAX_QUANTITY + 1, 2.0, 1.5]),
    texts,
    st.sampled_from(["IN", "OUT", "in", "sale", "purchase", "transfer", "reversal", "count"]),
    st.lists(st.integers(), max_size=2),
)
bodies = st.dictionaries(
    st.sampled_from(
        ["product_id", "change_type", "quantity", "supplier_id", "reason", "note", "reference", "location_id", "x"]
    ),
    values,
)
plain = st.fixed_dictionaries(
    {"product_id": st.integers(1, 10), "change_type": st.sampled_from(["IN", "OUT"]), "quantity": st.integers(1, 9)},
    optional={"reason": st.sampled_from(["", "sale", "purchase", "damage"]), "note": texts, "reference": texts},
)


def _serializer(data):
    serializer = MovementCreateSerializer(data=data)
    return dict(serializer.validated_data) if serializer.is_valid() else None


@settings(max_examples=400, deadline=None)
@given(st.one_of(bodies, plain))
def test_the_hand_read_body_is_the_serializers_or_none(data):
    fast = quick.movement_input(data)
    if fast is not None:
        assert fast == _serializer(data)


def test_the_plain_body_takes_the_hand_read_path():
    body = {"product_id": 3, "change_type": "OUT", "quantity": 2, "reference": "order 7", "note": "", "reason": "sale"}
    assert quick.movement_input(body) == body
    assert quick.movement_input({**body, "location_id": None, "supplier_id": 4}) == {
        **body,
        "location_id": None,
        "supplier_id": 4,
    }
    for odd in ({**body, "quantity": True}, {**body, "note": " x"}, {**body, "extra": 1}, [body]):
        assert quick.movement_input(odd) is None


# --- the guarded statement against the reference ---------------------------------------------------------------

postgres = pytest.mark.postgres


def _move(user, product, change_type, quantity, **fields):
    return services.record_movement_by_id(
        user=user, product_id=product.pk, change_type=change_type, quantity=quantity, **fields
    )


def _written(recorded):
    """Everything a movement leaves behind, ids and times aside."""
    movement = StockMovement.objects.get(pk=recorded.movement.pk)
    level = StockLevel.objects.get(pk=recorded.level.pk)
    event = Event.objects.filter(type=EventType.STOCK_CHANGED).order_by("-position").first()
    answer = movement_representation(recorded.movement, recorded)
    for volatile in ("id", "created_at"):
        answer.pop(volatile)
    answer["stock"].pop("last_restocked_at")
    data = {key: value for key, value in event.data.items() if key != "movement_ids"}
    assert event.data["movement_ids"] == [movement.pk] and event.location_id == movement.location_id
    row = (level.total_in, level.total_out, level.reserved, level.last_restocked_at == movement.created_at)
    fields = ("change_type", "quantity", "reason", "note", "reference", "user_id", "location_id", "document_id")
    return answer, data, row, tuple(getattr(movement, name) for name in fields)


def _both(settings, admin_user, change_type, quantity, start=10, min_quantity=0, **fields):
    results = []
    for statement in (False, True):
        settings.STOCK_GUARDED_STATEMENT = statement
        product = stocked_product(start, sku=f"HOT-{statement}-{change_type}-{quantity}", min_quantity=min_quantity)
        recorded = _move(admin_user, product, change_type, quantity, **fields)
        results.append(_written(recorded))
        results[-1][1].pop("sku"), results[-1][1].pop("product_id"), results[-1][0].pop("product_id")
    return results


@postgres
@pytest.mark.parametrize("change_type,quantity", [("IN", 5), ("OUT", 3), ("OUT", 10)])
def test_the_statement_writes_what_the_reference_writes(settings, admin_user, change_type, quantity):
    reference, statement = _both(settings, admin_user, change_type, quantity, note="n", reference="r-1")
    assert statement == reference


@postgres
def test_the_statement_is_one_round_trip_in_autocommit(settings, admin_user, django_assert_max_num_queries):
    product = stocked_product(10)
    _move(admin_user, product, "OUT", 1)  # the row exists and is known
    with django_assert_max_num_queries(1) as queries:
        written = guarded.record(
            product_id=product.pk,
            location_id=None,
            change_type="OUT",
            quantity=1,
            reason="sale",
            note="",
            reference="",
            user=admin_user,
        )
    # One query, and it is the statement: a prepared statement's text is not sent, so Django logs no SQL for it.
    assert written is not None and len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert sql is None or "WITH product AS" in sql


@postgres
def test_the_statement_is_prepared_once_per_connection(settings, admin_user):
    """Django opens connections with preparing turned off; the statement must still be prepared (parsed and
    planned once per connection, not on every movement)."""
    from django.db import connection

    product = stocked_product(10)
    for change_type in ("IN", "OUT", "IN"):
        assert _move(admin_user, product, change_type, 1).movement is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%WITH product AS%"])
        assert cursor.fetchone()[0] == 1
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement NOT LIKE %s", ["%WITH product AS%"]
        )
        others = [statement for (statement,) in cursor.fetchall()]
    # Django's own queries are still bound on the client; only inventory_site.bulk's array statements and the
    # ledger's lock of a product's rows join it.
    assert all("FROM unnest(" in statement or "FOR UPDATE OF s" in statement for statement in others), others


@postgres
@pytest.mark.django_db(transaction=True)
def test_with_prepared_statements_off_nothing_is_prepared(settings, admin_user):
    """DATABASE_PREPARED_STATEMENTS=false (a PgBouncer before 1.21 in transaction mode): the guarded statement
    and the documents' array statements are bound on the server but never prepared."""
    from django.db import connection

    settings.DATABASE_PREPARED_STATEMENTS = False
    connection.close()  # a new connection: nothing prepared on it yet
    product = stocked_product(10)
    for change_type in ("IN", "OUT"):
        assert _move(admin_user, product, change_type, 1).movement is not None
    other = stocked_product(0, sku="PREP-2")
    lines = [{"product_id": product.pk, "quantity": 2}, {"product_id": other.pk, "quantity": 3}]
    services.create_document(kind="receipt", user=admin_user, lines=lines, reason="purchase")

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    assert prepared() == 0
    settings.DATABASE_PREPARED_STATEMENTS = True
    assert _move(admin_user, product, "OUT", 1).movement is not None
    assert prepared() >= 1  # the statement (and any array statement the movement used)


@postgres
@pytest.mark.parametrize(
    "case",
    [
        *("short", "crossing_down", "crossing_up", "inactive_product", "no_row", "inactive_location", "transit"),
        *("unknown", "inactive_user", "client_principal", "no_user", "unknown_user"),
    ],
)
def test_what_the_statement_does_not_take_is_left_whole_to_the_reference(settings, admin_user, case):
    product = stocked_product(5, min_quantity=2)
    fields = {"product_id": product.pk, "location_id": None, "change_type": "OUT", "quantity": 1}
    user = admin_user
    if case == "inactive_user":
        User.objects.filter(pk=admin_user.pk).update(is_active=False)
    elif case == "client_principal":
        User.objects.filter(pk=admin_user.pk).update(role=Role.NONE)
    elif case == "no_user":
        user = None
    elif case == "unknown_user":
        user = User(id=10**9)
    if case == "short":
        fields["quantity"] = 6
    elif case == "crossing_down":
        fields["quantity"] = 3  # 5 -> 2: at the reorder point
    elif case == "crossing_up":
        _move(admin_user, product, "OUT", 4)
        fields.update(change_type="IN", quantity=5)
    elif case == "inactive_product":
        product.is_active = False
        product.save()
    elif case == "no_row":
        fields["product_id"] = stocked_product(0, sku="NO-ROW").pk
        StockLevel.objects.filter(product_id=fields["product_id"]).delete()
        fields["change_type"] = "IN"
    elif case == "inactive_location":
        off = services.create_location(actor=None, code="OFF", name="Off")
        Location.objects.filter(pk=off.pk).update(is_active=False)
        fields["location_id"] = off.pk
        fields["change_type"] = "IN"
    elif case == "transit":
        fields["location_id"] = services.transit_location().pk
        fields["change_type"] = "IN"
    elif case == "unknown":
        fields["product_id"] = 10**9
    movements, events = StockMovement.objects.count(), Event.objects.count()
    written = guarded.record(reason="sale", note="", reference="", user=user, **fields)
    assert written is None
    assert (StockMovement.objects.count(), Event.objects.count()) == (movements, events)


def test_an_unknown_export_format_is_a_400_on_products(admin_client):
    for response in (
        admin_client.get("/api/v1/products?format=AAA"),
        admin_client.post("/api/v1/products?format=AAA", {}, format="json"),
    ):
        assert response.status_code == 400 and response.json()["code"] == "invalid", response.content
        assert "format" in response.json()["errors"]


def test_the_statements_writers_are_the_roles_the_api_lets_record_a_movement():
    """guarded.WRITERS (checked in SQL on the hot path) must stay the roles ScopePermission lets POST a movement."""
    from types import SimpleNamespace

    from inventory_site.api.permissions import ScopePermission
    from stock.api.movements import MovementListApi

    def may_post(role):
        request = SimpleNamespace(method="POST", user=User(role=role, is_active=True), auth=None)
        try:
            return ScopePermission().has_permission(request, MovementListApi())
        except Exception:  # noqa: BLE001 - a refusal worded as an error is a refusal
            return False

    assert {role for role in Role.values if may_post(role)} == set(guarded.WRITERS)
