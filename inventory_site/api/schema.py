"""OpenAPI post-processing."""


def strip_trailing_slashes(result, generator, request, public):
    """Routes accept both forms; document the canonical one, without the slash."""
    result["paths"] = {
        (path.rstrip("/") if path != "/" else path): item for path, item in result.get("paths", {}).items()
    }
    return result
