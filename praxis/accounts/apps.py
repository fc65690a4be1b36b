from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "praxis.accounts"
    label = "accounts"

    def ready(self):
        # Authentication events come from django.contrib.auth as signals; we only audit them here.
        from django.contrib.auth import signals

        from . import audit_hooks, middleware

        signals.user_logged_in.connect(audit_hooks.logged_in, dispatch_uid="praxis_audit_login")
        signals.user_logged_out.connect(audit_hooks.logged_out, dispatch_uid="praxis_audit_logout")
        signals.user_logged_in.connect(middleware.session_renewed_at_login, dispatch_uid="praxis_session_renewed")
        signals.user_login_failed.connect(audit_hooks.login_failed, dispatch_uid="praxis_audit_login_failed")
