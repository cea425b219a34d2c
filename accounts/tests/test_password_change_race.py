"""A refresh racing a password change never leaves a live token behind: both lock the user's row."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import services
from accounts.models import RefreshToken

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Conveyor-belt-2031"


def tokens_for(user, password) -> str:
    response = APIClient().post("/api/v1/auth/token", {"email": user.email, "password": password}, format="json")
    return response.json()["refresh"]


def in_thread(target) -> tuple[threading.Thread, list]:
    results: list = []

    def run():
        try:
            results.append(target())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results


@pytest.mark.parametrize("first", ["password_change", "refresh"])
def test_refresh_racing_a_password_change_leaves_no_live_token(staff_user, admin_user, password, first, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "1000/min"})
    refresh = tokens_for(staff_user, password)
    for _ in range(10):  # many rounds: both orders of arrival at the lock happen
        starts = {
            "password_change": lambda: services.set_password(actor=admin_user, user=staff_user, password=NEW_PASSWORD),
            "refresh": lambda token=refresh: (
                APIClient().post("/api/v1/auth/token/refresh", {"refresh": token}, format="json").status_code
            ),
        }
        order = [first, *(name for name in starts if name != first)]
        threads = [in_thread(starts[name]) for name in order]
        for thread, _ in threads:
            thread.join()
        assert all(results for _, results in threads)
        assert not RefreshToken.objects.filter(user=staff_user, revoked_at__isnull=True).exists()
        refresh = tokens_for(staff_user, NEW_PASSWORD)
