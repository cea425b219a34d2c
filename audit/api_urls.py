from audit import api
from inventory_site.api.routing import api_path

urlpatterns = [
    api_path("audit/events", api.AuditEventListApi.as_view(), "audit-event-list"),
    api_path("audit/login-attempts", api.LoginAttemptListApi.as_view(), "login-attempt-list"),
]
