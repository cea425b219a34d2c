"""/healthz and /readyz answer on any Host and over plain HTTP, under production settings too; every other
page keeps the host check and the HTTPS redirect. The compose web healthcheck runs against a real gunicorn."""

import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import yaml

from tests.servers import ROOT, gunicorn


@pytest.fixture
def production(settings):
    settings.ALLOWED_HOSTS = ["inventory.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "10.0.3.7:8000", "inventory.example.com"])
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_answers_on_any_host_without_a_redirect(client, production, host, path):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    assert response.json()["status"] == "ok" and response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_still_answers_503_by_state_on_any_host(client, production, redis_unreachable):
    response = client.get("/readyz", HTTP_HOST="127.0.0.1")
    assert response.status_code == 503 and response.json()["checks"]["redis"] == "unreachable"


@pytest.mark.django_db
def test_other_pages_keep_the_host_check_and_the_redirect(client, production):
    assert client.get("/login/", HTTP_HOST="127.0.0.1").status_code == 400
    redirect = client.get("/login/", HTTP_HOST="inventory.example.com")
    assert redirect.status_code == 301 and redirect["Location"] == "https://inventory.example.com/login/"
    # Only these two exact paths: anything near them goes through the full stack.
    assert client.get("/healthz/", HTTP_HOST="127.0.0.1").status_code == 400
    assert client.get("/readyz/x", HTTP_HOST="inventory.example.com").status_code == 301


def _get(url: str, host: str) -> tuple[int, str | None]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=5) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location")


def test_compose_healthcheck_passes_against_gunicorn_under_production_settings(tmp_path):
    production = {"DJANGO_HTTPS": "true", "DJANGO_ALLOWED_HOSTS": "inventory.example.com", "LOG_LEVEL": "WARNING"}
    with gunicorn(tmp_path, **production) as (_, port):
        base = f"http://127.0.0.1:{port}"
        healthcheck = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["healthcheck"]
        command = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in healthcheck["test"][1:]]
        assert command[0] == "python"
        result = subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr[-2000:]
        for path in ("/healthz", "/readyz"):
            assert _get(base + path, f"127.0.0.1:{port}") == (200, None), path
        assert _get(base + "/login/", f"127.0.0.1:{port}")[0] == 400
        assert _get(base + "/login/", "inventory.example.com") == (301, "https://inventory.example.com/login/")
