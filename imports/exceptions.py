"""The imports' errors, each with its HTTP status and machine code."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from inventory_site.exceptions import Conflict, DomainError, error_class

ImportHasErrors = error_class(
    "ImportHasErrors",
    Conflict,
    "import_has_errors",
    gettext_noop("Import has errors"),
    "Invalid rows: fix them, or skip them.",
)
ImportNotReady = error_class(
    "ImportNotReady",
    Conflict,
    "import_not_ready",
    gettext_noop("Import not ready"),
    "The import is still validating, or failed.",
)


class FileTooLarge(DomainError):
    status = 413
    code = "file_too_large"
    title = _("File too large")
