"""ReDoc's bundle is served by us with its CDN logo made local (the browser test watches the real requests)."""

import gzip

import pytest


@pytest.mark.django_db
def test_redoc_page_uses_our_bundle(client):
    html = client.get("/redoc").content.decode()
    assert '<script src="/redoc/redoc.standalone.js"></script>' in html
    assert "drf_spectacular_sidecar/redoc" not in html


def test_redoc_bundle_has_no_remote_logo(client):
    response = client.get("/redoc/redoc.standalone.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "cdn.redoc.ly" not in body and '"/static/docs/redoc-logo.svg"' in body
    assert "Redoc" in body and len(body) > 500_000
    compressed = client.get("/redoc/redoc.standalone.js", HTTP_ACCEPT_ENCODING="gzip, br")
    assert compressed["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content).decode() == body
