"""OpenAPI generation: operation names and post-processing."""

import re

from drf_spectacular import openapi

from inventory_site.api.docs import DESCRIPTIONS, ProblemSerializer
from inventory_site.api.permissions import needed_scope


def strip_trailing_slashes(result, generator, request, public):
    """Routes accept both forms; document the canonical one, without the slash."""
    result["paths"] = {
        (path.rstrip("/") if path != "/" else path): item for path, item in result.get("paths", {}).items()
    }
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, naming a GET without a trailing path parameter ``..._list``.

    Our list views are plain (Generic)APIViews, which spectacular would otherwise name ``..._retrieve``,
    colliding with the detail view's operationId.
    """

    def _get_response_bodies(self, direction="response"):
        """Add the problem answers every operation of a kind can give, so no view has to repeat them."""
        responses = super()._get_response_bodies(direction)
        extra = [503]  # the database is unreachable or timed out
        if self.get_auth():
            extra.append(401)
        if self.get_operation_id().endswith("_list") and getattr(self.view, "paginator", None) is not None:
            extra.append(404)  # a page past the end
        for status in extra:
            if str(status) not in responses:
                response = self._get_response_for_code(
                    ProblemSerializer, str(status), ("application/problem+json",), direction
                )
                response["description"] = DESCRIPTIONS[status]
                responses[str(status)] = response
        return responses

    def get_operation(self, *args, **kwargs):
        """Each operation names the scope it needs (``x-required-scope``; inventory_site.api.permissions)."""
        operation = super().get_operation(*args, **kwargs)
        needed = needed_scope(self.view, self.method)
        if operation is not None and needed is not None:
            operation["x-required-scope"] = needed
            note = f"Needs: `{needed}`."
            operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
        return operation

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        if self.method == "GET" and operation_id.endswith("_retrieve") and not re.search(r"\{\w+\}/?$", self.path):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id
