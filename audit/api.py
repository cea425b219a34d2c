import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from audit import selectors
from audit.serializers import AuditEventSerializer, LoginAttemptSerializer
from inventory_site.api.docs import problem_responses
from inventory_site.api.filters import DateRangeFilterSet, StrictBooleanFilter, TextFilter
from inventory_site.api.permissions import ADMIN
from inventory_site.email_key import normalise_email


class AuditEventFilter(DateRangeFilterSet):
    date_field = "at"
    actor_id = django_filters.NumberFilter(field_name="actor_id")
    action = TextFilter(field_name="action")
    object_type = TextFilter(field_name="object_type")
    object_id = TextFilter(field_name="object_id")


class LoginAttemptFilter(DateRangeFilterSet):
    date_field = "at"
    email = TextFilter(method="filter_email", help_text="Any spelling: compared as the normalised key.")
    success = StrictBooleanFilter(field_name="success")

    def filter_email(self, queryset, name, value):
        # Rows hold the normalised key (NFKC, case-folded), the value the lockout counts on.
        return queryset.filter(email=normalise_email(value)[:254])


@extend_schema(responses={200: AuditEventSerializer(many=True), **problem_responses(400, 401, 403)})
class AuditEventListApi(ListAPIView):
    scopes = {"GET": ADMIN}
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.audit_event_list()


@extend_schema(responses={200: LoginAttemptSerializer(many=True), **problem_responses(400, 401, 403)})
class LoginAttemptListApi(ListAPIView):
    scopes = {"GET": ADMIN}
    serializer_class = LoginAttemptSerializer
    filterset_class = LoginAttemptFilter

    def get_queryset(self):
        return selectors.login_attempt_list()
