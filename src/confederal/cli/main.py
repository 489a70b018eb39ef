"""Entry point of the ``confederal`` command."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from confederal import __version__

from . import audit_books, backup, draw, verify
from . import demo as demo_mod


def _setup_django(data_dir: Path | None = None, public_url: str | None = None) -> None:
    if data_dir is not None:
        os.environ["CONFEDERAL_DATA_DIR"] = str(data_dir)
    if public_url is not None:
        os.environ["CONFEDERAL_PUBLIC_URL"] = public_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confederal.node.settings")
    import django

    django.setup()


def _cannot_listen(host: str, port: int, exc: OSError) -> int:
    print(f"confederal: cannot listen on {host}:{port}: {exc.strerror or exc}.", file=sys.stderr)
    print("  Is another node or program using that port? Choose another with --port.", file=sys.stderr)
    return 1


def _check_free(host: str, port: int) -> None:
    """Raise the OSError listening on ``host:port`` would meet now (as the server will listen: reusing the address)."""
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError:
        return  # an address that does not resolve is the server's to report
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)


def _serve(host: str, port: int, threads: int, banner: str, demo: list[demo_mod.DemoNode] | None = None) -> int:
    from django.conf import settings
    from waitress.server import create_server

    from confederal.node.wsgi import application

    # Behind a declared proxy, waitress passes on the scheme the browser used (otherwise it drops the header).
    trusted = set(settings.TRUSTED_PROXY_HEADERS)
    try:
        server = create_server(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="confederal",
            trusted_proxy="*" if trusted else None,
            trusted_proxy_headers=trusted,
            # waitress would drop X-Forwarded-For too; with CONFEDERAL_PROXY_HOPS set, `web.client_address`
            # reads the address the operator's proxy saw from it (and only from the entries that proxy wrote).
            clear_untrusted_proxy_headers=settings.PROXY_HOPS == 0,
        )
    except OSError as exc:
        return _cannot_listen(host, port, exc)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # A service manager asks politely with SIGTERM; treat it like Ctrl-C. Ctrl-C is set here too: a node
    # started in the background by a script inherits SIGINT ignored, and would then never stop cleanly.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from confederal.node.ticker import start_federating, start_ticking

    ticking = start_ticking(settings.TICK_SECONDS)
    federating = start_federating(settings.FEDERATION_SECONDS)
    others = demo_mod.start_other_nodes(demo) if demo else []
    story = demo_mod.Story(demo, ticking) if demo else None
    if story is not None:
        story.start()
    print(banner, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        ticking.set()
        federating.set()
        server.close()
        if story is not None:
            story.join(10)  # let a step in flight finish, so the story never stops half-written
        demo_mod.stop_nodes(others)
    print("\nStopped. Nothing was lost: run the same command to carry on where you left off.")
    return 0


def _sign_pending() -> None:
    from django.conf import settings

    from confederal.node import clock
    from confederal.node.federation.services import do_remember_peers
    from confederal.node.ledgers.services import do_sign_pending_checkpoints

    for checkpoint in do_sign_pending_checkpoints(clock.now()):
        print(f"Signed a checkpoint left pending at {checkpoint.size} entries of {checkpoint.ledger.origin}.")
    do_remember_peers(settings.PEERS, clock.now())


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir.resolve()
    nodes = demo_mod.demo_nodes(data_dir, args.host, args.port)
    # Before seeding, which takes a while the first time: a taken port would only show after it.
    for host, port in [(node.host, node.port) for node in nodes] + [("127.0.0.1", nodes[0].mail_port)]:
        try:
            _check_free(host, port)
        except OSError as exc:
            return _cannot_listen(host, port, exc)
    first = nodes[0]
    first.data_dir.mkdir(parents=True, exist_ok=True)
    # The demo is self-contained: it never touches a database configured for a real node.
    for name, value in first.env(demo_mod.peers_of(first, nodes)).items():
        if name.startswith("CONFEDERAL_"):
            os.environ[name] = value
    os.environ.pop("CONFEDERAL_DATABASE_URL", None)
    os.environ.pop("CONFEDERAL_SIGNING_KEY_FILE", None)
    _setup_django()
    from django.core.management import call_command

    from confederal.node.demo import DEMO_PASSWORD, seed_demo

    call_command("migrate", verbosity=0)
    seeded = seed_demo(assemblies=(first.slug,))
    _sign_pending()
    food, energy, housing = nodes
    ledger_url = f"{food.url}/ledgers/food-hub"
    state = "Seeded a new demo" if seeded else "Reusing the demo data"
    banner = "\n".join(
        [
            f"{state} in {data_dir}",
            "",
            "  Three Confederal nodes, each with its own database and key, federate on this machine:",
            f"    {food.url}/  Riverside Food Hub (this process)",
            f"    {energy.url}/  Hillside Energy Co-op      (log: {energy.data_dir / 'node.log'})",
            f"    {housing.url}/  Tenants of Elm Street      (log: {housing.data_dir / 'node.log'})",
            f"  Watch the federation and its council live:  {food.url}/federations/",
            "    (the first time, the story below founds it, convenes a council for "
            f"{demo_mod.COUNCIL_MINUTES} minutes, mandates",
            "    delegates, votes, recalls one mid-vote and lets the council dissolve by itself)",
            f"  Open the food hub's public ledger:  {ledger_url}/",
            "  Sign in as a demo member (amara, jonas, kwame, nadia, …) with the password "
            f"'{DEMO_PASSWORD}': each node's sign-in page lists its own.",
            f"  Mail the three nodes send (immediate mail and digests) lands in {demo_mod.mail_dir(nodes)}/,",
            "  one .eml file per message; each member's inbox is at /inbox/ and their mail settings on their account.",
            f"  See a fair draw for a role, and check it:  {food.url}/assemblies/food-hub/roles/",
            "  Finish one: the energy co-op's treasurer draw is announced "
            f"({energy.url}/assemblies/energy-coop/roles/);",
            "  sign in there as kwame, add your randomness, then draw it.",
            "  Check a ledger, and re-derive its draws, from another terminal:",
            f"      .venv/bin/confederal verify {ledger_url}",
            f"      .venv/bin/confederal audit-draw {ledger_url}",
            "",
            "  Press Ctrl-C to stop all three.",
        ]
    )
    return _serve(args.host, args.port, args.threads, banner, demo=nodes)


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("confederal: the database needs migrating first: confederal manage migrate", file=sys.stderr)
        return 1
    from django.conf import settings

    _sign_pending()
    if settings.HTTPS and not settings.BEHIND_PROXY:
        print(
            "confederal: the public URL is https, but CONFEDERAL_BEHIND_PROXY is not set, so this node cannot tell "
            "a request that came over TLS from a plain one: it neither redirects plain HTTP nor sends HSTS. Behind a "
            "TLS proxy that sets X-Forwarded-Proto, set CONFEDERAL_BEHIND_PROXY=1 (docs/DEPLOY.md).",
            file=sys.stderr,
        )
    return _serve(
        args.host, args.port, args.threads, f"Confederal node serving {settings.PUBLIC_URL}/ on {args.host}:{args.port}"
    )


def cmd_append(args: argparse.Namespace) -> int:
    _setup_django()
    from confederal.node import clock
    from confederal.node.ledgers.models import Ledger
    from confederal.node.ledgers.services import CheckpointPending, LedgerInputError, check_operator_record, do_append

    ledger = Ledger.objects.filter(slug=args.ledger).first()
    if ledger is None:
        print(f"confederal append: there is no ledger called {args.ledger!r} on this node.", file=sys.stderr)
        return 2
    try:
        data = sys.stdin.buffer.read() if args.body == "-" else Path(args.body).read_bytes()
    except OSError as exc:
        print(f"confederal append: cannot read {args.body}: {exc.strerror or exc}.", file=sys.stderr)
        return 2
    try:
        record = check_operator_record(args.kind, data)
        (seq,) = do_append(ledger, [record], clock.now())
    except LedgerInputError as exc:
        print(f"confederal append: nothing was written. {exc.message}", file=sys.stderr)
        return 2
    except CheckpointPending as exc:
        print(
            f"confederal append: entry {exc.seqs[0]} is stored (do not append it again), but its checkpoint "
            f"could not be signed: {exc.reason}. It will be signed at the next append or when the node starts.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Appended entry {seq} to {ledger.origin}, as a note of this node's operator; "
        f"a checkpoint of {seq + 1} entries is signed."
    )
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["confederal manage", *args.args])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="confederal", description="Confederal: federated assemblies with public ledgers."
    )
    parser.add_argument("--version", action="version", version=f"confederal {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run three federating demo nodes (ports PORT, PORT+1, PORT+2) and a council")
    demo.add_argument(
        "--data-dir", type=Path, default=Path(".demo"), help="where the demo keeps its data (default .demo)"
    )
    serve = sub.add_parser("serve", help="serve this node (settings from CONFEDERAL_* variables)")
    for server, run in ((demo, cmd_demo), (serve, cmd_serve)):
        server.add_argument("--host", default="127.0.0.1")
        server.add_argument("--port", type=int, default=8000)
        server.add_argument("--threads", type=int, default=8)
        server.set_defaults(func=run)

    check = sub.add_parser(
        "verify",
        help="check a published ledger: signature, every entry, the tree and its history",
        epilog=verify.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_arguments(check)
    check.set_defaults(func=verify.run)

    books = sub.add_parser(
        "audit-books",
        help="recompute an assembly's books from its verified ledger; compare them with what its node shows",
        description="Verifies the ledger as verify does, then folds its entries into every account's balance and "
        "the budget in force against what was spent. Given a node's URL, it also fetches the books the node shows "
        "and says every figure that differs from the ledger's. --beancount writes the books for Beancount.",
        epilog=audit_books.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit_books.add_arguments(books)
    books.set_defaults(func=audit_books.run)

    for name, help_, description, add_arguments, run in (
        (
            "draw",
            "compute a fair lottery from features.csv and people.csv and draw a panel",
            "Computes the leximin (or maximin) lottery over panels that meet every quota, prints each "
            "person's chance and the certificate, and draws one panel from public or fresh randomness. "
            "Ctrl-C stops early with the best lottery found so far. Exit 3: the files or quotas do not allow a draw.",
            draw.add_draw_arguments,
            draw.run_draw,
        ),
        (
            "audit-draw",
            "re-derive recorded draws from a ledger (or a record file) and say whether they match",
            "Verifies the ledger as verify does, then re-derives every draw it records: the beacon from "
            "the ledger's root, the seed, the lottery's quotas and probabilities, and the people chosen. "
            "Exit 5: a draw does not match its record.",
            draw.add_audit_arguments,
            draw.run_audit,
        ),
    ):
        command = sub.add_parser(name, help=help_, description=description)
        add_arguments(command)
        command.set_defaults(func=run)

    from confederal.records import OPERATOR_KINDS

    append = sub.add_parser(
        "append",
        help="append an operator's note (a payment, a measurement) to one of this node's ledgers",
        description="Appends a note of this node's operator. Its entry's author is the operator's key, never the "
        "assembly's, so nobody can mistake it for an act of the assembly; decisions, roles and every other kind are "
        "written only by the acts they record.",
    )
    append.add_argument("ledger", help="the ledger's short name, such as food-hub")
    append.add_argument("--kind", required=True, help="the note's kind: " + ", ".join(OPERATOR_KINDS))
    append.add_argument(
        "--body", default="-", metavar="FILE", help="a JSON file with the record's body (default: stdin)"
    )
    append.set_defaults(func=cmd_append)

    for name, help_, description, add_arguments, run in (
        (
            "backup",
            "write a consistent snapshot of this running node (database, key, verifier pins) into a folder",
            backup.BACKUP_DESCRIPTION,
            backup.add_backup_arguments,
            backup.run_backup,
        ),
        (
            "restore",
            "restore a node from a backup folder, after checking every file against its manifest",
            backup.RESTORE_DESCRIPTION,
            backup.add_restore_arguments,
            backup.run_restore,
        ),
    ):
        command = sub.add_parser(name, help=help_, description=description)
        add_arguments(command)
        command.set_defaults(func=run)

    manage = sub.add_parser("manage", help="run a Django management command against this node")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
