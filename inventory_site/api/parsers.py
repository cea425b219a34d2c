"""The API's JSON parser: DRF's, but a body nested too deeply is a 400, never a RecursionError (a 500)."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32  # the deepest body the API takes (an order's lines) is 3 levels deep
TOO_DEEP = f"JSON parse error - nested more than {MAX_DEPTH} levels deep."


def _depth_exceeds(data, limit: int) -> bool:
    """Whether ``data`` nests arrays/objects more than ``limit`` levels deep (iterative: no recursion of its own)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
