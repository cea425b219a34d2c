"""inventory_site.client_ip: the NUM_PROXIES rule of DRF's BaseThrottle.get_ident, in one function."""

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from inventory_site.client_ip import client_ip

CASES = [
    (0, None, "10.0.0.9"),
    (0, "198.51.100.7", "10.0.0.9"),
    (1, None, "10.0.0.9"),
    (1, "198.51.100.7", "198.51.100.7"),
    (1, "203.0.113.1, 198.51.100.7", "198.51.100.7"),
    (2, "203.0.113.1, 198.51.100.7", "203.0.113.1"),
    (2, "203.0.113.1,198.51.100.7, 192.0.2.4", "198.51.100.7"),
    (3, "198.51.100.7", "198.51.100.7"),  # fewer addresses than proxies: the leftmost
    (1, "2001:db8::1", "2001:db8::1"),
]


def request_with(forwarded):
    extra = {"REMOTE_ADDR": "10.0.0.9"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("proxies, forwarded, expected", CASES)
def test_same_address_as_drf_get_ident(proxies, forwarded, expected):
    request = request_with(forwarded)
    with override_settings(NUM_PROXIES=proxies, REST_FRAMEWORK={"NUM_PROXIES": proxies}):
        assert api_settings.NUM_PROXIES == proxies
        assert client_ip(request) == BaseThrottle().get_ident(request) == expected


@pytest.mark.parametrize("forwarded", ["not-an-address", "", "198.51.100.7, <script>", "unknown"])
def test_a_value_that_is_no_address_falls_back_to_the_peer(settings, forwarded):
    settings.NUM_PROXIES = 1
    assert client_ip(request_with(forwarded)) == "10.0.0.9"
