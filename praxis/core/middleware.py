from django_scopes import scopes_disabled


class OperatorConsoleMiddleware:
    """The operator console (Django admin at /operator/) works across all workspaces by design:
    tenant scopes are lifted there, and only there, for staff users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/operator/") and getattr(request.user, "is_staff", False):
            with scopes_disabled():
                return self.get_response(request)
        return self.get_response(request)
