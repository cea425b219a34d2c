"""Deny by default: every API view declares the scope each of its methods needs, and the one permission class
enforces it for people (by role) and API keys (by scope)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts import clients
from inventory_site.api.permissions import ADMIN, PUBLIC, SIGNED_IN, STAFF_SCOPES, ScopePermission, needed_scope

METHODS = ("get", "post", "put", "patch", "delete")


def api_views():
    """``(route, view class)`` of every URL under /api/v1/."""

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                if route.startswith("api/v1/") and view is not None:
                    yield route, view

    return list(walk(get_resolver().url_patterns, ""))


def test_every_api_view_declares_a_scope_for_each_method_it_has():
    views = api_views()
    assert len(views) > 30
    missing = []
    for route, view in views:
        assert issubclass(view, APIView), route
        permissions = [permission for permission in view().get_permissions()]
        if [type(permission) for permission in permissions] != [ScopePermission]:
            missing.append(f"{route} {view.__name__}: permissions {permissions}")
        for method in METHODS:
            if hasattr(view, method) and needed_scope(view(), method.upper()) is None:
                missing.append(f"{route} {view.__name__}.{method} declares no scope")
    assert not missing, "\n".join(missing)


def test_every_declared_scope_is_a_key_scope_or_a_marker():
    from accounts.models import Scope

    allowed = {*Scope.values, ADMIN, SIGNED_IN, PUBLIC}
    assert STAFF_SCOPES <= set(Scope.values)
    for route, view in api_views():
        for method, scope in (getattr(view, "scopes", None) or {}).items():
            assert scope in allowed, (route, method, scope)


class _Undeclared(APIView):
    def get(self, request):
        return None


def test_a_view_that_declares_nothing_is_refused(rf, admin_user):
    from rest_framework.test import force_authenticate

    request = rf.get("/api/v1/undeclared")
    force_authenticate(request, user=admin_user)
    assert _Undeclared.as_view()(request).status_code == 403


# (method, path, the scope a key needs); "{id}" is filled with an id that exists where it matters.
TABLE = [
    ("get", "/api/v1/products", "catalog:read"),
    ("post", "/api/v1/products", "catalog:write"),
    ("get", "/api/v1/categories", "catalog:read"),
    ("post", "/api/v1/suppliers", "catalog:write"),
    ("get", "/api/v1/stock/movements", "stock:read"),
    ("post", "/api/v1/stock/movements", "stock:write"),
    ("post", "/api/v1/stock/counts", "stock:write"),
    ("get", "/api/v1/stock/levels", "stock:read"),
    ("get", "/api/v1/stock/documents", "stock:read"),
    ("post", "/api/v1/stock/documents", "stock:write"),
    ("get", "/api/v1/locations", "stock:read"),
    ("post", "/api/v1/locations", ADMIN),
    ("get", "/api/v1/orders", "orders:read"),
    ("post", "/api/v1/orders", "orders:write"),
    ("get", "/api/v1/reports/stock", "reports:read"),
    ("get", "/api/v1/audit/events", ADMIN),
    ("get", "/api/v1/imports", ADMIN),
    ("get", "/api/v1/users", ADMIN),
    ("get", "/api/v1/api-clients", ADMIN),
    ("get", "/api/v1/auth/me", SIGNED_IN),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method, path, scope", TABLE)
def test_a_key_needs_exactly_the_declared_scope(admin_user, method, path, scope):
    from accounts.models import Scope

    every = list(Scope.values)
    for scopes, allowed in ([every, scope != ADMIN], [[s for s in every if s != scope], scope == SIGNED_IN]):
        client = clients.create_client(actor=admin_user, name=f"T {len(scopes)}", scopes=scopes)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {clients.create_key(actor=admin_user, client=client)[1]}")
        response = getattr(api, method)(path, {}, format="json")
        if allowed:
            assert response.status_code != 403, (method, path, scopes, response.content)
        else:
            assert response.status_code == 403 and response.json()["code"] == "insufficient_scope", (method, path)


@pytest.mark.django_db
@pytest.mark.parametrize("method, path, scope", TABLE)
def test_people_by_role(admin_client, staff_client, method, path, scope):
    staff = getattr(staff_client, method)(path, {}, format="json").status_code
    admin = getattr(admin_client, method)(path, {}, format="json").status_code
    assert admin != 403
    if scope in STAFF_SCOPES or scope == SIGNED_IN:
        assert staff != 403, (method, path)
    else:
        assert staff == 403, (method, path)
