from audit.models import AuditEvent, LoginAttempt


def audit_event_list():
    return AuditEvent.objects.all()


def login_attempt_list():
    return LoginAttempt.objects.all()
