from typing import Any

from django.core.management.base import BaseCommand

from confederal.node.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo food hub and its ledger history, unless assemblies already exist."

    def handle(self, *args: Any, **options: Any) -> None:
        if seed_demo():
            self.stdout.write("Seeded the demo assembly.")
        else:
            self.stdout.write("This node already has assemblies; nothing seeded.")
