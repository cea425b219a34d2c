"""Who may call an API view: one permission class, deny by default.

Every API view declares what each of its methods needs in ``scopes`` (``{"GET": "stock:read", "POST":
"stock:write"}``); a view or method that declares nothing is refused (a test walks every URL to keep it so).
What a method may need:
- a key scope (``catalog:read`` ... ``webhooks:manage``): an API key whose client has that scope; a person whose
  role grants it (admins every scope, staff ``STAFF_SCOPES``: what the contract lets staff do);
- ``SIGNED_IN``: anyone authenticated, person or key;
- ``ADMIN``: admins only; no key scope grants it (users, API clients and keys, audit);
- ``PUBLIC``: no sign-in (the token endpoints).
Finer rules stay with their domain (orders.policy: whose order; stock.access: which locations).
"""

from rest_framework.permissions import BasePermission

from inventory_site.exceptions import PermissionDenied, error_class

PUBLIC = "public"
SIGNED_IN = "signed-in"
ADMIN = "admin"
# The key scopes (accounts.models.Scope) a staff user has by role.
STAFF_SCOPES = frozenset({"catalog:read", "stock:read", "stock:write", "orders:read", "orders:write"})

InsufficientScope = error_class("InsufficientScope", PermissionDenied, "insufficient_scope", "Insufficient scope")


def read_write(read: str, write: str = ADMIN) -> dict[str, str]:
    """The usual declaration: GET needs ``read``; POST, PATCH, PUT and DELETE need ``write``."""
    return {"GET": read, "POST": write, "PATCH": write, "PUT": write, "DELETE": write}


def needed_scope(view, method: str) -> str | None:
    scopes = getattr(view, "scopes", None) or {}
    if method in ("HEAD", "OPTIONS"):
        return scopes.get("GET") or next(iter(scopes.values()), None)
    return scopes.get(method)


def key_client(request):
    """The API client of a request authenticated with an API key, else None."""
    return getattr(request.auth, "client", None)


class ScopePermission(BasePermission):
    def has_permission(self, request, view):
        if request.method not in ("HEAD", "OPTIONS") and not hasattr(view, request.method.lower()):
            # A method the view does not have is its 405, once the caller is known (401 first otherwise).
            public = PUBLIC in (getattr(view, "scopes", None) or {}).values()
            return public or bool(request.user and request.user.is_authenticated)
        needed = needed_scope(view, request.method)
        if needed is None:
            return False
        if needed == PUBLIC:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        client = key_client(request)
        if client is not None:
            if needed == SIGNED_IN or needed in client.scopes:
                return True
            detail = "Only admins, never an API key." if needed == ADMIN else f"This key lacks the scope {needed}."
            raise InsufficientScope(detail, required_scope=needed)
        if getattr(user, "is_api_client", False):  # a client's principal acts only with its key
            return False
        if getattr(user, "is_admin", False):
            return True
        return needed == SIGNED_IN or needed in STAFF_SCOPES
