"""OpenAPI: the API key and JWT security schemes (imported by accounts.apps so drf-spectacular registers it)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "inv_<prefix>_<secret>",
            "description": "An API client's key (POST api-clients/{id}/keys). Each operation names the scope it needs "
            "in `x-required-scope` (a key scope, `signed-in`, or `admin`: people with the admin role only).",
        }


class JWTScheme(SimpleJWTScheme):
    """simplejwt's scheme (``jwtAuth``) for its subclass with the cached user (accounts.authentication)."""

    target_class = "accounts.authentication.JWTAuthentication"
