"""RFC 9457 problem details for every API error."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import AuthenticationFailed as JwtAuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from inventory_site.exceptions import DomainError, first_message

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}


def problem(status: int, code: str, detail: str, *, title: str | None = None, errors=None, **extra) -> dict:
    """The problem body, every text a plain ``str``: a domain error's lazy title and messages are rendered here,
    in the active language (English on the API), so no renderer or stored copy ever sees a lazy object."""
    body = {
        "type": f"/problems/{code}",
        "title": _rendered(title or TITLES.get(status, "Error")),
        "status": status,
        "detail": _rendered(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = _rendered(errors)
    body.update(_rendered(extra))
    return body


def _rendered(value):
    """``value`` with every lazy text in it (in dicts and lists) turned into ``str``."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {key: _rendered(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rendered(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_rendered(item) for item in value)
    return value


def problem_response(status: int, code: str, detail: str, *, headers=None, **kwargs) -> Response:
    return Response(
        problem(status, code, detail, **kwargs), status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE
    )


def problem_json_response(status: int, code: str, detail: str, *, headers=None, **kwargs) -> JsonResponse:
    """The same body for plain Django views and middleware, outside DRF."""
    response = JsonResponse(problem(status, code, detail, **kwargs), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# SQLSTATEs of a database that is there but busy: lock_timeout (lock_not_available), statement_timeout
# (query_canceled). Django raises both as OperationalError, like a database that cannot be reached.
_BUSY_SQLSTATES = {"55P03", "57014"}
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: Exception) -> dict:
    """The one answer to a database that is unreachable or timed out: a 503 ``service_unavailable`` with
    ``Retry-After`` (keyword arguments for ``problem_response`` / ``problem_json_response``), never a 500."""
    if getattr(exc.__cause__, "sqlstate", None) in _BUSY_SQLSTATES:
        log.warning("database busy: %s", exc)
        detail = _("The database is busy (a lock or statement timeout); try again shortly.")
    else:
        log.error("database unavailable: %s", exc)
        detail = _("The database is unreachable; try again shortly.")
    return {
        "status": 503,
        "code": "service_unavailable",
        "detail": detail,
        "headers": {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    }


def _as_error_lists(detail) -> dict:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list) else [value] for key, value in _stringify(detail).items()}
    return {"non_field_errors": _stringify(detail if isinstance(detail, list) else [detail])}


def _stringify(value):
    if isinstance(value, dict):
        return {key: _stringify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stringify(item) for item in value]
    return str(value)


def problem_exception_handler(exc, context):
    """Turn domain errors, DRF's exceptions and Django's into problem+json; bad input is never a 500."""
    if isinstance(exc, DomainError):
        headers = {"WWW-Authenticate": BEARER_CHALLENGE} if exc.status == 401 else None
        return problem_response(
            exc.status, exc.code, exc.message, title=exc.title, errors=exc.errors, headers=headers, **exc.extra
        )
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return problem_response(400, "invalid", first_message(errors), errors=errors)
    if isinstance(exc, (InvalidToken, TokenError, JwtAuthenticationFailed)):
        return _token_invalid(exc)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        return problem_response(**database_unavailable(exc))
    if isinstance(exc, drf.ValidationError):
        errors = _as_error_lists(exc.detail)
        return problem_response(400, "invalid", first_message(errors), errors=errors)
    if isinstance(exc, drf.APIException):
        return _api_exception(exc)
    if isinstance(exc, DatabaseError):
        log.exception("database error")
    return None


BEARER_CHALLENGE = 'Bearer realm="api"'
TOKEN_INVALID_DETAIL = "The token is invalid or expired."
# SimpleJWT's codes whose message helps the client and says nothing about anybody else.
JWT_PLAIN_MESSAGES = {"bad_authorization_header": "The Authorization header must be 'Bearer <token>'."}


def _token_invalid(exc) -> Response:
    """A bearer token that cannot be used (malformed, expired, wrong signature, wrong type, its user deleted
    or inactive): the contract's ``token_invalid`` with a plain-string detail, never SimpleJWT's dict."""
    detail = getattr(exc, "detail", None)
    jwt_code = str(detail.get("code", "")) if isinstance(detail, dict) else ""
    message = JWT_PLAIN_MESSAGES.get(jwt_code, TOKEN_INVALID_DETAIL)
    return problem_response(401, "token_invalid", message, headers={"WWW-Authenticate": BEARER_CHALLENGE})


def _plain_detail(detail) -> str:
    """An exception's detail as one plain string (DRF's may be a dict or list of ErrorDetail)."""
    while isinstance(detail, (dict, list)) and detail:
        detail = detail.get("detail", next(iter(detail.values()))) if isinstance(detail, dict) else detail[0]
    return str(detail) if detail else "Error."


def _api_exception(exc: drf.APIException) -> Response:
    status = exc.status_code
    code = {
        drf.NotAuthenticated: "not_authenticated",
        drf.PermissionDenied: "permission_denied",
        drf.NotFound: "not_found",
        drf.MethodNotAllowed: "method_not_allowed",
        drf.NotAcceptable: "not_acceptable",
        drf.UnsupportedMediaType: "unsupported_media_type",
        drf.Throttled: "throttled",
        drf.ParseError: "invalid",
    }.get(type(exc))
    if code is None and isinstance(exc, drf.AuthenticationFailed):
        code = "not_authenticated"  # never DRF's undocumented "authentication_failed"
    code = code or (exc.default_code if isinstance(exc.default_code, str) else "error")
    detail = _plain_detail(exc.detail)
    headers = {}
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    if status == 401:
        headers["WWW-Authenticate"] = BEARER_CHALLENGE
    return problem_response(status, code, detail, headers=headers)
