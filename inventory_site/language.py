"""The pages' language: the user's choice, else English; never the browser's, and never on the JSON API.

Django's LocaleMiddleware falls back to the browser's Accept-Language, so a German browser would see German
labels the contract names in English. Here the language is only what the user picked with the picker (Django's
``set_language`` view, which stores it in the language cookie: a browser-session cookie, ``LANGUAGE_COOKIE_AGE``
unset), else ``LANGUAGE_CODE``. Everything under ``/api/`` (bodies, error messages, the schema) stays English.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIXES = ("/api/",)


def chosen_language(request) -> str:
    """The language the user picked, if it is one of ``LANGUAGES``; else the default."""
    if request.path.startswith(API_PREFIXES):
        return settings.LANGUAGE_CODE
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    try:
        return translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activate the chosen language for the request (in place of django.middleware.locale.LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        translation.deactivate()
        return response
