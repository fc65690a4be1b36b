from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("accounts/subscription/", views.own_subscription, name="own_subscription"),
    path("w/<slug:ws>/billing/", views.overview, name="overview"),
    path("w/<slug:ws>/billing/invoices/<int:invoice_id>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("w/<slug:ws>/billing/invoices/<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("w/<slug:ws>/billing/change-requests/", views.change_request_create, name="change_request_create"),
    path("w/<slug:ws>/billing/members/<int:member_id>/subscribe/", views.member_subscribe, name="member_subscribe"),
    path("w/<slug:ws>/billing/members/<int:member_id>/account-type/", views.member_account_type,
         name="member_account_type"),
    path("w/<slug:ws>/billing/members/<int:member_id>/unsubscribe/", views.member_unsubscribe,
         name="member_unsubscribe"),
    path("w/<slug:ws>/billing/me/account-type/", views.own_account_type, name="own_account_type"),
    path("w/<slug:ws>/billing/seat-cost/", views.seat_cost, name="seat_cost"),
]
