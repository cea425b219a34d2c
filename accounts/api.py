from django.contrib.auth import authenticate, user_logged_in
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import clients, services, tokens
from accounts.exceptions import InvalidCredentials
from accounts.models import HUMAN_ROLES, ApiClient, ApiKey, User
from accounts.serializers import (
    ApiClientBriefSerializer,
    ApiClientInputSerializer,
    ApiClientSerializer,
    ApiKeyInputSerializer,
    ApiKeyRotateSerializer,
    ApiKeySerializer,
    MeClientSerializer,
    NewApiKeySerializer,
    RefreshedPairSerializer,
    RefreshRequestSerializer,
    TokenPairSerializer,
    TokenRequestSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
    user_representation,
)
from inventory_site.api.docs import list_schema, problem_responses
from inventory_site.api.idempotency import idempotent, idempotent_create
from inventory_site.api.permissions import ADMIN, PUBLIC, SIGNED_IN, key_client
from inventory_site.api.sorting import SortMixin
from inventory_site.api.throttling import AuthRateThrottle
from inventory_site.api.views import DELETED, ListApi, validated


class AuthView(APIView):
    authentication_classes: list = []
    scopes = {"POST": PUBLIC}
    throttle_classes = [AuthRateThrottle]


NO_STORE = OpenApiParameter(
    "Cache-Control",
    str,
    OpenApiParameter.HEADER,
    response=True,
    description="Always `no-store` (with `Pragma: no-cache`): tokens are never cached.",
)


class NoStoreView(AuthView):
    """Responses that carry tokens are never stored by a browser or proxy (RFC 6749 5.1)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class TokenApi(NoStoreView):
    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenPairSerializer, **problem_responses(400, 401, 429)},
        parameters=[NO_STORE],
        auth=[],
        description=(
            "Failures 1 to `AXES_FAILURE_LIMIT` for one (normalised email: NFKC then case-folded; client IP) get "
            "the 401 `invalid_credentials`; after that every attempt, even with the right password, gets 429 "
            "`locked_out` with `Retry-After` until the cool-off ends. The counter is shared with `/login/` and "
            "the admin login. `AUTH_THROTTLE_RATE` per client IP (a budget shared with the other `auth/*` "
            "endpoints and the login forms) answers 429 `throttled`."
        ),
    )
    def post(self, request):
        data = validated(TokenRequestSerializer, request)
        email, password = data["email"], data["password"]
        # axes needs the Django request; authenticate() sends user_login_failed on failure.
        user = authenticate(request._request, email=email, password=password)
        if user is None:
            raise InvalidCredentials("The email or password is incorrect.")
        user_logged_in.send(sender=User, request=request._request, user=user)
        return Response(tokens.issue_token_pair(user=user))


class TokenRefreshApi(NoStoreView):
    @extend_schema(
        request=RefreshRequestSerializer,
        responses={200: RefreshedPairSerializer, **problem_responses(400, 401, 429)},
        parameters=[NO_STORE],
        auth=[],
    )
    def post(self, request):
        return Response(tokens.rotate_refresh_token(token=validated(RefreshRequestSerializer, request)["refresh"]))


class LogoutApi(AuthView):
    @extend_schema(
        request=RefreshRequestSerializer,
        responses={204: OpenApiResponse(description="Revoked"), **problem_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request):
        tokens.revoke_refresh_token(token=validated(RefreshRequestSerializer, request)["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    scopes = {"GET": SIGNED_IN}

    @extend_schema(
        operation_id="auth_me_retrieve",
        responses={
            200: PolymorphicProxySerializer("Me", [UserSerializer, MeClientSerializer], None),
            **problem_responses(401),
        },
        description="The signed-in user; with an API key, `{client: {id, name, scopes, location_ids}}`.",
    )
    def get(self, request):
        client = key_client(request)
        if client is not None:
            return Response({"client": ApiClientBriefSerializer(client).data})
        return Response(user_representation(request.user))


@list_schema(statuses=(400, 401, 403), paged=False)
class UserListApi(SortMixin, ListAPIView):
    scopes = {"GET": ADMIN, "POST": ADMIN}
    serializer_class = UserSerializer
    sort_fields = {"email": "email", "date_joined": "date_joined", "last_login": "last_login", "role": "role"}
    nullable_sort_fields = frozenset({"last_login"})
    default_sort = "email"

    def get_queryset(self):
        return self.sort(User.objects.filter(role__in=HUMAN_ROLES))  # an API client's principal is no user

    @extend_schema(
        request=UserCreateSerializer, responses={201: UserSerializer, **problem_responses(400, 401, 403, 409)}
    )
    @idempotent
    def post(self, request):
        user = services.create_user(actor=request.user, **validated(UserCreateSerializer, request))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailApi(APIView):
    scopes = {"GET": ADMIN, "PATCH": ADMIN, "DELETE": ADMIN}

    @extend_schema(responses={200: UserSerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk):
        return Response(UserSerializer(_person(pk)).data)

    @extend_schema(
        request=UserUpdateSerializer,
        responses={200: UserSerializer, **problem_responses(400, 401, 403, 404, 409)},
        description=(
            "Partial update. A new `password` (under the policy) revokes every live refresh token of the user in "
            "the same transaction and writes a `user.password_changed` audit event. An email that is another "
            "user's once normalised (NFKC, then case-folded) is a 409 `duplicate_email`."
        ),
    )
    def patch(self, request, pk):
        user = _person(pk)
        data = validated(UserUpdateSerializer, request, partial=True)
        user = services.update_user(actor=request.user, user=user, **data)
        return Response(UserSerializer(user).data)

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        services.delete_user(actor=request.user, user=_person(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _person(pk) -> User:
    return get_object_or_404(User.objects.filter(role__in=HUMAN_ROLES), pk=pk)


# --- API clients and keys (admins only: no key scope manages them) ---------------------------------------------


@list_schema(statuses=(400, 401, 403))
class ApiClientListApi(ListApi):
    scopes = {"GET": ADMIN, "POST": ADMIN}
    serializer_class = ApiClientSerializer
    sort_fields = {"name": "name", "id": "id", "created_at": "created_at"}
    default_sort = "name"

    def get_queryset(self):
        return ApiClient.objects.all()

    @idempotent_create(ApiClientInputSerializer, ApiClientSerializer)
    def post(self, request):
        client = clients.create_client(actor=request.user, **validated(ApiClientInputSerializer, request))
        return Response(ApiClientSerializer(client).data, status=status.HTTP_201_CREATED)


class ApiClientDetailApi(APIView):
    scopes = {"GET": ADMIN, "PATCH": ADMIN, "DELETE": ADMIN}

    @extend_schema(responses={200: ApiClientSerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk):
        return Response(ApiClientSerializer(get_object_or_404(ApiClient, pk=pk)).data)

    @extend_schema(
        request=ApiClientInputSerializer,
        responses={200: ApiClientSerializer, **problem_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pk):
        client = get_object_or_404(ApiClient, pk=pk)
        data = validated(ApiClientInputSerializer, request, partial=True)
        return Response(ApiClientSerializer(clients.update_client(actor=request.user, client=client, **data)).data)

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted, or deactivated when it has history"),
            **problem_responses(401, 403, 404),
        },
    )
    def delete(self, request, pk):
        clients.delete_client(actor=request.user, client=get_object_or_404(ApiClient, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@list_schema(statuses=(400, 401, 403, 404))
class ApiKeyListApi(ListApi):
    scopes = {"GET": ADMIN, "POST": ADMIN}
    serializer_class = ApiKeySerializer
    sort_fields = {"created_at": "created_at", "id": "id"}
    default_sort = "-created_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no client id
            return ApiKey.objects.none()
        return get_object_or_404(ApiClient, pk=self.kwargs["pk"]).keys.all()

    @idempotent_create(
        ApiKeyInputSerializer,
        NewApiKeySerializer,
        statuses=(400, 401, 403, 404, 409),
        description="A new key. `key` (`inv_<prefix>_<secret>`) is shown in this answer only; the service keeps an "
        "HMAC digest of it.",
    )
    def post(self, request, pk):
        client = get_object_or_404(ApiClient, pk=pk)
        data = validated(ApiKeyInputSerializer, request)
        key, secret = clients.create_key(actor=request.user, client=client, **data)
        return Response(NewApiKeySerializer(key, context={"key": secret}).data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    scopes = {"POST": ADMIN}

    @extend_schema(request=None, responses={200: ApiKeySerializer, **problem_responses(401, 403, 404)})
    def post(self, request, pk):
        key = clients.revoke_key(actor=request.user, key=get_object_or_404(ApiKey, pk=pk))
        return Response(ApiKeySerializer(key).data)


class ApiKeyRotateApi(APIView):
    scopes = {"POST": ADMIN}

    @extend_schema(
        request=ApiKeyRotateSerializer,
        responses={201: NewApiKeySerializer, **problem_responses(400, 401, 403, 404)},
        description="A new key for the same client (shown once); the old one keeps working until `grace_hours` "
        "(default 24) from now.",
    )
    def post(self, request, pk):
        data = validated(ApiKeyRotateSerializer, request)
        key, secret = clients.rotate_key(actor=request.user, key=get_object_or_404(ApiKey, pk=pk), **data)
        return Response(NewApiKeySerializer(key, context={"key": secret}).data, status=status.HTTP_201_CREATED)
