from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dashboard.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from . import receivers

        signals.user_logged_in.connect(receivers.on_user_logged_in, dispatch_uid="accounts.login")
        signals.user_login_failed.connect(
            receivers.on_user_login_failed, dispatch_uid="accounts.login_failed"
        )
        signals.user_logged_out.connect(
            receivers.on_user_logged_out, dispatch_uid="accounts.logout"
        )
