"""API paths are written without a trailing slash; the slashed form is routed too, with no redirect."""

from django.urls import re_path


def api_path(route: str, view, name: str):
    """``route`` is a regex body such as ``products`` or ``products/(?P<pk>[0-9]+)``."""
    return re_path(rf"^{route}/?$", view, name=name)
