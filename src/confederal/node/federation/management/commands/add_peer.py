"""``confederal manage add_peer URL``: follow another node, pinning its ledgers' keys on first contact."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from confederal.node import clock
from confederal.node.errors import Refused
from confederal.node.federation.services import do_add_peer


class Command(BaseCommand):
    help = "Follow another node: pull and check its ledgers, and witness them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the peer node's address, such as https://assembly.example.org")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            peer = do_add_peer(options["url"], clock.now())
        except Refused as exc:
            raise CommandError(exc.message) from exc
        followed = peer.ledgers.count()
        if peer.last_error:
            self.stdout.write(f"Added {peer.url}; it has not answered yet ({peer.last_error}). It will be retried.")
        else:
            self.stdout.write(f"Added {peer.url} ({peer.name}): following {followed} ledger(s), keys pinned.")
