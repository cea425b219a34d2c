from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.backends import ModelBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, marking requests refused because the lock existed *before* this attempt.

    The attempt that reaches the limit still gets the ordinary failure answer (401 / form error);
    only later attempts get 429 ``locked_out`` (accounts.lockout.lockout_response).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            request.locked_before_attempt = True
            raise


class EmailBackend(ModelBackend):
    """Email login by the normalised key (``User.objects.get_by_natural_key``: NFKC, case-folded, exact match);
    ``email=`` or ``username=`` (the admin form posts ``username``)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        return super().authenticate(request, username=username or email, password=password, **kwargs)
