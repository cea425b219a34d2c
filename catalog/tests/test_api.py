from decimal import Decimal

import pytest

from audit.models import AuditEvent
from catalog.models import Category, Product, Supplier
from catalog.tests.factories import CategoryFactory, ProductFactory, SupplierFactory
from stock.tests.factories import issue, receive, stocked_product

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"
CATEGORIES = "/api/v1/categories"
SUPPLIERS = "/api/v1/suppliers"
# The contract's fields, written out (not imported from the code they check).
PRODUCT_KEYS = set(
    "id sku name description category_id unit "
    "unit_price min_quantity reorder_quantity is_active stock created_at updated_at".split()
)


@pytest.fixture
def category():
    return CategoryFactory(name="Tools")


def product_body(category, **overrides):
    return {"sku": "TL-1", "name": "Hammer", "category_id": category.pk, "unit_price": "14.90", **overrides}


# --- products --------------------------------------------------------------------------------


def test_create_product_with_defaults(admin_client, category):
    response = admin_client.post(PRODUCTS, product_body(category), format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PRODUCT_KEYS
    assert body["unit_price"] == "14.90"
    assert (body["unit"], body["min_quantity"], body["reorder_quantity"], body["is_active"]) == ("pcs", 0, 0, True)
    assert body["description"] == ""
    assert body["stock"] == {
        "on_hand": 0,
        "reserved": 0,
        "available": 0,
        "in_transit": 0,
        "last_restocked_at": None,
        "locations": [],
    }
    event = AuditEvent.objects.get(action="product.created")
    assert event.object_id == str(body["id"]) and event.actor.email == "admin@example.com"


def test_product_detail_shows_stock_figures(admin_client):
    product = stocked_product(10)
    issue(product, 3)
    body = admin_client.get(f"{PRODUCTS}/{product.pk}").json()
    assert body["stock"]["on_hand"] == 7 and body["stock"]["available"] == 7
    assert body["stock"]["last_restocked_at"] is not None


@pytest.mark.parametrize("sku", ["TL-1", "tl-1", "Tl-1", " tl-1 "])
def test_duplicate_sku_in_any_case_is_409(admin_client, category, sku):
    ProductFactory(sku="TL-1")
    response = admin_client.post(PRODUCTS, product_body(category, sku=sku), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_sku"
    assert response["Content-Type"] == "application/problem+json"
    assert Product.objects.count() == 1


def test_renaming_to_an_existing_sku_is_409(admin_client):
    ProductFactory(sku="A-1")
    other = ProductFactory(sku="B-1")
    response = admin_client.patch(f"{PRODUCTS}/{other.pk}", {"sku": "a-1"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_sku"
    other.refresh_from_db()
    assert other.sku == "B-1"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"sku": ""}, "sku"),
        ({"sku": None}, "sku"),
        ({"name": ""}, "name"),
        ({"category_id": 999999}, "category_id"),
        ({"category_id": "1"}, "category_id"),
        ({"category_id": None}, "category_id"),
        ({"unit_price": "-1.00"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"unit_price": "1.234"}, "unit_price"),
        ({"unit_price": "NaN"}, "unit_price"),
        ({"unit_price": True}, "unit_price"),
        ({"min_quantity": -1}, "min_quantity"),
        ({"min_quantity": 2.5}, "min_quantity"),
        ({"min_quantity": "3"}, "min_quantity"),
        ({"reorder_quantity": True}, "reorder_quantity"),
        ({"is_active": "yes"}, "is_active"),
        ({"sku": "x" * 65}, "sku"),
        ({"unit": "u" * 17}, "unit"),
    ],
)
def test_create_product_errors(admin_client, category, overrides, field):
    response = admin_client.post(PRODUCTS, product_body(category, **overrides), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("missing", ["sku", "name", "category_id", "unit_price"])
def test_create_product_requires(admin_client, category, missing):
    body = product_body(category)
    del body[missing]
    response = admin_client.post(PRODUCTS, body, format="json")
    assert response.status_code == 400 and missing in response.json()["errors"]


def test_patch_is_partial_and_audited(admin_client):
    product = ProductFactory(unit_price=Decimal("1.00"), name="Old")
    response = admin_client.patch(f"{PRODUCTS}/{product.pk}", {"unit_price": "2.50"}, format="json")
    assert response.status_code == 200
    assert response.json()["unit_price"] == "2.50" and response.json()["name"] == "Old"
    event = AuditEvent.objects.get(action="product.updated")
    assert event.changes == {"unit_price": ["1.00", "2.50"]}


def test_patch_unknown_category_is_400(admin_client):
    product = ProductFactory()
    response = admin_client.patch(f"{PRODUCTS}/{product.pk}", {"category_id": 424242}, format="json")
    assert response.status_code == 400 and "category_id" in response.json()["errors"]


def test_deactivate_product(admin_client):
    product = ProductFactory()
    response = admin_client.patch(f"{PRODUCTS}/{product.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False


def test_delete_product_without_movements(admin_client):
    product = ProductFactory()
    assert admin_client.delete(f"{PRODUCTS}/{product.pk}").status_code == 204
    assert not Product.objects.exists()
    assert AuditEvent.objects.filter(action="product.deleted", object_id=str(product.pk)).exists()


def test_delete_product_with_movements_is_409(admin_client):
    product = stocked_product(5)
    response = admin_client.delete(f"{PRODUCTS}/{product.pk}")
    assert response.status_code == 409 and response.json()["code"] == "product_has_movements"
    assert Product.objects.filter(pk=product.pk).exists()
    assert not AuditEvent.objects.filter(action="product.deleted").exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_product_is_404(admin_client, method):
    response = getattr(admin_client, method)(f"{PRODUCTS}/999999", {}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_put_is_not_allowed(admin_client):
    product = ProductFactory()
    response = admin_client.put(f"{PRODUCTS}/{product.pk}", {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_trailing_slash_is_routed_without_redirect(admin_client):
    ProductFactory()
    assert admin_client.get(f"{PRODUCTS}/").status_code == 200
    assert admin_client.get(PRODUCTS).status_code == 200


# --- product filters and sorting ---------------------------------------------------------------


@pytest.fixture
def shelf():
    tools, food = CategoryFactory(name="Tools"), CategoryFactory(name="Food")
    hammer = stocked_product(50, sku="TL-HAM", name="Claw hammer", category=tools, min_quantity=5, unit_price="14.90")
    saw = stocked_product(2, sku="TL-SAW", name="Hand saw", category=tools, min_quantity=5, unit_price="20.00")
    apple = stocked_product(0, sku="FD-APL", name="Apple", category=food, min_quantity=0, unit_price="0.30")
    pear = stocked_product(9, sku="FD-PEAR", name="Pear", category=food, unit_price="0.40")
    Product.objects.filter(pk=pear.pk).update(is_active=False)
    return {"tools": tools, "food": food, "hammer": hammer, "saw": saw, "apple": apple, "pear": pear}


def skus(response):
    assert response.status_code == 200, response.json()
    return [row["sku"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["FD-APL", "TL-HAM", "TL-SAW", "FD-PEAR"]),
        ("name=hAm", ["TL-HAM"]),
        ("search=fd-", ["FD-APL", "FD-PEAR"]),
        ("search=saw", ["TL-SAW"]),
        ("is_active=false", ["FD-PEAR"]),
        ("is_active=true&low_stock=true", ["FD-APL", "TL-SAW"]),
        ("low_stock=false", ["TL-HAM", "FD-PEAR"]),
        ("sort_by=sku", ["FD-APL", "FD-PEAR", "TL-HAM", "TL-SAW"]),
        ("sort_by=unit_price&sort_order=desc", ["TL-SAW", "TL-HAM", "FD-PEAR", "FD-APL"]),
        ("sort_by=available&sort_order=desc", ["TL-HAM", "FD-PEAR", "TL-SAW", "FD-APL"]),
        ("sort_by=available", ["FD-APL", "TL-SAW", "FD-PEAR", "TL-HAM"]),
        ("sort_by=created_at", ["TL-HAM", "TL-SAW", "FD-APL", "FD-PEAR"]),
    ],
)
def test_product_filters_and_sorts(staff_client, shelf, query, expected):
    assert skus(staff_client.get(f"{PRODUCTS}?{query}")) == expected


def test_product_filter_by_category(staff_client, shelf):
    assert skus(staff_client.get(f"{PRODUCTS}?category_id={shelf['food'].pk}")) == ["FD-APL", "FD-PEAR"]


@pytest.mark.parametrize(
    "query",
    ["sort_by=price", "sort_order=up", "low_stock=maybe", "is_active=2", "category_id=abc", "page=0", "page_size=x"],
)
def test_bad_list_parameters_are_400(staff_client, shelf, query):
    response = staff_client.get(f"{PRODUCTS}?{query}")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_pagination(staff_client, shelf):
    body = staff_client.get(f"{PRODUCTS}?page_size=3").json()
    assert body["count"] == 4 and len(body["results"]) == 3 and body["next"] and body["previous"] is None
    assert len(staff_client.get(f"{PRODUCTS}?page_size=3&page=2").json()["results"]) == 1


def test_product_list_query_count_is_constant(staff_client, django_assert_max_num_queries):
    for index in range(30):
        product = stocked_product(10 + index)
        issue(product, 1)
    # auth user, count, page
    with django_assert_max_num_queries(3):
        response = staff_client.get(f"{PRODUCTS}?page_size=100")
    assert len(response.json()["results"]) == 30


# --- categories --------------------------------------------------------------------------------


def test_category_crud_and_product_count(admin_client):
    response = admin_client.post(CATEGORIES, {"name": "Tools", "description": "Hand tools"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "name": "Tools", "description": "Hand tools", "product_count": 0}
    ProductFactory(category_id=body["id"])
    assert admin_client.get(f"{CATEGORIES}/{body['id']}").json()["product_count"] == 1
    patched = admin_client.patch(f"{CATEGORIES}/{body['id']}", {"name": "Hand tools"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "Hand tools"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[:1] == ["category.created"] and "category.updated" in actions


@pytest.mark.parametrize("name", ["Tools", "tools", "TOOLS"])
def test_duplicate_category_name_is_409(admin_client, name):
    CategoryFactory(name="Tools")
    response = admin_client.post(CATEGORIES, {"name": name}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_name"


def test_delete_category_in_use_is_409(admin_client):
    product = ProductFactory()
    response = admin_client.delete(f"{CATEGORIES}/{product.category_id}")
    assert response.status_code == 409 and response.json()["code"] == "category_in_use"
    assert Category.objects.filter(pk=product.category_id).exists()


def test_delete_empty_category(admin_client):
    category = CategoryFactory()
    assert admin_client.delete(f"{CATEGORIES}/{category.pk}").status_code == 204
    assert AuditEvent.objects.filter(action="category.deleted", object_id=str(category.pk)).exists()


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": None}, {"name": "x" * 101}])
def test_category_create_errors(admin_client, body):
    response = admin_client.post(CATEGORIES, body, format="json")
    assert response.status_code == 400 and "name" in response.json()["errors"]


# --- suppliers ---------------------------------------------------------------------------------


def test_supplier_crud(admin_client):
    response = admin_client.post(SUPPLIERS, {"name": "ToolWorks", "email": "a@example.com"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "email", "phone", "address", "notes", "is_active"}
    assert body["is_active"] is True
    patched = admin_client.patch(f"{SUPPLIERS}/{body['id']}", {"is_active": False}, format="json")
    assert patched.json()["is_active"] is False
    assert admin_client.delete(f"{SUPPLIERS}/{body['id']}").status_code == 204
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"supplier.created", "supplier.updated", "supplier.deleted"} <= actions


def test_supplier_with_movements_cannot_be_deleted(admin_client):
    supplier = SupplierFactory()
    receive(stocked_product(), 3, supplier=supplier)
    response = admin_client.delete(f"{SUPPLIERS}/{supplier.pk}")
    assert response.status_code == 409 and response.json()["code"] == "supplier_in_use"
    assert Supplier.objects.filter(pk=supplier.pk).exists()


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "X", "email": "not-an-email"}])
def test_supplier_create_errors(admin_client, body):
    assert admin_client.post(SUPPLIERS, body, format="json").status_code == 400


# --- roles -------------------------------------------------------------------------------------


def write_requests(category, product, supplier):
    return [
        ("post", CATEGORIES, {"name": "New"}),
        ("patch", f"{CATEGORIES}/{category.pk}", {"name": "Renamed"}),
        ("delete", f"{CATEGORIES}/{category.pk}", None),
        ("post", SUPPLIERS, {"name": "New"}),
        ("patch", f"{SUPPLIERS}/{supplier.pk}", {"name": "Renamed"}),
        ("delete", f"{SUPPLIERS}/{supplier.pk}", None),
        ("post", PRODUCTS, product_body(category, sku="NEW")),
        ("patch", f"{PRODUCTS}/{product.pk}", {"name": "Renamed"}),
        ("delete", f"{PRODUCTS}/{product.pk}", None),
    ]


def read_urls(category, product, supplier):
    return [
        CATEGORIES,
        f"{CATEGORIES}/{category.pk}",
        SUPPLIERS,
        f"{SUPPLIERS}/{supplier.pk}",
        PRODUCTS,
        f"{PRODUCTS}/{product.pk}",
    ]


def test_role_matrix(staff_client, api_client, admin_client):
    category, supplier = CategoryFactory(), SupplierFactory()
    product = ProductFactory(category=category)
    for url in read_urls(category, product, supplier):
        assert staff_client.get(url).status_code == 200, url
        assert admin_client.get(url).status_code == 200, url
        assert api_client.get(url).status_code == 401, url
    for method, url, body in write_requests(category, product, supplier):
        response = getattr(staff_client, method)(url, body, format="json")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied", (method, url)
        assert getattr(api_client, method)(url, body, format="json").status_code == 401
    assert not AuditEvent.objects.exists()
    assert admin_client.patch(f"{PRODUCTS}/{product.pk}", {"name": "Renamed"}, format="json").status_code == 200


# --- idempotency -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, body, model",
    [
        (CATEGORIES, {"name": "Tools"}, Category),
        (SUPPLIERS, {"name": "ToolWorks"}, Supplier),
    ],
)
def test_idempotent_create_replays(admin_client, url, body, model):
    first = admin_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    again = admin_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert model.objects.count() == 1
    other = admin_client.post(url, {**body, "name": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert model.objects.count() == 1


def test_idempotent_product_create(admin_client, category):
    body = product_body(category)
    first = admin_client.post(PRODUCTS, body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    again = admin_client.post(PRODUCTS, body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Product.objects.count() == 1
    assert AuditEvent.objects.filter(action="product.created").count() == 1


def test_failed_create_is_not_stored_for_replay(admin_client, category):
    ProductFactory(sku="TL-1")
    body = product_body(category)
    assert admin_client.post(PRODUCTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 409
    Product.objects.filter(sku="TL-1").delete()
    assert admin_client.post(PRODUCTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
