"""Accounts' errors: login and token failures (401) and conflicts (409), each with its machine code."""

from inventory_site.exceptions import Conflict, DomainError, error_class


class Unauthorized(DomainError):
    status = 401


InvalidCredentials = error_class("InvalidCredentials", Unauthorized, "invalid_credentials", "Invalid credentials")
TokenInvalid = error_class("TokenInvalid", Unauthorized, "token_invalid", "Invalid token")
DuplicateEmail = error_class("DuplicateEmail", Conflict, "duplicate_email", "Duplicate email")
UserHasHistory = error_class("UserHasHistory", Conflict, "user_has_history", "User has history")
