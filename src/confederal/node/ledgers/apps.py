from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "confederal.node.ledgers"
    label = "ledgers"
    verbose_name = "Public ledgers"
