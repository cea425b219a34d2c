"""The HTML and admin login forms are throttled like auth/token: AUTH_THROTTLE_RATE (20/min) per client IP."""

import pytest

from audit.models import LoginAttempt

pytestmark = pytest.mark.django_db

DOORS = ["/login/", "/admin/login/"]


def post(client, path, number, address="10.1.1.1"):
    # A new email each time, so the lockout (5 per email and address) never answers first.
    return client.post(
        path, {"username": f"guess{number}@example.com", "password": "nope-nope-123"}, REMOTE_ADDR=address
    )


@pytest.mark.parametrize("path", DOORS)
def test_the_21st_post_in_a_minute_is_429_with_retry_after(client, path):
    codes = [post(client, path, number).status_code for number in range(21)]
    assert codes == [200] * 20 + [429]
    throttled = post(client, path, 21)
    assert throttled.status_code == 429 and 1 <= int(throttled["Retry-After"]) <= 60
    assert throttled["Content-Type"].startswith("text/html")
    assert "Too many login attempts" in throttled.content.decode()
    assert LoginAttempt.objects.count() == 20  # a throttled post never reaches authentication
    # another client has its own budget
    assert post(client, path, 99, address="10.1.1.2").status_code == 200


@pytest.mark.parametrize("path", DOORS)
def test_showing_the_form_is_never_throttled(client, path):
    for number in range(20):
        post(client, path, number)
    assert all(client.get(path).status_code == 200 for _ in range(25))


def test_the_forms_and_the_api_share_one_budget_per_address(client, api_client):
    for number in range(10):
        post(client, "/login/", number)
    for number in range(10, 20):
        post(client, "/admin/login/", number)
    api = api_client.post("/api/v1/auth/token", {"email": "a@example.com", "password": "b"}, REMOTE_ADDR="10.1.1.1")
    assert api.status_code == 429 and api.json()["code"] == "throttled"
    assert post(client, "/login/", 30).status_code == 429


def test_a_right_password_is_throttled_too(client, staff_user, password):
    for number in range(20):
        post(client, "/login/", number)
    response = client.post("/login/", {"username": staff_user.email, "password": password}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
