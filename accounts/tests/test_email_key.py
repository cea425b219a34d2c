"""The email's normalised key (NFKC, then case-folded) is the identity: lookups, uniqueness and the lockout.

The victim's address holds an ``i``, a ``k`` and an ``s``: the letters that ``ı`` (dotless i), ``K`` (the
Kelvin sign) and ``ſ`` (long s) imitate. PostgreSQL's ``UPPER`` (behind ``email__iexact``) folds ``ı`` and
``ſ`` into ASCII while Python's ``lower()`` does not: a lockout keyed on ``lower()`` with an ``iexact`` lookup
gave every such spelling a fresh counter to the same account.
"""

import importlib

import pytest
from axes.models import AccessAttempt
from django.apps import apps as django_apps
from django.contrib.auth import authenticate
from django.test import RequestFactory

from accounts.models import User, normalise_email
from accounts.tests.factories import UserFactory
from audit.models import LoginAttempt

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
USERS = "/api/v1/users"
VICTIM = "victim.kass@example.com"
LONG_S = "victim.ka\u017f\u017f@example.com"  # ſ (U+017F): NFKC makes it "s"
KELVIN = "victim.\u212aass@example.com"  # K (U+212A): NFKC makes it "K", then "k"
FULL_WIDTH = "\uff56\uff49\uff43\uff54\uff49\uff4d.kass@example.com"  # ｖｉｃｔｉｍ
UPPER = "VICTIM.KASS@EXAMPLE.COM"
DOTLESS_I = "v\u0131ct\u0131m.kass@example.com"  # ı (U+0131): casefold keeps it, a different address
SAME_KEY = {"long_s": LONG_S, "kelvin": KELVIN, "full_width": FULL_WIDTH, "upper": UPPER}
WRONG = "wrong-password-123"


@pytest.fixture
def victim(password):
    # An admin, so the admin door is a real way in too.
    return UserFactory(email=VICTIM, role="admin", password=password)


def api_login(client, email, password):
    return client.post(TOKEN, {"email": email, "password": password}, content_type="application/json")


def form_login(client, path, email, password):
    return client.post(path, {"username": email, "password": password})


def try_door(client, door, email, password):
    if door == "api":
        return api_login(client, email, password)
    return form_login(client, "/login/" if door == "html" else "/admin/login/", email, password)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock(client, email=VICTIM):
    for _ in range(5):
        assert api_login(client, email, WRONG).status_code == 401


@pytest.mark.parametrize(
    "value, key",
    [
        (VICTIM, VICTIM),
        (LONG_S, VICTIM),
        (KELVIN, VICTIM),
        (FULL_WIDTH, VICTIM),
        ("  " + UPPER + " ", VICTIM),
        (DOTLESS_I, DOTLESS_I),
        (None, ""),
    ],
)
def test_normalise_email_is_nfkc_then_casefold(value, key):
    assert normalise_email(value) == key


def test_email_is_kept_as_entered_and_the_key_set_on_every_save(password):
    user = User.objects.create_user(email=" Victim.Kass@Example.com ", password=password)
    assert user.email == "Victim.Kass@Example.com" and user.email_key == VICTIM
    user.email = LONG_S.replace("victim", "other")
    user.save(update_fields=["email"])
    user.refresh_from_db()
    assert user.email_key == "other.kass@example.com"


@pytest.mark.parametrize("spelling", [VICTIM, *SAME_KEY.values()], ids=["plain", *SAME_KEY])
def test_lookup_is_by_exact_key_on_every_database(victim, password, spelling):
    assert User.objects.get_by_natural_key(spelling) == victim
    assert authenticate(RequestFactory().post("/login/"), email=spelling, password=password) == victim
    assert not User.objects.with_email(DOTLESS_I).exists()


def test_failures_under_every_spelling_of_one_address_share_one_counter(client, victim, password):
    for spelling in [LONG_S, KELVIN, FULL_WIDTH, UPPER, VICTIM]:
        assert api_login(client, spelling, WRONG).status_code == 401
    locked = api_login(client, VICTIM, password)
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {VICTIM}
    assert set(LoginAttempt.objects.values_list("email", flat=True)) == {VICTIM}


@pytest.mark.parametrize("door", ["api", "html", "admin"])
@pytest.mark.parametrize("spelling", list(SAME_KEY.values()), ids=list(SAME_KEY))
def test_a_locked_account_stays_locked_under_any_spelling(client, victim, password, door, spelling):
    lock(client)
    response = try_door(client, door, spelling, password)
    assert response.status_code == 429, response.content[:300]
    assert not signed_in(client)
    assert client.get("/admin/accounts/user/").status_code == 302  # to the admin login


@pytest.mark.parametrize("door", ["api", "html", "admin"])
@pytest.mark.parametrize("spelling", list(SAME_KEY.values()), ids=list(SAME_KEY))
def test_a_spelling_with_the_same_key_is_the_same_person(client, victim, password, door, spelling):
    response = try_door(client, door, spelling, password)
    if door == "api":
        assert response.status_code == 200 and "access" in response.json()
    else:
        assert response.status_code == 302 and signed_in(client)
    assert LoginAttempt.objects.get(success=True).email == VICTIM


@pytest.mark.postgres
@pytest.mark.parametrize("door", ["api", "html", "admin"])
def test_dotless_i_is_another_address_not_a_way_into_a_locked_account(client, victim, password, door):
    """On PostgreSQL ``email__iexact`` matched ``vıctım`` to ``victim`` under a fresh counter: the bypass."""
    lock(client)
    response = try_door(client, door, DOTLESS_I, password)
    assert response.status_code == (401 if door == "api" else 200), response.content[:300]
    assert not signed_in(client)
    assert client.get("/admin/accounts/user/").status_code == 302
    attempt = LoginAttempt.objects.latest("id")
    assert attempt.email == DOTLESS_I and attempt.reason == "unknown_email"


@pytest.mark.parametrize("spelling", [LONG_S, KELVIN, UPPER], ids=["long_s", "kelvin", "upper"])
def test_two_spellings_with_one_key_are_a_duplicate_email(admin_client, victim, spelling):
    body = {"email": spelling, "password": "Forklift-2026-blue", "role": "staff", "first_name": "A", "last_name": "B"}
    response = admin_client.post(USERS, body, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_email"
    other = UserFactory(email="other@example.com")
    patched = admin_client.patch(f"{USERS}/{other.pk}", {"email": spelling}, format="json")
    assert patched.status_code == 409 and patched.json()["code"] == "duplicate_email"


def test_dotless_i_is_a_different_address_for_uniqueness_too(admin_client, victim):
    body = {"email": DOTLESS_I, "password": "Forklift-2026-blue", "role": "staff", "first_name": "A", "last_name": "B"}
    response = admin_client.post(USERS, body, format="json")
    assert response.status_code == 201, response.json()
    assert User.objects.get(pk=response.json()["id"]).email_key == DOTLESS_I


def test_admin_forms_refuse_a_spelling_of_an_existing_address(admin_web, victim):
    data = {"email": LONG_S, "password": "Forklift-2026-blue", "first_name": "A", "last_name": "B", "role": "staff"}
    added = admin_web.post("/admin/accounts/user/add/", data)
    assert added.status_code == 200 and "already exists" in added.content.decode()
    other = UserFactory(email="other@example.com")
    changed = admin_web.post(
        f"/admin/accounts/user/{other.pk}/change/",
        {"email": KELVIN, "first_name": "O", "last_name": "T", "role": "staff", "is_active": "on"},
    )
    assert changed.status_code == 200 and "already exists" in changed.content.decode()
    other.refresh_from_db()
    assert other.email == "other@example.com"


def test_login_attempt_filter_takes_any_spelling(admin_client, victim):
    api_login(admin_client, LONG_S, WRONG)
    response = admin_client.get("/api/v1/audit/login-attempts", {"email": FULL_WIDTH})
    assert [row["email"] for row in response.json()["results"]] == [VICTIM]


def test_the_data_migration_fills_keys_and_names_clashes(password):
    fill = importlib.import_module("accounts.migrations.0003_fill_email_key").fill_email_keys
    first = UserFactory(email="First.Person@Example.com")
    second = UserFactory(email="second@example.com")
    User.objects.filter(pk=first.pk).update(email_key="stale-1")
    User.objects.filter(pk=second.pk).update(email_key="stale-2")
    fill(django_apps, None)
    assert dict(User.objects.values_list("pk", "email_key")) == {
        first.pk: "first.person@example.com",
        second.pk: "second@example.com",
    }
    User.objects.filter(pk=second.pk).update(email="first.per\u017fon@example.com", email_key="stale-2")
    with pytest.raises(RuntimeError, match="first.per"):
        fill(django_apps, None)
