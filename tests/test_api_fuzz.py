"""schemathesis against /api/schema/ of a live server, with an admin token: no 5xx, documented statuses,
responses that match the schema. Runs in the PostgreSQL + Redis pass of `make test`."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


@pytest.fixture
def seeded(admin_user):
    """A little of everything, so that paths with ids have something to find."""
    from catalog.models import Category, Product, Supplier
    from stock.services import record_movement

    category = Category.objects.create(name="Fuzz")
    supplier = Supplier.objects.create(name="Fuzz supplier")
    product = Product.objects.create(sku="FZ-1", name="Fuzz", category=category, unit_price=Decimal("1.00"))
    record_movement(product=product, change_type="IN", quantity=50, user=admin_user, supplier=supplier)
    record_movement(product=product, change_type="OUT", quantity=5, user=admin_user)
    from orders.services import place_order, process_pending_order

    order = place_order(user=admin_user, customer_name="Fuzz shop", items=[{"product_id": product.pk, "quantity": 2}])
    process_pending_order(order_id=order.pk)
    return admin_user


def test_schemathesis_finds_no_failures(live_server, seeded, tmp_path, settings):
    from rest_framework_simplejwt.tokens import AccessToken

    token = str(AccessToken.for_user(seeded))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{live_server.url}/api/schema/",
        "--url",
        f"{live_server.url}",
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        os.environ.get("FUZZ_MAX_EXAMPLES", "15"),
        "--seed",
        "20261121",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--no-shrink",
        "--no-color",
        "--warnings",
        "off",
        "--exclude-path-regex",
        r"/auth/(token|logout)",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    output = result.stdout + result.stderr
    (Path("/tmp") / "schemathesis-last.txt").write_text(output)
    assert result.returncode == 0, output[-15000:]
