"""Helpers shared by the HTML views."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.cache import add_never_cache_headers

from .errors import NotFound, PermissionDenied, RateLimited, ServiceError
from .transactions import record_refusal


def _raise_for_status(exc: ServiceError) -> None:
    """A refused permission is a 403 (never a form error, issue 6 point 7); a missing or foreign object
    the same 404 as a missing one (R-ROLE-4)."""
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message)
    if isinstance(exc, NotFound):
        raise Http404
    if isinstance(exc, RateLimited):
        raise exc  # the 429 page (core.middleware.RateLimitedMiddleware), never a form error


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


FORM_ENCODINGS = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_cross_origin(request) -> bool:
    """Whether a browser sent this request from another site: an `Origin` header (browsers send one on
    every cross-site POST) that is neither this host nor a trusted origin. No header: not a browser
    posting across sites (scripts, curl), left to the other checks."""
    from django.conf import settings

    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = {f"{request.scheme}://{request.get_host()}", settings.PRAXIS_SITE_URL,
           *getattr(settings, "CSRF_TRUSTED_ORIGINS", ())}
    return origin not in own


def require_form_encoding(view):
    """A POST must carry a form encoding (issue 6 point 25a): a `text/plain` body is what another site can
    send without the browser asking first. 415 otherwise; the CSRF check stays on top of this."""
    from functools import wraps

    from django.http import HttpResponse
    from django.utils.translation import gettext as _

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and request.content_type not in FORM_ENCODINGS:
            return HttpResponse(_("Send this form from the page itself."), status=415,
                                content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)

    return wrapper


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def keep_link_token_private(response):
    """Pages whose URL holds a secret token (invitation, password link): the URL never leaves this site
    in a Referer header. `same-origin`, not `no-referrer`: with `no-referrer` browsers send
    `Origin: null` on the page's own form posts and the CSRF check refuses them."""
    response["Referrer-Policy"] = "same-origin"
    add_never_cache_headers(response)
    return response


def client_ip(request) -> str:
    """The client's IP address: the peer, or with `PRAXIS_PROXY_COUNT` proxies in front, the address the
    outermost of them saw (its entry in X-Forwarded-For). One definition for login throttling (axes), rate
    limits and the audit log."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.PRAXIS_PROXY_COUNT
    if proxies <= 0:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return peer
    return forwarded[-proxies][:45]
