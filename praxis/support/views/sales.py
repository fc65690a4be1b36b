"""Contact sales (R-SUP-9, R-WS-6): a team of 10 or more, or central billing across workspaces, asks the
operator for a tailored set-up. Any member may send it; it lands in the console as its own kind of request."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from praxis.core.errors import ServiceError
from praxis.core.web import form_error
from praxis.workspaces.web import workspace_view

from .. import services
from ..forms import SalesRequestForm
from ..models import SalesRequest


@workspace_view()
def contact_sales(request):
    access = request.access
    user, workspace = access.user, access.workspace
    initial = {"organisation": workspace.name, "contact_name": user.display_name, "email": user.email,
               "phone": workspace.phone,
               "topic": request.GET.get("topic") if request.GET.get("topic") in SalesRequest.Topic.values else "large_team"}
    form = SalesRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.sales_request_create(user=user, workspace=workspace, values=form.cleaned_data)
        except ServiceError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Thank you. Our sales team will contact you within two working days."))
            return redirect("workspaces:dashboard", ws=workspace.slug)
    return render(request, "support/contact_sales.html", {"workspace": workspace, "form": form},
                  status=400 if form.errors else 200)


urlpatterns = [path("w/<slug:ws>/contact-sales/", contact_sales, name="contact_sales")]
