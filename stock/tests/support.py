"""Helpers shared by the stock tests: the level row's fields, a location made through the service, problem+json."""

from stock import services
from stock.models import Location

# A stock level row's fields in the contract, written out (not imported from the code they check).
LEVEL_KEYS = set("product_id sku name on_hand reserved available in_transit min_quantity last_restocked_at".split())


def location(code: str, **fields) -> Location:
    return services.create_location(actor=None, code=code, name=fields.pop("name", f"Location {code}"), **fields)


def assert_problem(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    if field is not None:
        assert field in body["errors"], body
    return body
