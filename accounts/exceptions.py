"""Accounts' errors: login and token failures (401) and conflicts (409), each with its machine code."""

from django.utils.translation import gettext_noop

from inventory_site.exceptions import Conflict, DomainError, error_class


class Unauthorized(DomainError):
    status = 401


InvalidCredentials = error_class(
    "InvalidCredentials", Unauthorized, "invalid_credentials", gettext_noop("Invalid credentials")
)
TokenInvalid = error_class("TokenInvalid", Unauthorized, "token_invalid", gettext_noop("Invalid token"))
DuplicateEmail = error_class("DuplicateEmail", Conflict, "duplicate_email", gettext_noop("Duplicate email"))
UserHasHistory = error_class("UserHasHistory", Conflict, "user_has_history", gettext_noop("User has history"))
