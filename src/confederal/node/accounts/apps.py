from django.apps import AppConfig


class Config(AppConfig):
    name = "confederal.node.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from confederal.node.zones import remember_time_zone

        from .language import remember_language

        user_logged_in.connect(remember_time_zone, dispatch_uid="confederal.remember_time_zone")
        user_logged_in.connect(remember_language, dispatch_uid="confederal.remember_language")
