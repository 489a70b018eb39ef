from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    name = "confederal.node.assemblies"
    label = "assemblies"
    verbose_name = "Assemblies"
