from django.http import HttpResponse

from .web import workspace_view


def home(request):
    return HttpResponse("home")


@workspace_view()
def dashboard(request):
    return HttpResponse(request.access.workspace.name)
