"""Helpers shared by the HTML views."""

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.cache import add_never_cache_headers

from .errors import NotFound, PermissionDenied, ServiceError
from .transactions import record_refusal


def _raise_for_status(exc: ServiceError) -> None:
    """A refused permission is a 403 (never a form error, issue 6 point 7); a missing or foreign object
    the same 404 as a missing one (R-ROLE-4)."""
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message)
    if isinstance(exc, NotFound):
        raise Http404


def form_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusal on the form: on its field when the form has it, else on the form."""
    record_refusal(exc)
    _raise_for_status(exc)
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def refuse(request, exc: ServiceError) -> None:
    """A refusal outside a form: a message, a 403, or the same 404 as a missing object (R-ROLE-4)."""
    from django.contrib import messages

    record_refusal(exc)
    _raise_for_status(exc)
    messages.error(request, exc.message)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def keep_link_token_private(response):
    """Pages whose URL holds a secret token (invitation, password link): the URL never leaves this site
    in a Referer header. `same-origin`, not `no-referrer`: with `no-referrer` browsers send
    `Origin: null` on the page's own form posts and the CSRF check refuses them."""
    response["Referrer-Policy"] = "same-origin"
    add_never_cache_headers(response)
    return response
