"""ReDoc's bundle, served by us with its one remote asset made local.

The sidecar's ``redoc.standalone.js`` draws "API docs by Redocly" with an ``<img>`` of
``https://cdn.redoc.ly/redoc/logo-mini.svg``, fetched at run time whatever the options: every asset must be
served locally (no CDN), so this view hands out the same bundle with that URL pointing at a local logo.
"""

import gzip
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

SIDECAR_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
LOCAL_LOGO = "docs/redoc-logo.svg"


@lru_cache(maxsize=1)
def _bundle() -> tuple[bytes, bytes]:
    text = Path(finders.find(SIDECAR_BUNDLE)).read_text(encoding="utf-8")
    body = text.replace(CDN_LOGO, static(LOCAL_LOGO)).encode()
    return body, gzip.compress(body, mtime=0)


@require_GET
def redoc_bundle(request):
    body, compressed = _bundle()
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(compressed if use_gzip else body, content_type="text/javascript; charset=utf-8")
    if use_gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    response["Cache-Control"] = "public, max-age=3600"
    return response
