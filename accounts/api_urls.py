from accounts import api
from inventory_site.api.routing import api_path

urlpatterns = [
    api_path("auth/token", api.TokenApi.as_view(), "auth-token"),
    api_path("auth/token/refresh", api.TokenRefreshApi.as_view(), "auth-token-refresh"),
    api_path("auth/logout", api.LogoutApi.as_view(), "auth-logout"),
    api_path("auth/me", api.MeApi.as_view(), "auth-me"),
    api_path("users", api.UserListApi.as_view(), "user-list"),
    api_path(r"users/(?P<pk>[0-9]+)", api.UserDetailApi.as_view(), "user-detail"),
    api_path("api-clients", api.ApiClientListApi.as_view(), "api-client-list"),
    api_path(r"api-clients/(?P<pk>[0-9]+)", api.ApiClientDetailApi.as_view(), "api-client-detail"),
    api_path(r"api-clients/(?P<pk>[0-9]+)/keys", api.ApiKeyListApi.as_view(), "api-key-list"),
    api_path(r"api-keys/(?P<pk>[0-9]+)/revoke", api.ApiKeyRevokeApi.as_view(), "api-key-revoke"),
    api_path(r"api-keys/(?P<pk>[0-9]+)/rotate", api.ApiKeyRotateApi.as_view(), "api-key-rotate"),
]
