"""Every response carries the Content-Security-Policy: nothing remote, inline code only with the nonce."""

import re

import pytest

pytestmark = pytest.mark.django_db

# /healthz and /readyz are answered before every other middleware (inventory_site/health.py): JSON, no page.
PAGES = ["/login/", "/admin/login/", "/docs", "/redoc", "/api/v1/auth/me", "/no-such-page/"]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_policy(client, path):
    policy = directives(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    for sources in policy.values():
        assert not any(source.startswith(("http", "*")) or "unsafe" in source for source in sources), sources


def test_signed_in_pages_have_it_too(staff_web):
    for path in ("/", "/stock/movements/new/", "/orders/new/"):
        assert directives(staff_web.get(path))["script-src"][0] == "'self'"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_inline_code_carries_the_response_nonce(client, path):
    response = client.get(path)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, html[:500]
    for tag, attributes in inline:
        assert f'nonce="{nonce}"' in attributes, (tag, attributes)
    assert f"'nonce-{nonce}'" in directives(response)["script-src"]
    assert client.get(path)["Content-Security-Policy"] != response["Content-Security-Policy"]  # fresh per response


def test_only_redoc_may_start_a_blob_worker(client):
    assert directives(client.get("/redoc"))["worker-src"] == ["'self'", "blob:"]
    assert "worker-src" not in directives(client.get("/docs"))


def test_swagger_ui_calls_no_remote_validator(client):
    assert '"validatorUrl": null' in client.get("/docs").content.decode()
