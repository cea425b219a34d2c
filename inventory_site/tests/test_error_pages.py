"""A domain error that escapes a plain Django view is answered once, by inventory_site.middleware.ErrorMiddleware:
its page (404, 403 with the reason, 409 with the message), or problem+json under /api/."""

import pytest
from django.urls import include, path

from inventory_site.exceptions import Conflict, Invalid, NotFound, PermissionDenied

ERRORS = {
    "missing": NotFound("No widget with this id."),
    "refused": PermissionDenied("Only an admin may polish widgets."),
    "conflict": Conflict("The widget is already polished."),
    "invalid": Invalid("Bad widget.", errors={"widget": ["Bad widget."]}),
}


def raising_view(request, name):
    raise ERRORS[name]


urlpatterns = [
    path("widgets/<str:name>/", raising_view),
    path("api/v1/widgets/<str:name>/", raising_view),
    path("", include("inventory_site.urls")),  # the pages' layout links to the site's own URLs
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.mark.parametrize(
    "name, status, page_says",
    [
        ("missing", 404, "There is nothing at this address"),
        ("refused", 403, "Only an admin may polish widgets."),
        ("conflict", 409, "The widget is already polished."),
        ("invalid", 400, "Bad widget."),
    ],
)
def test_html_gets_the_page_of_the_status(staff_web, name, status, page_says):
    response = staff_web.get(f"/widgets/{name}/")
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert page_says in response.content.decode()


def test_the_409_page_names_the_conflict(staff_web):
    html = staff_web.get("/widgets/conflict/").content.decode()
    assert "<h1>Conflict</h1>" in html and '<p id="error-message">The widget is already polished.</p>' in html


@pytest.mark.parametrize(
    "name, status, code",
    [("missing", 404, "not_found"), ("refused", 403, "permission_denied"), ("conflict", 409, "conflict")],
)
def test_api_paths_keep_problem_json(staff_web, name, status, code):
    response = staff_web.get(f"/api/v1/widgets/{name}/")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"], body["detail"]) == (status, code, ERRORS[name].message)


def test_api_validation_errors_keep_their_fields(staff_web):
    body = staff_web.get("/api/v1/widgets/invalid/").json()
    assert body["errors"] == {"widget": ["Bad widget."]} and body["code"] == "invalid"
