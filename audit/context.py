"""The client (IP, user agent) of the request being served, for audit rows written deep in services."""

from contextvars import ContextVar
from dataclasses import dataclass

from inventory_site.client_ip import client_ip


@dataclass(frozen=True)
class Client:
    ip: str | None = None
    user_agent: str = ""


current_client: ContextVar[Client] = ContextVar("current_client", default=Client())  # noqa: B039 (frozen)


def client_from_request(request) -> Client:
    return Client(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:500])
