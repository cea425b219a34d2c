"""Error pages: problem+json under /api/, HTML elsewhere."""

from django.views import defaults

from inventory_site.api.errors import problem_json_response


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_json_response(404, "not_found", "No such endpoint or object.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return problem_json_response(500, "server_error", "An unexpected error occurred.")
    return defaults.server_error(request)
