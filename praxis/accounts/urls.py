from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup_view, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/set/<str:token>/", views.password_set_view, name="password_set"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/email/", views.email_change_view, name="email_change"),
    path("profile/password/", views.password_change_view, name="password_change"),
    path("profile/two-factor/", views.two_factor_view, name="two_factor"),
    path("profile/tokens/", views.tokens_view, name="tokens"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
