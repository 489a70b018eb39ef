"""``confederal manage remove_peer URL``: stop following another node (the copies verified so far are kept)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from confederal.node.errors import Refused
from confederal.node.federation.services import check_remove_peer, do_remove_peer


class Command(BaseCommand):
    help = "Stop following another node: no more pulls or witness requests; its verified ledgers are kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the peer node's address, as the peers page lists it")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            peer = check_remove_peer(options["url"])
        except Refused as exc:
            raise CommandError(exc.message) from exc
        do_remove_peer(peer)
        self.stdout.write(f"Removed {peer.url}: it is no longer pulled; the copies of its ledgers are kept.")
