from django.apps import AppConfig


class Config(AppConfig):
    name = "confederal.node.discussion"
    label = "discussion"
