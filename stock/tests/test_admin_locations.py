"""The Django admin of locations writes through the location service; documents are read-only with their lines."""

import pytest
from django.contrib.messages import get_messages

from audit.models import AuditEvent
from catalog.tests.factories import ProductFactory
from stock import services
from stock.models import MAIN_LOCATION_ID, Document, Location, StockMovement
from stock.tests.factories import receive
from stock.tests.support import location

pytestmark = pytest.mark.django_db

LOCATIONS = "/admin/stock/location/"
DOCUMENTS = "/admin/stock/document/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form(**overrides) -> dict:
    data = {"code": "WH2", "name": "Second warehouse", "parent": "", "kind": "warehouse", "priority": 3}
    data.update({"is_sellable": "on", "is_active": "on"})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_changelist_columns_filters_and_search(admin_web):
    wh = location("WH2", name="North")
    location("Z1", kind="zone", parent_id=wh.pk, is_sellable=False)
    response = admin_web.get(LOCATIONS)
    assert response.status_code == 200
    admin = response.context["cl"].model_admin
    assert admin.list_display == (
        "code",
        "name",
        "kind",
        "parent",
        "priority",
        "is_default",
        "is_sellable",
        "is_active",
    )
    assert list(admin.list_filter) == ["kind", "is_active", "is_sellable"]
    assert response.context["cl"].result_count == 4
    content = response.content.decode()
    for column in ("Code", "Name", "Kind", "Parent", "Priority", "Is default", "Is sellable", "Is active"):
        assert column in content
    zones = admin_web.get(LOCATIONS, {"kind": "zone"}).context["cl"].result_list
    assert [loc.code for loc in zones] == ["Z1"]
    unsellable = admin_web.get(LOCATIONS, {"is_sellable__exact": "0"}).context["cl"].result_list
    assert sorted(loc.code for loc in unsellable) == ["TRANSIT", "Z1"]
    assert [loc.code for loc in admin_web.get(LOCATIONS, {"q": "north"}).context["cl"].result_list] == ["WH2"]
    assert [loc.code for loc in admin_web.get(LOCATIONS, {"q": "z1"}).context["cl"].result_list] == ["Z1"]


def test_staff_are_refused(staff_web):
    assert staff_web.get(LOCATIONS).status_code == 302  # to the admin login


def test_add_goes_through_the_service(admin_web, admin_user):
    response = admin_web.post(f"{LOCATIONS}add/", form())
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    created = Location.objects.get(code="WH2")
    assert (created.priority, created.is_sellable, created.is_default) == (3, True, False)
    event = AuditEvent.objects.get(action="location.created")
    assert event.object_id == str(created.pk) and event.actor == admin_user


def test_add_a_default_moves_the_flag(admin_web):
    assert admin_web.post(f"{LOCATIONS}add/", form(make_default="on")).status_code == 302
    assert list(Location.objects.filter(is_default=True).values_list("code", flat=True)) == ["WH2"]


def test_edit_goes_through_the_service_and_moves_the_default(admin_web):
    wh = location("WH2")
    data = form(name="Renamed", make_default="on")
    assert admin_web.post(f"{LOCATIONS}{wh.pk}/change/", data).status_code == 302
    wh.refresh_from_db()
    assert (wh.name, wh.is_default) == ("Renamed", True)
    assert not Location.objects.get(pk=MAIN_LOCATION_ID).is_default
    assert AuditEvent.objects.filter(action="location.updated", object_id=str(wh.pk)).exists()


def test_a_parent_cycle_in_the_admin_is_an_error_message(admin_web):
    wh = location("WH2")
    zone = location("Z1", kind="zone", parent_id=wh.pk)
    response = admin_web.post(f"{LOCATIONS}{wh.pk}/change/", form(parent=zone.pk), follow=True)
    assert response.status_code == 200
    assert "descendant of itself" in str(response.context["adminform"].form.errors)
    assert Location.objects.get(pk=wh.pk).parent_id is None


def test_a_duplicate_code_in_any_case_is_refused(admin_web):
    response = admin_web.post(f"{LOCATIONS}add/", form(code="main"), follow=True)
    assert response.status_code == 200
    assert Location.objects.count() == 2
    assert "already exists" in str(response.context["adminform"].form.errors["code"])
    # Its own code is no duplicate.
    assert (
        admin_web.post(f"{LOCATIONS}{MAIN_LOCATION_ID}/change/", form(code="main", make_default="on")).status_code
        == 302
    )
    assert Location.objects.get(pk=MAIN_LOCATION_ID).code == "main"


def test_the_default_rules_in_the_admin_are_error_messages(admin_web):
    change = f"{LOCATIONS}{MAIN_LOCATION_ID}/change/"
    response = admin_web.post(change, form(code="MAIN", make_default="on", is_active=None), follow=True)
    assert response.status_code == 200
    assert any("must be active and sellable" in message for message in messages_of(response))
    response = admin_web.post(change, form(code="MAIN"), follow=True)  # unticking the default
    assert any("Exactly one location is the default" in message for message in messages_of(response))
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    assert (main.is_active, main.is_default, main.name) == (True, True, "Main warehouse")


def test_deactivate_action_goes_through_the_service(admin_web, admin_user):
    wh, shop = location("WH2"), location("SHOP")
    response = admin_web.post(LOCATIONS, {"action": "deactivate", "_selected_action": [wh.pk, shop.pk]}, follow=True)
    assert response.status_code == 200
    assert any("Deactivated 2" in message for message in messages_of(response))
    assert not Location.objects.filter(pk__in=[wh.pk, shop.pk], is_active=True).exists()
    assert AuditEvent.objects.filter(action="location.updated", actor=admin_user).count() == 2


def test_deactivate_action_with_a_location_in_use_is_an_error_and_changes_none(admin_web):
    wh, shop = location("WH2"), location("SHOP")
    product = ProductFactory()
    receive(product, 5, location=shop)
    services.allocate(lines=[(product.pk, 1)], reference="order:1", location_id=shop.pk)
    response = admin_web.post(LOCATIONS, {"action": "deactivate", "_selected_action": [wh.pk, shop.pk]}, follow=True)
    assert response.status_code == 200
    assert any("active reservations or open transfers" in message for message in messages_of(response))
    assert Location.objects.filter(pk__in=[wh.pk, shop.pk], is_active=True).count() == 2  # all or none


def test_delete_an_unused_location(admin_web):
    wh = location("WH2")
    services.ensure_level(ProductFactory().pk, wh.pk)  # a row that never held stock goes with it
    confirm = admin_web.get(f"{LOCATIONS}{wh.pk}/delete/")
    assert confirm.status_code == 200
    response = admin_web.post(f"{LOCATIONS}{wh.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Location.objects.filter(pk=wh.pk).exists()
    assert AuditEvent.objects.filter(action="location.deleted", object_id=str(wh.pk)).exists()


def test_deleting_a_location_with_movements_is_an_error_message(admin_web):
    wh = location("WH2")
    receive(ProductFactory(), 5, location=wh)
    assert admin_web.get(f"{LOCATIONS}{wh.pk}/delete/").status_code == 200
    response = admin_web.post(f"{LOCATIONS}{wh.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert any("deactivate it instead" in message for message in messages_of(response))
    assert Location.objects.filter(pk=wh.pk).exists()
    # No bulk delete: it would report "Successfully deleted" for what the service refused.
    admin_web.post(LOCATIONS, {"action": "delete_selected", "_selected_action": [wh.pk], "post": "yes"})
    assert Location.objects.filter(pk=wh.pk).exists()
    assert "delete_selected" not in admin_web.get(LOCATIONS).content.decode()


def test_documents_are_read_only_with_their_lines(admin_web, admin_user):
    product, other = ProductFactory(sku="DOC-A"), ProductFactory(sku="DOC-B")
    document = services.create_document(
        kind="receipt",
        user=admin_user,
        reference="PO-9",
        lines=[{"product_id": product.pk, "quantity": 3}, {"product_id": other.pk, "quantity": 4}],
    )
    listed = admin_web.get(DOCUMENTS)
    assert listed.status_code == 200 and document.number in listed.content.decode()
    assert [d.pk for d in admin_web.get(DOCUMENTS, {"kind__exact": "issue"}).context["cl"].result_list] == []
    page = admin_web.get(f"{DOCUMENTS}{document.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "DOC-A" in content and "DOC-B" in content  # the lines, inline
    assert admin_web.get(f"{DOCUMENTS}add/").status_code == 403
    assert admin_web.post(f"{DOCUMENTS}{document.pk}/change/", {"reference": "changed"}).status_code == 403
    assert admin_web.post(f"{DOCUMENTS}{document.pk}/delete/", {"post": "yes"}).status_code == 403
    document.refresh_from_db()
    assert document.reference == "PO-9" and Document.objects.count() == 1
    assert StockMovement.objects.filter(document=document).count() == 2
