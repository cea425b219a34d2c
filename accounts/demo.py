"""Demo users for `make run`: an admin and a staff user, with passwords from the environment."""

import os

from django.conf import settings

from accounts.models import Role, User

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_STAFF_EMAIL = "staff@example.com"


# Only with DJANGO_DEBUG on may a demo user get one of these well-known passwords.
DEBUG_DEMO_PASSWORDS = {"DEMO_ADMIN_PASSWORD": "admin-demo-2026", "DEMO_STAFF_PASSWORD": "staff-demo-2026"}
MIN_DEMO_PASSWORD_LENGTH = 12


class DemoPasswordRefused(Exception):
    """The demo user's password is unset, empty, too short or a published one, and DJANGO_DEBUG is off."""


def demo_password(variable: str) -> str:
    """The password for a new demo user, from ``variable`` (``make run`` generates it into ``.env``).

    Outside DJANGO_DEBUG an unset, empty, short or published password is refused: demo logins that
    anybody can guess must never reach a server that is reachable from elsewhere.
    """
    value = os.environ.get(variable, "")
    fixed = DEBUG_DEMO_PASSWORDS[variable]
    if settings.DEBUG:
        return value or fixed
    if not value:
        raise DemoPasswordRefused(
            f"{variable} is unset or empty: set a random password (make run generates one), "
            "or turn DJANGO_DEBUG on for a local throwaway database."
        )
    if value in DEBUG_DEMO_PASSWORDS.values() or len(value) < MIN_DEMO_PASSWORD_LENGTH:
        raise DemoPasswordRefused(
            f"{variable} is a published or short password: use a random one of at least "
            f"{MIN_DEMO_PASSWORD_LENGTH} characters."
        )
    return value


def _demo_user(email: str, role: str, variable: str, first: str, last: str) -> User:
    user = User.objects.with_email(email).first()
    if user is None:
        password = demo_password(variable)
        user = User.objects.create_user(email=email, password=password, role=role, first_name=first, last_name=last)
    return user


def demo_users() -> tuple[User, User]:
    admin = _demo_user(DEMO_ADMIN_EMAIL, Role.ADMIN, "DEMO_ADMIN_PASSWORD", "Ada", "Admin")
    staff = _demo_user(DEMO_STAFF_EMAIL, Role.STAFF, "DEMO_STAFF_PASSWORD", "Sam", "Staff")
    return admin, staff
