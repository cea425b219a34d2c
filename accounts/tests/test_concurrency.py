import threading

import pytest
from django.db import connection

from audit.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_refreshes_with_one_token_exactly_one_succeeds(staff_user, password):
    from rest_framework.test import APIClient

    pair = APIClient().post("/api/v1/auth/token", {"email": staff_user.email, "password": password}, format="json")
    refresh = pair.json()["refresh"]
    results, barrier = [], threading.Barrier(10)

    def worker():
        try:
            barrier.wait()
            response = APIClient().post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [401] * 9
    assert AuditEvent.objects.filter(action="auth.refresh_reuse").count() == 9
    assert not staff_user.refresh_tokens.filter(revoked_at__isnull=True).exists()
