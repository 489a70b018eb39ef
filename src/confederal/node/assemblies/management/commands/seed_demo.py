from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from confederal.node.demo import DEMO_ASSEMBLIES, seed_demo


class Command(BaseCommand):
    help = "Create the demo assemblies and their ledger histories, unless assemblies already exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--assemblies", nargs="*", choices=DEMO_ASSEMBLIES, default=list(DEMO_ASSEMBLIES), help="which ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if seed_demo(assemblies=tuple(options["assemblies"])):
            self.stdout.write("Seeded the demo assemblies.")
        else:
            self.stdout.write("This node already has assemblies; nothing seeded.")
