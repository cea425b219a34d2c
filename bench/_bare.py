"""The floor of one authenticated request: a bare DRF view that returns a constant (bench/floor figures).

Configured as ``../shared/bench/ceiling.py`` is (no middleware, no authentication, DRF's JSON renderer), with a
view that touches no database: ``GET /constant -> 200 {"ok": true}``. ``GET /api/v1/auth/me`` (JWT, the full
middleware, the user) is set beside it: target at least 0.8x its rate. Served by gunicorn like the ceiling.
"""

from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="x" * 50,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    DATABASES={},
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    },
)
import django  # noqa: E402

django.setup()
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class Constant(APIView):
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("constant", Constant.as_view())]
application = get_wsgi_application()
