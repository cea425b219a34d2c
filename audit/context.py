"""The client (IP, user agent) of the request being served, for audit rows written deep in services."""

from contextvars import ContextVar
from dataclasses import dataclass, replace

from inventory_site.client_ip import client_ip


@dataclass(frozen=True)
class Client:
    ip: str | None = None
    user_agent: str = ""
    api_client_id: int | None = None  # set when an API key authenticated the request
    api_key_id: int | None = None


def acting_with_key(*, api_client_id: int, api_key_id: int) -> None:
    """The request is authenticated with an API key: its audit rows name the client and the key."""
    current_client.set(replace(current_client.get(), api_client_id=api_client_id, api_key_id=api_key_id))


current_client: ContextVar[Client] = ContextVar("current_client", default=Client())  # noqa: B039 (frozen)


def client_from_request(request) -> Client:
    return Client(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:500])
