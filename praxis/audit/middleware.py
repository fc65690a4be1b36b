from praxis.core.web import client_ip

from . import context


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        via = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.AccessPoint(
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                via=via,
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
