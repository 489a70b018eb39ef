from django.apps import AppConfig


class Config(AppConfig):
    name = "confederal.node.once"
    label = "once"
