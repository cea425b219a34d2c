"""Domain errors, defined once. Each carries its HTTP status and machine code.

The API's exception handler turns them into problem+json; HTML views show ``err.message``.
"""


class DomainError(Exception):
    status = 400
    code = "invalid"
    title = "Invalid request"

    def __init__(self, message: str = "", *, errors: dict | None = None, **extra):
        self.message = message or self.title
        self.errors = errors
        self.extra = extra
        super().__init__(self.message)


class Invalid(DomainError):
    """Input that is well-formed but refers to something unusable (unknown id, inactive product...)."""


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    title = "Permission denied"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"
