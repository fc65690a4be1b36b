from django.http import HttpResponse


def login_view(request):
    return HttpResponse("login")


def locked_out(request, credentials=None, *args, **kwargs):
    return HttpResponse("locked", status=429)
