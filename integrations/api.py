"""The event feed and webhooks: admins, or API keys with ``events:read`` / ``webhooks:manage``."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import feed, webhooks
from integrations.models import DeliveryStatus, EventType, WebhookDelivery
from integrations.serializers import (
    DeliverySerializer,
    EventSerializer,
    FeedSerializer,
    NewWebhookSerializer,
    SecretSerializer,
    WebhookInputSerializer,
    WebhookSerializer,
)
from inventory_site.api.docs import list_schema, problem_responses
from inventory_site.api.idempotency import idempotent_create
from inventory_site.api.views import DELETED, ListApi, validated
from inventory_site.exceptions import Invalid

EVENTS_READ, WEBHOOKS_MANAGE = "events:read", "webhooks:manage"


def _whole(params, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
        raise Invalid.of({name: [f"A whole number {bound}."]})
    return value


def _types(params) -> list[str] | None:
    raw = params.get("types")
    if not raw:
        return None
    types = [item.strip() for item in raw.split(",") if item.strip()]
    unknown = sorted(set(types) - set(EventType.values))
    if unknown:
        raise Invalid.of({"types": [f"Unknown type(s): {', '.join(unknown)}. Use: {', '.join(EventType.values)}."]})
    return types


class EventFeedApi(APIView):
    """Events in ascending ``sequence`` after ``after``: a cursor, not page numbers."""

    scopes = {"GET": EVENTS_READ}

    @extend_schema(
        operation_id="events_list",
        parameters=[
            OpenApiParameter("after", int, description="The sequence to read after (default 0)."),
            OpenApiParameter("types", str, description="Comma list of event types."),
            OpenApiParameter("limit", int, description="1-1000, default 100."),
        ],
        responses={200: FeedSerializer, **problem_responses(400, 401, 403, 410)},
        description="An `after` below the oldest kept sequence (events are kept 30 days) is a 410 `events_expired`.",
    )
    def get(self, request):
        params = request.query_params
        page = feed.feed(
            user=request.user,
            after=_whole(params, "after", default=0, minimum=0, maximum=2**63 - 1),
            types=_types(params),
            limit=_whole(params, "limit", default=feed.DEFAULT_LIMIT, minimum=1, maximum=feed.MAX_LIMIT),
        )
        return Response({**page, "results": EventSerializer(page["results"], many=True).data})


@list_schema(statuses=(400, 401, 403))
class WebhookListApi(ListApi):
    scopes = {"GET": WEBHOOKS_MANAGE, "POST": WEBHOOKS_MANAGE}
    serializer_class = WebhookSerializer
    sort_fields = {"id": "id", "created_at": "created_at"}
    default_sort = "id"

    def get_queryset(self):
        return webhooks.visible_webhooks(self.request.user)

    @idempotent_create(
        WebhookInputSerializer,
        NewWebhookSerializer,
        description="The answer carries the `secret` (`whsec_<base64>`) once.",
    )
    def post(self, request):
        webhook = webhooks.create_webhook(user=request.user, **validated(WebhookInputSerializer, request))
        return Response(NewWebhookSerializer(webhook).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    scopes = {"GET": WEBHOOKS_MANAGE, "PATCH": WEBHOOKS_MANAGE, "DELETE": WEBHOOKS_MANAGE}

    @extend_schema(responses={200: WebhookSerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk):
        return Response(WebhookSerializer(webhooks.get_webhook(request.user, pk)).data)

    @extend_schema(
        request=WebhookInputSerializer, responses={200: WebhookSerializer, **problem_responses(400, 401, 403, 404)}
    )
    def patch(self, request, pk):
        webhook = webhooks.get_webhook(request.user, pk)
        data = validated(WebhookInputSerializer, request, partial=True)
        return Response(WebhookSerializer(webhooks.update_webhook(user=request.user, webhook=webhook, **data)).data)

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404)})
    def delete(self, request, pk):
        webhooks.delete_webhook(user=request.user, webhook=webhooks.get_webhook(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretApi(APIView):
    scopes = {"POST": WEBHOOKS_MANAGE}

    @extend_schema(
        request=None,
        responses={200: SecretSerializer, **problem_responses(401, 403, 404)},
        description="A new secret; the old one also signs for 24 hours.",
    )
    def post(self, request, pk):
        secret = webhooks.rotate_secret(user=request.user, webhook=webhooks.get_webhook(request.user, pk))
        return Response({"secret": secret})


class WebhookPingApi(APIView):
    scopes = {"POST": WEBHOOKS_MANAGE}

    @extend_schema(request=None, responses={202: DeliverySerializer, **problem_responses(401, 403, 404)})
    def post(self, request, pk):
        sent = webhooks.ping(user=request.user, webhook=webhooks.get_webhook(request.user, pk))
        return Response(DeliverySerializer(sent).data, status=status.HTTP_202_ACCEPTED)


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)


@list_schema(statuses=(400, 401, 403, 404))
class WebhookDeliveryListApi(ListApi):
    scopes = {"GET": WEBHOOKS_MANAGE}
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    sort_fields = {"id": "id", "created_at": "created_at"}
    default_sort = "-id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return webhooks.get_webhook(self.request.user, self.kwargs["pk"]).deliveries.select_related("event")


class RedeliverApi(APIView):
    scopes = {"POST": WEBHOOKS_MANAGE}

    @extend_schema(request=None, responses={202: DeliverySerializer, **problem_responses(400, 401, 403, 404)})
    def post(self, request, pk):
        again = webhooks.redeliver(user=request.user, delivery_id=pk)
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
