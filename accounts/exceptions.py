from inventory_site.exceptions import Conflict, DomainError


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    title = "Invalid credentials"


class TokenInvalid(DomainError):
    status = 401
    code = "token_invalid"
    title = "Invalid token"


class DuplicateEmail(Conflict):
    code = "duplicate_email"
    title = "Duplicate email"


class UserHasHistory(Conflict):
    code = "user_has_history"
    title = "User has history"
