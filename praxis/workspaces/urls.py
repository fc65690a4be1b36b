from django.urls import path

from . import views

app_name = "workspaces"
urlpatterns = [
    path("workspaces/", views.workspace_list, name="list"),
    path("invite/<str:token>/", views.invite, name="invite"),
    path("w/<slug:ws>/", views.dashboard, name="dashboard"),
    path("w/<slug:ws>/settings/", views.workspace_settings, name="settings"),
    path("w/<slug:ws>/settings/transfer/", views.ownership_transfer, name="transfer"),
    path("w/<slug:ws>/members/", views.members, name="members"),
    path("w/<slug:ws>/members/cancel/", views.members_cancel, name="members_cancel"),
    path("w/<slug:ws>/members/restore/", views.members_restore, name="members_restore"),
    path("w/<slug:ws>/members/<int:member_id>/", views.member_edit, name="member_edit"),
    path("w/<slug:ws>/invitations/", views.invitations, name="invitations"),
    path("w/<slug:ws>/invitations/<int:invitation_id>/resend/", views.invitation_resend_view,
         name="invitation_resend"),
    path("w/<slug:ws>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke_view,
         name="invitation_revoke"),
    path("w/<slug:ws>/contacts/", views.contacts, name="contacts"),
    path("w/<slug:ws>/contacts/new/", views.contact_add, name="contact_add"),
    path("w/<slug:ws>/contacts/<int:member_id>/", views.contact_edit, name="contact_edit"),
    path("w/<slug:ws>/contacts/<int:member_id>/access/", views.contact_access, name="contact_access"),
]
