"""The client's IP address, the one rule for throttling, the login lockout, audit rows and login attempts.

``NUM_PROXIES`` is read exactly as DRF's ``BaseThrottle.get_ident`` reads it: with 0 (the default) or no
``X-Forwarded-For``, the peer address (``REMOTE_ADDR``); with N > 0, the Nth address from the right of
``X-Forwarded-For`` (the address the outermost of our N proxies saw), or the leftmost when the header has
fewer. Set it to the number of reverse proxies in front of the app, no more: the addresses to the left of
those are whatever the client wrote.

One addition to DRF's rule: a value that is not an IP address (a hand-written header reaching the app
without the proxy) falls back to ``REMOTE_ADDR``, so audit and login-attempt rows always hold an address.
"""

import ipaddress

from django.conf import settings


def num_proxies() -> int:
    return max(int(getattr(settings, "NUM_PROXIES", 0) or 0), 0)


def client_ip(request) -> str | None:
    """The client address of ``request`` (a Django or DRF request); None when the peer is unknown."""
    meta = request.META
    remote_addr = meta.get("REMOTE_ADDR") or None
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    proxies = num_proxies()
    if proxies == 0 or forwarded is None:
        return remote_addr
    addresses = forwarded.split(",")
    candidate = addresses[-min(proxies, len(addresses))].strip()
    return candidate if _is_ip(candidate) else remote_addr


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
