"""Django's ``makemessages``, also reading the core's ``N_("…")`` markers (``confederal.ledger.N_``).

``scripts/translations`` runs it for every language of ``settings.LANGUAGES``; see CONTRIBUTING.md.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]  # noqa: RUF012 (Django's own list)
